package org.optimbench.prep.criteo;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.optimbench.prep.common.AtomicOutput;
import org.optimbench.prep.common.BadInputException;
import org.optimbench.prep.common.BadRowPolicy;
import org.optimbench.prep.common.BadRows;
import org.optimbench.prep.common.Configs;
import org.optimbench.prep.common.FileLineIterator;
import org.optimbench.prep.common.FileMeta;
import org.optimbench.prep.common.HadoopConf;
import org.optimbench.prep.common.InputFile;
import org.optimbench.prep.common.InputListing;
import org.optimbench.prep.common.JobCommand;
import org.optimbench.prep.common.LineSource;
import org.optimbench.prep.common.Manifest;
import org.optimbench.prep.common.RowFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Criteo click logs (TSV: label, I1..I13, C1..C26) to Parquet with DLRM preprocessing.
 *
 * <p>Streaming: every file is read by one task, line by line; nothing comes back to the driver but
 * line counts of the last day's files, per-file checksums and, in vocabulary mode, the 26
 * vocabulary sizes. Columns: {@code label int, dense array<float>[13] = log1p(max(x,0)),
 * categorical array<int>[26], row_id long = (file ordinal << 40) | line, day int}, partitioned by
 * {@code split}.
 *
 * <p>Categorical ids: {@code hash} mode maps (seed, column, value) to 1..hash-range-1 in the same
 * pass. {@code vocab} mode counts (column, value) over the train split with a Spark aggregation,
 * keeps values seen at least {@code frequency-threshold} times, numbers them from 1 by descending
 * count (ties by value) per column, writes the vocabulary to {@code vocab/}, and applies it with
 * one left join per column; Spark broadcasts a column's vocabulary only when it is below {@code
 * spark.sql.autoBroadcastJoinThreshold} (small columns), large columns are shuffle-joined, so no
 * large map ever passes through the driver. Id 0 is missing or rare in both modes.
 */
@Command(
    name = "criteo",
    mixinStandardHelpOptions = true,
    description =
        "Criteo click logs (Kaggle / 1TB, one file per day, gzip or plain) -> DLRM-ready Parquet.")
public final class CriteoJob extends JobCommand<CriteoConfig> {
  @Option(names = "--categorical", paramLabel = "MODE", description = "hash (default) or vocab.")
  CriteoConfig.Mode categorical;

  @Option(
      names = "--hash-range",
      paramLabel = "M",
      description = "Ids per column in hash mode (default 40000000).")
  Integer hashRange;

  @Option(
      names = "--frequency-threshold",
      paramLabel = "N",
      description = "Vocab mode: values seen fewer than N times in train become 0 (default 15).")
  Integer frequencyThreshold;

  @Option(
      names = "--days",
      paramLabel = "K",
      description =
          "Cut the concatenated files into K equal days (Kaggle train.txt: 7); default: the day of"
              + " day_N file names (day_0, day_23.gz), else no days (a hash split of rows).")
  Integer days;

  @Option(
      names = "--valid-fraction",
      paramLabel = "F",
      description =
          "Input without days (no day_N file names): fraction of rows for valid (default 0.1).")
  Double validFraction;

  @Option(
      names = "--test-fraction",
      paramLabel = "F",
      description =
          "Input without days (no day_N file names): fraction of rows for test (default 0.1).")
  Double testFraction;

  public static void main(String[] args) {
    System.exit(
        new CommandLine(new CriteoJob()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
  }

  @Override
  protected Class<CriteoConfig> configType() {
    return CriteoConfig.class;
  }

  @Override
  protected String jobName() {
    return "criteo";
  }

  @Override
  protected void execute(SparkSession spark, CriteoConfig config) throws IOException {
    System.out.println(run(spark, config));
  }

  /** What the job wrote. */
  public record Summary(String output, Map<String, Long> rows, long badRows) {
    @Override
    public String toString() {
      return "criteo: "
          + rows
          + (badRows > 0 ? ", " + badRows + " bad rows skipped" : "")
          + " -> "
          + output;
    }
  }

  /** Streams one file into rows, day and split included. */
  static final class FileParser extends FileLineIterator<CriteoRow> {
    private final DayPlan plan;
    private final CriteoConfig config;
    private final CriteoRecord record = new CriteoRecord();

    FileParser(
        InputFile file,
        HadoopConf conf,
        BadRowPolicy policy,
        LongAccumulator bad,
        CollectionAccumulator<FileMeta> metas,
        DayPlan plan,
        CriteoConfig config) {
      super(file, conf, policy, bad, metas);
      this.plan = plan;
      this.config = config;
    }

    @Override
    protected CriteoRow parseLine(LineSource line, BadRows bad) throws IOException {
      try {
        CriteoLineParser.parse(line.bytes(), line.length(), record);
      } catch (RowFormatException e) {
        bad.reject(line.lineNumber(), e.getMessage(), line.bytes(), line.length());
        return null;
      }
      CriteoRow row = new CriteoRow();
      row.setLabel(record.label);
      float[] dense = new float[CriteoLineParser.NUM_DENSE];
      for (int i = 0; i < dense.length; i++) {
        dense[i] = CriteoTransforms.dense(record.dense[i]);
      }
      row.setDense(dense);
      if (config.categorical() == CriteoConfig.Mode.hash) {
        int[] ids = new int[CriteoLineParser.NUM_CATEGORICAL];
        for (int i = 0; i < ids.length; i++) {
          ids[i] =
              CriteoTransforms.hashBucket(
                  config.seed(), i, record.categorical[i], config.hashRange());
        }
        row.setCategorical(ids);
      } else {
        row.setRaw(record.categorical.clone());
      }
      long n = line.lineNumber();
      int day = plan.day(file.ordinal(), n);
      row.setRowId(file.rowId(n));
      row.setDay(day);
      row.setSplit(plan.split(file.ordinal(), n, day));
      return row;
    }
  }

  static long countLines(InputFile f, HadoopConf conf) throws IOException {
    try (LineSource s = LineSource.open(f.path(), conf.get())) {
      while (s.next()) {
        // count only
      }
      return s.lineNumber();
    }
  }

  public static Summary run(SparkSession spark, CriteoConfig config) throws IOException {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hc = spark.sparkContext().hadoopConfiguration();
    List<FileStatus> listed = InputListing.list(config.input(), hc);
    AtomicOutput out = AtomicOutput.begin(config.output(), config.overwrite(), hc);
    try {
      HadoopConf conf = new HadoopConf(hc);
      List<InputFile> files = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (FileStatus s : listed) {
        files.add(new InputFile(s.getPath().toString(), files.size(), s.getLen()));
        names.add(s.getPath().getName());
      }
      int[] dayOfFile = config.days() != null ? null : DayPlan.daysFromNames(names);
      if (dayOfFile != null && config.fractionsGiven()) {
        throw new IllegalArgumentException(
            "valid-fraction and test-fraction split an input without days, but the input files"
                + " are named day_N: the last day is split into test and valid (drop them)");
      }
      List<InputFile> toCount = new ArrayList<>();
      if (config.days() != null) {
        toCount.addAll(files);
      } else if (dayOfFile != null) {
        int lastDay = Arrays.stream(dayOfFile).max().orElseThrow();
        for (InputFile f : files) {
          if (dayOfFile[f.ordinal()] == lastDay) {
            toCount.add(f);
          }
        }
      }
      long[] counts = new long[files.size()];
      if (!toCount.isEmpty()) {
        List<long[]> counted =
            jsc.parallelize(toCount, toCount.size())
                .map(f -> new long[] {f.ordinal(), countLines(f, conf)})
                .collect();
        for (long[] c : counted) {
          counts[(int) c[0]] = c[1];
        }
      }
      DayPlan plan =
          config.days() != null
              ? DayPlan.cut(config.days(), counts)
              : dayOfFile != null
                  ? DayPlan.byFile(dayOfFile, counts)
                  : DayPlan.withoutDays(config.rowSplit());

      BadRowPolicy policy = new BadRowPolicy(config.maxBadRows(), out.tmpPath("_rejects"), true);
      LongAccumulator bad = spark.sparkContext().longAccumulator("bad rows");
      CollectionAccumulator<FileMeta> metas = spark.sparkContext().collectionAccumulator("inputs");
      String dataPath = out.tmpPath("data");
      int[] vocabSizes = null;
      if (config.categorical() == CriteoConfig.Mode.hash) {
        parsed(spark, jsc, files, conf, policy, bad, metas, plan, config)
            .select(
                col("label"),
                col("dense"),
                col("categorical"),
                col("rowId").as("row_id"),
                col("day"),
                col("split"))
            .write()
            .partitionBy("split")
            .parquet(dataPath);
      } else {
        String vocabPath = out.tmpPath("vocab");
        parsed(spark, jsc, files, conf, policy, bad, metas, plan, config)
            .where(col("split").equalTo("train"))
            .select(posexplode(col("raw")).as(new String[] {"column", "value"}))
            .where(col("value").geq(0))
            .groupBy("column", "value")
            .count()
            .where(col("count").geq(config.frequencyThreshold()))
            .withColumn(
                "id",
                row_number()
                    .over(
                        Window.partitionBy("column")
                            .orderBy(col("count").desc(), col("value").asc())))
            .write()
            .parquet(vocabPath);
        Dataset<Row> vocab = spark.read().parquet(vocabPath);
        vocabSizes = new int[CriteoLineParser.NUM_CATEGORICAL];
        Arrays.fill(vocabSizes, 1);
        for (Row r : vocab.groupBy("column").agg(max("id")).collectAsList()) {
          vocabSizes[r.getInt(0)] = r.getInt(1) + 1;
        }
        Dataset<Row> df =
            parsed(spark, jsc, files, conf, policy.countingOnly(), bad, null, plan, config);
        Column[] ids = new Column[CriteoLineParser.NUM_CATEGORICAL];
        for (int i = 0; i < ids.length; i++) {
          Dataset<Row> v =
              vocab
                  .where(col("column").equalTo(i))
                  .select(col("value").as("v" + i), col("id").as("id" + i));
          df =
              df.join(v, df.col("raw").getItem(i).equalTo(v.col("v" + i)), "left_outer")
                  .drop("v" + i);
          ids[i] = coalesce(col("id" + i), lit(0));
        }
        df.select(
                col("label"),
                col("dense"),
                functions.array(ids).as("categorical"),
                col("rowId").as("row_id"),
                col("day"),
                col("split"))
            .write()
            .partitionBy("split")
            .parquet(dataPath);
      }
      if (bad.value() > config.maxBadRows()) {
        throw new BadInputException(
            bad.value() + " bad rows, more than --max-bad-rows " + config.maxBadRows());
      }

      Dataset<Row> written = spark.read().parquet(dataPath);
      Map<String, Long> rows = new LinkedHashMap<>();
      Map<String, Object> positives = new LinkedHashMap<>();
      for (String s : List.of("train", "valid", "test")) {
        rows.put(s, 0L);
      }
      for (Row r : written.groupBy("split").agg(count(lit(1)), sum("label")).collectAsList()) {
        long n = r.getLong(1);
        long pos = r.isNullAt(2) ? 0 : r.getLong(2);
        rows.put(r.getString(0), n);
        positives.put(
            r.getString(0), Map.of("positives", pos, "rate", n == 0 ? 0.0 : (double) pos / n));
      }
      Map<Integer, Long> perDay = new TreeMap<>();
      for (Row r : written.groupBy("day").count().collectAsList()) {
        perDay.put(r.getInt(0), r.getLong(1));
      }

      Manifest m = new Manifest("criteo", Configs.toTree(config));
      m.inputs(metas.value());
      List<Map<String, Object>> fileDays = new ArrayList<>();
      for (InputFile f : files) {
        fileDays.add(
            Map.of(
                "path",
                f.path(),
                "ordinal",
                f.ordinal(),
                "day",
                config.days() != null
                    ? "cut"
                    : dayOfFile != null ? dayOfFile[f.ordinal()] : "none"));
      }
      m.put("files", fileDays);
      m.put(
          "data",
          Map.of(
              "path",
              "data",
              "format",
              "parquet",
              "partitioned_by",
              "split",
              "columns",
              List.of(
                  "label: int, 0 or 1",
                  "dense: array<float>[13], log(1 + max(I, 0)), missing = 0",
                  "categorical: array<int>[26], ids (0 = missing or rare/unknown)",
                  "row_id: long, (file ordinal << 40) | 1-based line number",
                  "day: int, " + DayPlan.NO_DAY + " for an input without days")));
      m.put("rows", rows);
      m.put("labels", positives);
      m.put("rows_per_day", perDay);
      m.put("bad_rows", bad.value());
      m.put("rejects", bad.value() > 0 ? "_rejects" : null);
      m.put("split_rule", plan.rule());
      m.put("num_dense", CriteoLineParser.NUM_DENSE);
      m.put("num_categorical", CriteoLineParser.NUM_CATEGORICAL);
      Map<String, Object> cat = new LinkedHashMap<>();
      cat.put("mode", config.categorical().name());
      if (vocabSizes == null) {
        cat.put(
            "hash",
            "1 + (splitmix64 hash of (seed * 31 + column, value)) mod (hash_range - 1); 0 = missing");
        cat.put("hash_range", config.hashRange());
        cat.put("seed", config.seed());
      } else {
        cat.put("frequency_threshold", config.frequencyThreshold());
        cat.put("built_on", "train split");
        cat.put("id_order", "descending count, ties by ascending value; 0 = missing or rare");
        cat.put("vocab_sizes", vocabSizes);
        cat.put("vocab", "vocab (parquet: column int, value long, count long, id int)");
      }
      m.put("categorical", cat);
      out.commit(m.toJson());
      return new Summary(out.target(), rows, bad.value());
    } catch (Exception e) {
      out.abort();
      throw BadInputException.unwrap(e);
    }
  }

  private static Dataset<Row> parsed(
      SparkSession spark,
      JavaSparkContext jsc,
      List<InputFile> files,
      HadoopConf conf,
      BadRowPolicy policy,
      LongAccumulator bad,
      CollectionAccumulator<FileMeta> metas,
      DayPlan plan,
      CriteoConfig config) {
    JavaRDD<CriteoRow> rows =
        jsc.parallelize(files, files.size())
            .flatMap(f -> new FileParser(f, conf, policy, bad, metas, plan, config));
    return spark.createDataset(rows.rdd(), Encoders.bean(CriteoRow.class)).toDF();
  }
}
