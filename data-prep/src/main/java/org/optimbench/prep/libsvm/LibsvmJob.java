package org.optimbench.prep.libsvm;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
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
import org.optimbench.prep.common.JobCommand;
import org.optimbench.prep.common.LineSource;
import org.optimbench.prep.common.Manifest;
import org.optimbench.prep.common.RowFormatException;
import org.optimbench.prep.common.SplitAssigner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * LIBSVM/SVMlight text to Parquet, one output per dataset (see {@link LibsvmDatasets}).
 *
 * <p>Pass 1 streams each file in its own task through {@link LibsvmLineParser} (malformed rows
 * named by file and line) and gathers labels, the largest index and row counts; the parsed rows are
 * persisted. Pass 2 assigns splits by a hash of the seed and the stable row id (file ordinal, line
 * number), fits scaling on train, maps labels to 0..K-1 and writes {@code
 * data/split=<train|valid|test>/} with columns {@code row_id long, label int, indices array<int>
 * (0-based), values array<double>}, plus {@code manifest.json}.
 */
@Command(
    name = "libsvm",
    mixinStandardHelpOptions = true,
    description =
        "LIBSVM/SVMlight file or directory of datasets -> Parquet + manifest.json per dataset.")
public final class LibsvmJob extends JobCommand<LibsvmConfig> {
  static final StructType SCHEMA =
      new StructType()
          .add("row_id", DataTypes.LongType, false)
          .add("label", DataTypes.IntegerType, false)
          .add("indices", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
          .add("values", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
          .add("split", DataTypes.StringType, false);

  @Option(
      names = "--valid-fraction",
      paramLabel = "F",
      description = "Fraction of rows for valid (default 0.1).")
  Double validFraction;

  @Option(
      names = "--test-fraction",
      paramLabel = "F",
      description = "Fraction of rows for test when the dataset has no .t file (default 0.1).")
  Double testFraction;

  @Option(
      names = "--scale",
      paramLabel = "METHOD",
      description =
          "none (default), minmax ([-1,1] like svm-scale), maxabs, unitnorm; fitted on train.")
  FeatureScaler.Method scale;

  @Option(
      names = "--num-features",
      paramLabel = "D",
      description = "Dimension for every dataset (default: the largest index found).")
  Integer numFeatures;

  @Option(
      names = "--dimensions",
      paramLabel = "NAME=D",
      description = "Per-dataset dimension, e.g. a1a=123.")
  Map<String, Integer> dimensions;

  public static void main(String[] args) {
    System.exit(new CommandLine(new LibsvmJob()).execute(args));
  }

  @Override
  protected Class<LibsvmConfig> configType() {
    return LibsvmConfig.class;
  }

  @Override
  protected String jobName() {
    return "libsvm";
  }

  @Override
  protected void execute(SparkSession spark, LibsvmConfig config) throws IOException {
    for (Summary s : run(spark, config)) {
      System.out.println(s);
    }
  }

  /** What one dataset became. */
  public record Summary(
      String dataset,
      String output,
      Map<String, Long> rows,
      int numFeatures,
      int numClasses,
      long badRows) {
    @Override
    public String toString() {
      return dataset
          + ": "
          + rows
          + ", "
          + numFeatures
          + " features, "
          + numClasses
          + " classes"
          + (badRows > 0 ? ", " + badRows + " bad rows skipped" : "")
          + " -> "
          + output;
    }
  }

  public static List<Summary> run(SparkSession spark, LibsvmConfig config) throws IOException {
    Configuration hc = spark.sparkContext().hadoopConfiguration();
    List<LibsvmDatasets.Dataset> datasets =
        LibsvmDatasets.discover(config.input(), config.output(), hc);
    // every target before any dataset is written, so a refused one leaves the others untouched
    for (LibsvmDatasets.Dataset d : datasets) {
      AtomicOutput.checkTarget(d.outputPath(), config.overwrite(), hc);
    }
    List<Summary> out = new ArrayList<>();
    for (LibsvmDatasets.Dataset d : datasets) {
      out.add(prepare(spark, config, d));
    }
    return out;
  }

  /** A parsed row with its stable id and file. */
  record Parsed(long rowId, int file, LibsvmRecord record) implements Serializable {}

  /** Labels, largest index and counts over all rows of a dataset. */
  static final class Stats implements Serializable {
    private static final long serialVersionUID = 1L;
    final TreeSet<Double> labels = new TreeSet<>();
    int maxIndex;
    long rows;
    long qidRows;

    Stats add(Parsed p) {
      if (labels.size() <= LabelMapping.MAX_CLASSES) {
        labels.add(p.record().label());
      }
      maxIndex = Math.max(maxIndex, p.record().maxIndex());
      rows++;
      qidRows += p.record().hadQid() ? 1 : 0;
      return this;
    }

    Stats merge(Stats o) {
      labels.addAll(o.labels);
      maxIndex = Math.max(maxIndex, o.maxIndex);
      rows += o.rows;
      qidRows += o.qidRows;
      return this;
    }
  }

  /** Streams one LIBSVM file into parsed rows. */
  static final class FileParser extends FileLineIterator<Parsed> {
    private final Integer dimension;

    FileParser(
        InputFile file,
        HadoopConf conf,
        BadRowPolicy policy,
        LongAccumulator bad,
        CollectionAccumulator<FileMeta> metas,
        Integer dimension) {
      super(file, conf, policy, bad, metas);
      this.dimension = dimension;
    }

    @Override
    protected Parsed parseLine(LineSource line, BadRows bad) throws IOException {
      String text;
      try {
        text = line.text();
      } catch (CharacterCodingException e) {
        bad.reject(line.lineNumber(), "invalid UTF-8", line.bytes(), line.length());
        return null;
      }
      try {
        LibsvmRecord r = LibsvmLineParser.parse(text);
        if (r == null) {
          return null;
        }
        if (dimension != null && r.maxIndex() > dimension) {
          throw new RowFormatException(
              "bad index " + r.maxIndex() + ": larger than the dimension " + dimension);
        }
        return new Parsed(file.rowId(line.lineNumber()), file.ordinal(), r);
      } catch (RowFormatException e) {
        bad.reject(line.lineNumber(), e.getMessage(), line.bytes(), line.length());
        return null;
      }
    }
  }

  static Summary prepare(SparkSession spark, LibsvmConfig config, LibsvmDatasets.Dataset ds)
      throws IOException {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hc = spark.sparkContext().hadoopConfiguration();
    AtomicOutput out = AtomicOutput.begin(ds.outputPath(), config.overwrite(), hc);
    JavaRDD<Parsed> parsed = null;
    try {
      HadoopConf conf = new HadoopConf(hc);
      BadRowPolicy policy = new BadRowPolicy(config.maxBadRows(), out.tmpPath("_rejects"), true);
      LongAccumulator bad = spark.sparkContext().longAccumulator("bad rows");
      CollectionAccumulator<FileMeta> metas = spark.sparkContext().collectionAccumulator("inputs");
      Integer dimension = config.dimensionOf(ds.name());

      parsed =
          jsc.parallelize(ds.files(), ds.files().size())
              .flatMap(f -> new FileParser(f, conf, policy, bad, metas, dimension))
              .persist(StorageLevel.MEMORY_AND_DISK());
      Stats stats = parsed.aggregate(new Stats(), Stats::add, Stats::merge);
      if (bad.value() > config.maxBadRows()) {
        throw new BadInputException(
            ds.name()
                + ": "
                + bad.value()
                + " bad rows, more than --max-bad-rows "
                + config.maxBadRows()
                + " (see the rejects in the failed output's _rejects/)");
      }
      if (stats.rows == 0) {
        throw new IllegalArgumentException(ds.name() + ": no data rows in " + ds.files());
      }
      LabelMapping labels = new LabelMapping(stats.labels);
      int dim = dimension != null ? dimension : stats.maxIndex;

      boolean hasTest = ds.hasTestFile();
      List<Boolean> isTestFile = ds.isTest();
      SplitAssigner splitter =
          new SplitAssigner(
              config.seed(), config.validFraction(), hasTest ? 0 : config.testFraction());
      FeatureScaler.Stats fit = null;
      if (config.scale() == FeatureScaler.Method.minmax
          || config.scale() == FeatureScaler.Method.maxabs) {
        fit =
            parsed
                .filter(p -> split(p, hasTest, isTestFile, splitter).equals(SplitAssigner.TRAIN))
                .aggregate(
                    new FeatureScaler.Stats(dim),
                    (s, p) -> s.add(p.record().indices(), p.record().values()),
                    FeatureScaler.Stats::merge);
      }
      FeatureScaler scaler = new FeatureScaler(config.scale(), fit);

      JavaRDD<Row> rows =
          parsed.map(
              p -> {
                FeatureScaler.Sparse s = scaler.apply(p.record().indices(), p.record().values());
                int[] zeroBased = new int[s.indices().length];
                for (int k = 0; k < zeroBased.length; k++) {
                  zeroBased[k] = s.indices()[k] - 1;
                }
                return RowFactory.create(
                    p.rowId(),
                    labels.classOf(p.record().label()),
                    zeroBased,
                    s.values(),
                    split(p, hasTest, isTestFile, splitter));
              });
      String dataPath = out.tmpPath("data");
      spark.createDataFrame(rows, SCHEMA).write().partitionBy("split").parquet(dataPath);

      // Counts come from the written data, so they are exactly what training will read.
      Map<String, Long> rowsPerSplit = new LinkedHashMap<>();
      Map<String, long[]> classCounts = new LinkedHashMap<>();
      for (String s : List.of(SplitAssigner.TRAIN, SplitAssigner.VALID, SplitAssigner.TEST)) {
        rowsPerSplit.put(s, 0L);
        classCounts.put(s, new long[labels.numClasses()]);
      }
      for (Row r :
          spark.read().parquet(dataPath).groupBy("split", "label").count().collectAsList()) {
        String s = r.getString(0);
        rowsPerSplit.merge(s, r.getLong(2), Long::sum);
        classCounts.get(s)[r.getInt(1)] = r.getLong(2);
      }

      Manifest m = new Manifest("libsvm", Configs.toTree(config));
      m.inputs(metas.value());
      m.put("dataset", ds.name());
      List<Map<String, Object>> files = new ArrayList<>();
      for (InputFile f : ds.files()) {
        files.add(
            Map.of(
                "path",
                f.path(),
                "ordinal",
                f.ordinal(),
                "role",
                hasTest ? (isTestFile.get(f.ordinal()) ? "test" : "train+valid") : "all splits"));
      }
      m.put("files", files);
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
                  "row_id: long, (file ordinal << 40) | 1-based line number",
                  "label: int, class id 0..K-1 (see label_mapping)",
                  "indices: array<int>, 0-based feature indices, ascending",
                  "values: array<double>, values of those features")));
      m.put("rows", rowsPerSplit);
      m.put("bad_rows", bad.value());
      m.put("rejects", bad.value() > 0 ? "_rejects" : null);
      m.put("num_features", dim);
      m.put(
          "num_features_source",
          dimension != null ? "given" : "inferred: largest index in the files");
      m.put("max_index_seen", stats.maxIndex);
      m.put("index_base", 0);
      m.put("task", labels.kind());
      m.put("num_classes", labels.numClasses());
      m.put("label_mapping", labels.asMap());
      m.put("class_counts", classCounts);
      m.put(
          "split_rule",
          hasTest
              ? "test = the .t file; train/valid by hash(seed, row_id)"
              : "train/valid/test by hash(seed, row_id)");
      Map<String, Object> scaling = new LinkedHashMap<>();
      scaling.put("method", config.scale().name());
      if (fit != null) {
        out.write(
            "scaling.json",
            Manifest.json().writerWithDefaultPrettyPrinter().writeValueAsBytes(scaler.describe()));
        scaling.put("parameters", "scaling.json");
      }
      m.put("scaling", scaling);
      List<String> notes = new ArrayList<>();
      if (stats.qidRows > 0) {
        notes.add(stats.qidRows + " rows had a qid: token, which was dropped");
      }
      if (dimension == null) {
        notes.add(
            "dimension inferred from the data; a file's largest index can be below the official "
                + "dimension: pass --num-features or --dimensions NAME=D so train and test agree");
      }
      m.put("notes", notes);
      out.commit(m.toJson());
      return new Summary(
          ds.name(), out.target(), rowsPerSplit, dim, labels.numClasses(), bad.value());
    } catch (Exception e) {
      out.abort();
      throw BadInputException.unwrap(e);
    } finally {
      if (parsed != null) {
        parsed.unpersist(false);
      }
    }
  }

  static String split(Parsed p, boolean hasTest, List<Boolean> isTestFile, SplitAssigner splitter) {
    if (hasTest && isTestFile.get(p.file())) {
      return SplitAssigner.TEST;
    }
    return splitter.assign(p.rowId());
  }
}
