package org.optimbench.jobs.compare;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.stddev_samp;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.optimbench.jobs.fs.Location;

/**
 * The metrics of every included run as one Spark DataFrame ({@code metrics.parquet} of each run,
 * schemas merged, plus a {@code run} column), and what the comparison takes from it: per run the
 * last row and the evaluations of the metric, per group and step the curve statistics. Only these
 * small results come back to the driver, so the job scales with the sweep.
 */
public final class MetricsFrames {
  /** The end of a run's metrics. */
  public record RunEnd(long rows, long lastStep, double wallTimeS, double trainLoss) {}

  /**
   * One point of a curve: a column's statistics over the seeds of a method at one step (lo/hi:
   * min/max over seeds).
   */
  public record CurvePoint(
      String workload,
      String method,
      String column,
      long step,
      double mean,
      double std,
      double lo,
      double hi,
      long n) {}

  private final Dataset<Row> metrics;
  private final Set<String> columns;

  private MetricsFrames(Dataset<Row> metrics) {
    this.metrics = metrics;
    this.columns = Set.of(metrics.columns());
  }

  /**
   * Reads the part files of {@code runs} (run id to its metrics.parquet part files) and tags each
   * row with its run. The file-to-run map goes to the executors as a small broadcast join.
   */
  public static MetricsFrames load(SparkSession spark, Map<String, List<Location>> runs) {
    Map<String, String> byFile = new HashMap<>();
    List<String> files = new ArrayList<>();
    runs.forEach(
        (run, parts) ->
            parts.forEach(
                p -> {
                  byFile.put(p.path().toUri().getPath(), run);
                  files.add(p.uri());
                }));
    Dataset<Row> raw =
        spark
            .read()
            .option("mergeSchema", "true")
            .parquet(files.toArray(String[]::new))
            .withColumn("_file", input_file_name());
    // Spark names files by URI; map each distinct one back to its run on the driver (few: one per
    // run).
    List<Row> map = new ArrayList<>();
    for (Row r : raw.select("_file").distinct().collectAsList()) {
      String uri = r.getString(0);
      // by the decoded path: Spark's URI may spell the scheme and authority differently
      String run = byFile.get(URI.create(uri).getPath());
      if (run == null)
        throw new IllegalStateException(
            "Spark read " + uri + ", which is not a selected metrics file");
      map.add(RowFactory.create(uri, run));
    }
    StructType schema =
        new StructType().add("_file", DataTypes.StringType).add("run", DataTypes.StringType);
    Dataset<Row> files2run = spark.createDataFrame(map, schema);
    return new MetricsFrames(raw.join(broadcast(files2run), "_file").drop("_file"));
  }

  public Set<String> columns() {
    return columns;
  }

  /** Per run: row count, last step, and wall time and train loss at the last step. */
  public Map<String, RunEnd> ends() {
    Map<String, RunEnd> out = new HashMap<>();
    for (Row r :
        metrics
            .groupBy("run")
            .agg(
                count(lit(1)),
                max("step"),
                max_by(col("wall_time_s"), col("step")),
                max_by(col("train_loss"), col("step")))
            .collectAsList()) {
      out.put(r.getString(0), new RunEnd(r.getLong(1), r.getLong(2), num(r, 3), num(r, 4)));
    }
    return out;
  }

  /** Per run: the rows where {@code metric} has a value, as evaluation points. */
  public Map<String, List<EvalPoint>> evals(String metric) {
    Map<String, List<EvalPoint>> out = new HashMap<>();
    for (Row r :
        metrics
            .where(q(metric).isNotNull())
            .select(col("run"), col("step"), col("wall_time_s"), q(metric).cast("double"))
            .collectAsList()) {
      out.computeIfAbsent(r.getString(0), k -> new ArrayList<>())
          .add(new EvalPoint(r.getLong(1), num(r, 2), num(r, 3)));
    }
    return out;
  }

  /**
   * Curve statistics of {@code curveColumns} over the runs of {@code groups} (run id to workload
   * and method; other runs are left out), per workload, method, column and step: mean, sample std
   * (NaN for one seed), min and max over seeds, and the number of seeds with a finite value there.
   */
  public List<CurvePoint> curves(
      SparkSession spark, Map<String, Grouping.Labels> groups, List<String> curveColumns) {
    List<Row> g = new ArrayList<>();
    groups.forEach((run, l) -> g.add(RowFactory.create(run, l.workload(), l.method())));
    Dataset<Row> labels =
        spark.createDataFrame(
            g,
            new StructType()
                .add("run", DataTypes.StringType)
                .add("workload", DataTypes.StringType)
                .add("method", DataTypes.StringType));
    Dataset<Row> tagged = metrics.join(broadcast(labels), "run");
    Dataset<Row> lng = null;
    for (String c : curveColumns) {
      if (!columns.contains(c)) continue;
      Dataset<Row> one =
          tagged.select(
              col("workload"),
              col("method"),
              lit(c).as("column"),
              col("step"),
              q(c).cast("double").as("value"));
      lng = lng == null ? one : lng.unionAll(one);
    }
    List<CurvePoint> out = new ArrayList<>();
    if (lng == null) return out;
    Dataset<Row> agg =
        lng.where(col("value").isNotNull().and(functionsIsFinite(col("value"))))
            .groupBy("workload", "method", "column", "step")
            .agg(avg("value"), stddev_samp("value"), min("value"), max("value"), count("value"))
            .orderBy("workload", "method", "column", "step");
    for (Row r : agg.collectAsList()) {
      out.add(
          new CurvePoint(
              r.getString(0),
              r.getString(1),
              r.getString(2),
              r.getLong(3),
              num(r, 4),
              num(r, 5),
              num(r, 6),
              num(r, 7),
              r.getLong(8)));
    }
    return out;
  }

  private static org.apache.spark.sql.Column functionsIsFinite(org.apache.spark.sql.Column c) {
    return c.isNaN()
        .unary_$bang()
        .and(c.notEqual(Double.POSITIVE_INFINITY))
        .and(c.notEqual(Double.NEGATIVE_INFINITY));
  }

  /**
   * A column by its name as written ({@code eval.valid_loss} has a dot, which Spark would read as a
   * struct field).
   */
  private static org.apache.spark.sql.Column q(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }

  private static double num(Row r, int i) {
    return r.isNullAt(i) ? Double.NaN : ((Number) r.get(i)).doubleValue();
  }
}
