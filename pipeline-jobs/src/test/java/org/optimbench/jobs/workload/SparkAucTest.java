package org.optimbench.jobs.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark AUC on local[2] equals {@link Metrics#exactAuc(double[], double[])} of the same rows
 * (itself checked against sklearn's roc_auc_score in MetricsTest) bit for bit: a Parquet split of 5
 * files (read as at least 5 partitions) with heavy ties and -0.0, sorted into 5 partitions
 * (adaptive coalescing off, so the pieces really are combined across partitions); NaN when a class
 * is absent; NaN scores and other labels fail the job naming them.
 */
class SparkAucTest {
  @TempDir static Path tmp;
  static SparkSession spark;
  static final StructType SCHEMA =
      new StructType().add("s", DataTypes.DoubleType).add("y", DataTypes.IntegerType);

  @BeforeAll
  static void setUp() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("spark-auc-test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "5")
            .config("spark.sql.adaptive.coalescePartitions.enabled", "false")
            .config("spark.sql.files.maxPartitionBytes", "4096")
            .config("spark.sql.files.openCostInBytes", "4096")
            .getOrCreate();
    spark.sparkContext().setLogLevel("ERROR");
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
  }

  private static Dataset<Row> frame(double[] s, double[] y) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < s.length; i++) rows.add(RowFactory.create(s[i], (int) y[i]));
    return spark.createDataFrame(rows, SCHEMA);
  }

  @Test
  void sparkAucOfAParquetSplitWithTiesEqualsTheExactAucBitForBit() {
    Random r = new Random(11);
    for (int trial = 0; trial < 3; trial++) {
      int n = 3000;
      double[] s = new double[n];
      double[] y = new double[n];
      for (int i = 0; i < n; i++) {
        s[i] = (r.nextInt(trial == 0 ? 7 : 400) - 3) / 2.0; // 7 or 400 distinct scores: heavy ties
        if (s[i] == 0 && r.nextBoolean()) s[i] = -0.0;
        y[i] = r.nextDouble() < (trial == 2 ? 0.9 : 0.05) ? 1 : 0;
      }
      Path split = tmp.resolve("split-" + trial);
      frame(s, y).repartition(5).write().parquet(split.toString());
      Dataset<Row> read = spark.read().parquet(split.toString());
      assertTrue(
          read.rdd().getNumPartitions() >= 5,
          "a partition per part file at least: " + read.rdd().getNumPartitions());
      double expected = Metrics.exactAuc(s, y);
      double got = SparkAuc.exactAuc(read, "s", "y");
      assertEquals(
          Double.doubleToRawLongBits(expected),
          Double.doubleToRawLongBits(got),
          "trial " + trial + ": " + got + " vs " + expected);
    }
  }

  @Test
  void countsKeepExtraSumsAndNoClassMeansNan() {
    Dataset<Row> counts =
        SparkAuc.counts(
                frame(new double[] {0.5, -0.0, 0.0, 0.5}, new double[] {1, 0, 1, 1}),
                "s",
                "y",
                org.apache.spark.sql.functions.count("*").as("rows"))
            .orderBy(SparkAuc.SCORE);
    List<Row> c = counts.collectAsList();
    assertEquals(2, c.size(), "-0.0 and 0.0 are one score: " + c);
    assertEquals(RowFactory.create(0.0, 1L, 1L, 2L), c.get(0));
    assertEquals(RowFactory.create(0.5, 2L, 0L, 2L), c.get(1));
    SparkAuc.Concordance c2 = SparkAuc.concordance(counts, "rows");
    assertEquals(new AucCounts.Piece(3, 1, 5), c2.counts());
    assertEquals(4.0, c2.sums()[0], "a sum column's total comes back with the counts");
    assertTrue(
        Double.isNaN(
            SparkAuc.exactAuc(frame(new double[] {0.1, 0.2}, new double[] {0, 0}), "s", "y")));
  }

  @Test
  void nanScoresAndOtherLabelsFailTheJobNamingThem() {
    Exception nan =
        assertThrows(
            Exception.class,
            () ->
                SparkAuc.exactAuc(
                    frame(new double[] {0.1, Double.NaN}, new double[] {0, 1}), "s", "y"));
    assertTrue(String.valueOf(nan.getMessage()).contains("s is NaN"), nan.getMessage());
    Exception label =
        assertThrows(
            Exception.class,
            () -> SparkAuc.exactAuc(frame(new double[] {0.1, 0.2}, new double[] {0, 2}), "s", "y"));
    assertTrue(
        String.valueOf(label.getMessage()).contains("y 2 is not 0 or 1"), label.getMessage());
  }
}
