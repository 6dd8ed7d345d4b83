package org.optimbench.jobs.workload;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * The exact ROC AUC of a scored split with Spark aggregations, for splits too large to gather
 * anywhere: {@link #counts} aggregates the rows into one row per distinct score (positives,
 * negatives, and any other sums the caller asks for); {@link #concordance} sorts those by score
 * (range partitioning: every score in one partition, partitions in ascending order), folds each
 * partition into an {@link AucCounts.Piece} and brings back one piece per partition, which the
 * driver combines in partition order ({@link AucCounts#combine}). Nothing proportional to the rows
 * or the distinct scores reaches the driver, and the result equals {@link
 * Metrics#exactAuc(double[], double[])} of all rows bit for bit (ties count one half, -0.0 and 0.0
 * are one score, NaN when a class is absent).
 */
public final class SparkAuc {
  public static final String SCORE = "score";
  public static final String POSITIVES = "positives";
  public static final String NEGATIVES = "negatives";

  private SparkAuc() {}

  /**
   * One row per distinct score of {@code scored}: {@value #SCORE} (double, -0.0 counted as 0.0),
   * {@value #POSITIVES} and {@value #NEGATIVES} (long), then the {@code extra} aggregates (e.g.
   * {@code sum("loss").as("loss")}). A NaN or null score, or a label other than 0 and 1, fails the
   * job with a message naming it.
   */
  public static Dataset<Row> counts(
      Dataset<Row> scored, String scoreColumn, String labelColumn, Column... extra) {
    Column s = col(scoreColumn).cast("double");
    Column y = col(labelColumn);
    Column score =
        when(
                s.isNull().or(isnan(s)),
                raise_error(
                    concat(
                        lit(scoreColumn + " is "),
                        s.cast("string"),
                        lit(" (NaN scores have no rank)"))))
            .otherwise(s.plus(0.0));
    Column label =
        when(y.isin(0, 1), y.cast("int"))
            .otherwise(
                raise_error(
                    concat(lit(labelColumn + " "), y.cast("string"), lit(" is not 0 or 1"))));
    List<Column> aggs = new ArrayList<>();
    aggs.add(sum(when(col("_auc_label").equalTo(0), 1L).otherwise(0L)).as(NEGATIVES));
    aggs.addAll(List.of(extra));
    return scored
        .withColumn("_auc_score", score)
        .withColumn("_auc_label", label)
        .groupBy(col("_auc_score").as(SCORE))
        .agg(sum(col("_auc_label").cast("long")).as(POSITIVES), aggs.toArray(Column[]::new));
  }

  /**
   * What {@link #concordance} brings back: the AUC counts of all rows, and the totals of the
   * requested sum columns.
   */
  public record Concordance(AucCounts.Piece counts, double[] sums) {
    public double auc() {
      return counts.auc();
    }
  }

  /**
   * The class totals and twice the concordant count of {@code counts} (columns {@value #SCORE},
   * {@value #POSITIVES}, {@value #NEGATIVES}, scores distinct as {@link #counts} leaves them), and
   * the totals of {@code sumColumns} (double columns of {@code counts}, such as a loss summed per
   * score), added per partition in ascending score order and then in partition order, so the same
   * counts give the same totals. One sort; the job returns a piece per partition. The sort's
   * sampling reads the aggregated counts from the aggregation's shuffle output, so the rows below
   * them are read (scored) once, with or without adaptive query execution (measured with an
   * accumulator on 1M rows: 1M reads either way).
   */
  public static Concordance concordance(Dataset<Row> counts, String... sumColumns) {
    List<Column> cols = new ArrayList<>(List.of(col(SCORE), col(POSITIVES), col(NEGATIVES)));
    for (String c : sumColumns) cols.add(col(c).cast("double"));
    int k = sumColumns.length;
    List<Tuple2<Integer, Tuple2<AucCounts.Piece, double[]>>> pieces =
        counts
            .select(cols.toArray(Column[]::new))
            .orderBy(col(SCORE))
            .javaRDD()
            .mapPartitionsWithIndex(
                (Integer index, Iterator<Row> rows) -> {
                  double[] sums = new double[k];
                  Iterator<AucCounts.Group> groups =
                      new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                          return rows.hasNext();
                        }

                        @Override
                        public AucCounts.Group next() {
                          Row r = rows.next();
                          for (int j = 0; j < k; j++)
                            if (!r.isNullAt(3 + j)) sums[j] += r.getDouble(3 + j);
                          return new AucCounts.Group(r.getDouble(0), r.getLong(1), r.getLong(2));
                        }
                      };
                  AucCounts.Piece piece = AucCounts.piece(groups);
                  return List.of(new Tuple2<>(index, new Tuple2<>(piece, sums))).iterator();
                },
                false)
            .collect();
    List<Tuple2<Integer, Tuple2<AucCounts.Piece, double[]>>> ordered = new ArrayList<>(pieces);
    ordered.sort(Comparator.comparing(Tuple2::_1));
    double[] sums = new double[k];
    for (Tuple2<Integer, Tuple2<AucCounts.Piece, double[]>> p : ordered)
      for (int j = 0; j < k; j++) sums[j] += p._2()._2()[j];
    return new Concordance(
        AucCounts.combine(ordered.stream().map(p -> p._2()._1()).toList()), sums);
  }

  /** The exact AUC of {@code scored}'s rows: {@link #concordance} of {@link #counts}. */
  public static double exactAuc(Dataset<Row> scored, String scoreColumn, String labelColumn) {
    return concordance(counts(scored, scoreColumn, labelColumn)).auc();
  }
}
