package org.optimbench.jobs.data.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.optimbench.jobs.data.ChunkSchema;
import org.optimbench.jobs.data.ParquetRangeReader;
import org.optimbench.jobs.data.RankStream;
import org.optimbench.jobs.data.RowChunk;
import org.optimbench.jobs.data.ShardPlan;
import org.optimbench.jobs.data.SplitIndex;
import org.optimbench.prep.common.StableHash;
import org.optimbench.prep.criteo.CriteoConfig;
import org.optimbench.prep.criteo.CriteoGenerator;
import org.optimbench.prep.criteo.CriteoJob;

/**
 * Rows per second of the data package's Parquet reader alone, against Spark's own Parquet scan of
 * the same files with the same cores: one reader thread against {@code local[1]}, on the train
 * split of generated Criteo-format data (data-prep's generator and Criteo job) and of text blocks
 * (1025 tokens each, block_id + tokens as data-prep's text job writes them).
 *
 * <p>Both sides decode the same columns and compute the same sums (ids, labels, list sizes, first
 * elements), which are checked equal, so neither can skip work the other does: Spark's scan is
 * {@code spark.read().parquet(split).select(columns).agg(sum(...), sum(size(list)),
 * sum(element_at(list, 1)))}. Rounds alternate the two, after one warm-up round each; the table
 * gives the median and best of the timed rounds. A third line times a shuffled {@link RankStream}
 * epoch (windows of 65,536 rows, one prefetched, batches of 4,096): the reader plus the window
 * gather, with the prefetch thread as a second thread.
 *
 * <p>The {@code reader} case of {@link BenchData} ({@code scripts/bench-data reader}). Data is made
 * once: {@code -Dbench.criteoRowsPerDay=N} (default 1,000,000; 4 days, the last split into valid
 * and test, so 3 N train rows), {@code -Dbench.textBlocks=N} (default 100,000).
 */
public final class BenchReader {
  private static final int CHUNK_ROWS = 1 << 16;

  private BenchReader() {}

  /**
   * {@code DIR ROUNDS}: the {@code criteo} and {@code text} cases, data under DIR (made on first
   * use), ROUNDS timed rounds after a warm-up; run by {@link BenchData} in a JVM of its own.
   */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int rounds = Integer.parseInt(args[1]);
    for (String c : List.of("criteo", "text")) {
      Path data = dir.resolve(c);
      if (!Files.exists(data.resolve("_SUCCESS"))) prepare(c, dir, data);
      ChunkSchema schema = c.equals("criteo") ? ChunkSchema.criteo() : ChunkSchema.textBlocks();
      run(c, data, schema, rounds);
    }
    System.exit(0);
  }

  private static void prepare(String c, Path dir, Path data) throws Exception {
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("bench-reader-prepare")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    spark.sparkContext().setLogLevel("ERROR");
    try {
      if (c.equals("criteo")) {
        long perDay = Long.getLong("bench.criteoRowsPerDay", 1_000_000L);
        Path days = dir.resolve("criteo-days");
        System.out.printf(
            Locale.ROOT, "generating 4 days of %,d Criteo rows in %s%n", perDay, days);
        CriteoGenerator.generate(days, new CriteoGenerator.Spec(4, perDay, 0, false), 2);
        CriteoJob.run(
            spark,
            new CriteoConfig(
                days.toString(), data.toString(), true, 0L, 0L, null, null, null, null));
      } else {
        long blocks = Long.getLong("bench.textBlocks", 100_000L);
        System.out.printf(Locale.ROOT, "writing %,d text blocks of 1025 tokens%n", blocks);
        StructType schema =
            new StructType()
                .add("block_id", DataTypes.LongType, false)
                .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), true);
        JavaRDD<Row> rows =
            spark
                .range(0, blocks, 1, 4)
                .javaRDD()
                .map(id -> RowFactory.create(id, tokens(id, 1025)));
        spark
            .createDataFrame(rows, schema)
            .write()
            .parquet(data.resolve("data/split=train").toString());
        Files.writeString(data.resolve("_SUCCESS"), "");
      }
    } finally {
      spark.stop();
    }
  }

  /** Zipf-like GPT-2 token ids (frequent small ids), a pure function of the block id. */
  private static int[] tokens(long block, int n) {
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      double u = StableHash.unit(StableHash.hash(block, i));
      t[i] = (int) (50257 * u * u * u);
    }
    return t;
  }

  private static void run(String name, Path data, ChunkSchema schema, int rounds) throws Exception {
    Configuration conf = new Configuration();
    SplitIndex index = SplitIndex.load(data.toString(), "train", conf);
    System.out.printf(Locale.ROOT, "%n%s: %s%n", name, index);
    SparkSession spark =
        SparkSession.builder()
            .master("local[1]")
            .appName("bench-reader")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    spark.sparkContext().setLogLevel("ERROR");
    System.out.println(
        "spark.sql.parquet.enableNestedColumnVectorizedReader = "
            + spark.conf().get("spark.sql.parquet.enableNestedColumnVectorizedReader"));
    List<Double> ours = new ArrayList<>();
    List<Double> theirs = new ArrayList<>();
    List<Double> stream = new ArrayList<>();
    try {
      for (int r = 0; r <= rounds; r++) {
        long t0 = System.nanoTime();
        long[] a = readerSums(index, schema, conf);
        double s1 = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        long[] b = sparkSums(spark, index, schema);
        double s2 = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        long[] c = streamSums(index, schema, conf);
        double s3 = (System.nanoTime() - t0) / 1e9;
        if (!Arrays.equals(a, b) || !Arrays.equals(a, c))
          throw new AssertionError(
              "sums differ: reader "
                  + Arrays.toString(a)
                  + ", spark "
                  + Arrays.toString(b)
                  + ", stream "
                  + Arrays.toString(c));
        System.out.printf(
            Locale.ROOT,
            "  round %d%s: reader %.2f s, spark %.2f s, stream %.2f s%n",
            r,
            r == 0 ? " (warm-up)" : "",
            s1,
            s2,
            s3);
        if (r > 0) {
          ours.add(index.rows() / s1);
          theirs.add(index.rows() / s2);
          stream.add(index.rows() / s3);
        }
      }
    } finally {
      spark.stop();
    }
    double mo = median(ours);
    double mt = median(theirs);
    System.out.printf(
        Locale.ROOT,
        "%s, %,d rows: rows/s median (best)%n"
            + "  reader, 1 thread          %,12.0f (%,.0f)%n"
            + "  spark scan, local[1]      %,12.0f (%,.0f)%n"
            + "  rank stream, shuffled     %,12.0f (%,.0f)%n"
            + "  reader / spark = %.2f%n",
        name,
        index.rows(),
        mo,
        max(ours),
        mt,
        max(theirs),
        median(stream),
        max(stream),
        mo / mt);
  }

  /**
   * id sum, label sum, then per list column: total size and the sum of first elements (ints; for
   * floats and doubles their value times 1000, truncated, so sums match exactly).
   */
  private static long[] readerSums(SplitIndex index, ChunkSchema schema, Configuration conf) {
    long[] sums = new long[2 + 2 * schema.listCount()];
    try (ParquetRangeReader r = new ParquetRangeReader(index, schema, conf)) {
      r.read(
          ShardPlan.share(index.rowGroupRows(), 0, 0, 0, 1, false),
          CHUNK_ROWS,
          c -> add(sums, c, schema));
    }
    return sums;
  }

  private static long[] streamSums(SplitIndex index, ChunkSchema schema, Configuration conf) {
    long[] sums = new long[2 + 2 * schema.listCount()];
    RankStream.Options o =
        RankStream.Options.defaults(1).withShuffleBuffer(CHUNK_ROWS).withMaxChunkRows(4096);
    try (RankStream s = new RankStream(index, schema, 0, 1, o, conf)) {
      long n = s.shareSize();
      for (long p = 0; p < n; p += 4096) add(sums, s.rows(p, (int) Math.min(4096, n - p)), schema);
    }
    return sums;
  }

  private static void add(long[] sums, RowChunk c, ChunkSchema schema) {
    long[] ids = c.ids();
    for (long id : ids) sums[0] += id;
    if (schema.hasLabel()) for (int l : c.labels()) sums[1] += l;
    for (int k = 0; k < schema.listCount(); k++) {
      int[] off = c.offsets(k);
      sums[2 + 2 * k] += off[c.size()];
      for (int i = 0; i < c.size(); i++) {
        if (off[i + 1] == off[i]) continue;
        sums[3 + 2 * k] +=
            switch (schema.list(k).type()) {
              case INT -> c.ints(k)[off[i]];
              case FLOAT -> (long) (c.floats(k)[off[i]] * 1000.0);
              case DOUBLE -> (long) (c.doubles(k)[off[i]] * 1000.0);
            };
      }
    }
  }

  private static long[] sparkSums(SparkSession spark, SplitIndex index, ChunkSchema schema) {
    List<Column> aggs = new ArrayList<>();
    aggs.add(sum(col(schema.idColumn())));
    aggs.add(schema.hasLabel() ? sum(col(schema.labelColumn()).cast("long")) : sum(lit0()));
    for (ChunkSchema.ListColumn l : schema.lists()) {
      aggs.add(sum(size(col(l.name())).cast("long")));
      Column first = element_at(col(l.name()), 1);
      aggs.add(
          sum(
              l.type() == ChunkSchema.ElementType.INT
                  ? first.cast("long")
                  : first.cast("double").multiply(1000.0).cast("long")));
    }
    Row r =
        spark
            .read()
            .parquet(index.dataset() + "/data/split=" + index.split())
            .select(
                schema.columnNames().stream()
                    .map(org.apache.spark.sql.functions::col)
                    .toArray(Column[]::new))
            .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0]))
            .first();
    long[] out = new long[aggs.size()];
    for (int i = 0; i < out.length; i++) out[i] = r.isNullAt(i) ? 0 : r.getLong(i);
    return out;
  }

  private static Column lit0() {
    return org.apache.spark.sql.functions.lit(0L);
  }

  private static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static double max(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }
}
