package org.optimbench.jobs.compare;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.fs.Location;

/**
 * The comparison of a selection of runs: inspect every run directory, group the usable ones, read
 * their metrics with Spark, compute the statistics ({@link Comparison}) and write the output
 * directory ({@link CompareOutput}). Returns the output directory.
 */
public final class CompareJob {
  /**
   * What to compare and where to write it: {@code out} is a path or URI on any Hadoop file system,
   * null for the default ({@link Selection#defaultOut}).
   */
  public record Request(
      List<String> selection, CompareSettings settings, String out, boolean overwrite) {
    /** A request with a local output directory. */
    public Request(
        List<String> selection,
        CompareSettings settings,
        java.nio.file.Path out,
        boolean overwrite) {
      this(selection, settings, out == null ? null : out.toString(), overwrite);
    }

    /** The output directory this request names, resolved. */
    Location outLocation(Selection sel) throws IOException {
      return out != null ? Location.of(out) : sel.defaultOut();
    }
  }

  private CompareJob() {}

  public static Location run(SparkSession spark, Request req, PrintStream console)
      throws IOException {
    CompareSettings settings = req.settings();
    Selection sel = Selection.resolve(req.selection());
    Location out = req.outLocation(sel);
    CompareOutput.checkTarget(out, req.overwrite());

    List<RunInspection> runs = new ArrayList<>();
    sel.runIds().forEach((dir, id) -> runs.add(RunInspector.inspect(dir, id, settings.metric())));
    Map<String, Map<String, Object>> confs = new LinkedHashMap<>();
    for (RunInspection r : runs) if (r.conf() != null) confs.put(r.run(), r.conf());
    Map<String, Grouping.Labels> labels = Grouping.label(confs);
    console.printf(Locale.ROOT, "compare: %d run directories selected%n", runs.size());
    requireUsable(runs);

    Map<String, List<Location>> parts = new LinkedHashMap<>();
    for (RunInspection r : runs) if (r.included()) parts.put(r.run(), r.parquetFiles());
    spark.sparkContext().setJobDescription("optimbench compare: read metrics");
    MetricsFrames frames = MetricsFrames.load(spark, parts);
    Map<String, MetricsFrames.RunEnd> ends = frames.ends();
    for (int i = 0; i < runs.size(); i++) {
      RunInspection r = runs.get(i);
      if (!r.included()) continue;
      MetricsFrames.RunEnd end = ends.get(r.run());
      // a completed run logs its last step (0-based step S-1 after S steps); a diverged one the
      // step it diverged at
      long expected = r.diverged() ? r.lastStatusStep() : r.lastStatusStep() - 1;
      if (end == null || end.lastStep() < expected) {
        runs.set(
            i,
            r.exclude(
                String.format(
                    Locale.ROOT,
                    "incomplete: metrics.parquet ends at step %s but status.json says %s at step %d",
                    end == null ? "(no rows)" : end.lastStep(),
                    r.status(),
                    r.lastStatusStep())));
      }
    }
    requireUsable(runs);

    Map<String, List<EvalPoint>> evals = frames.evals(settings.metric());
    List<RunResult> results = new ArrayList<>();
    Map<String, Grouping.Labels> completed = new LinkedHashMap<>();
    for (RunInspection r : runs) {
      if (!r.included()) continue;
      Grouping.Labels l = labels.get(r.run());
      MetricsFrames.RunEnd end = ends.get(r.run());
      results.add(
          new RunResult(
              r.run(),
              l.workload(),
              l.method(),
              r.diverged(),
              end.lastStep(),
              end.wallTimeS(),
              end.trainLoss(),
              evals.getOrDefault(r.run(), List.of())));
      if (!r.diverged()) completed.put(r.run(), l);
    }
    Comparison cmp = new Comparison(results, settings);
    List<String> curveColumns = curveColumns(settings, runs);
    spark.sparkContext().setJobDescription("optimbench compare: curves");
    List<MetricsFrames.CurvePoint> curves = frames.curves(spark, completed, curveColumns);

    CompareOutput output =
        new CompareOutput(sel, settings, runs, labels, ends, results, cmp, curveColumns, curves);
    output.printSummary(console);
    output.write(spark, out, req.overwrite());
    console.println("compare: report " + out.resolve(CompareOutput.REPORT));
    return out;
  }

  /** Reports every excluded run; no usable run at all is an error. */
  private static void requireUsable(List<RunInspection> runs) {
    if (runs.stream().noneMatch(RunInspection::included)) {
      StringBuilder b =
          new StringBuilder(
              "nothing to compare: none of the " + runs.size() + " selected runs is usable");
      for (RunInspection r : runs)
        b.append("\n  ")
            .append(r.run())
            .append(" (")
            .append(r.status())
            .append("): ")
            .append(r.reason());
      throw new CompareException(b.toString());
    }
  }

  /**
   * The configured curves, or train_loss, the metric, lr and every diag.* column of an included
   * run.
   */
  static List<String> curveColumns(CompareSettings s, List<RunInspection> runs) {
    if (!s.curves().isEmpty()) return s.curves();
    List<String> cols = new ArrayList<>(List.of("train_loss", s.metric(), "lr"));
    for (RunInspection r : runs) {
      if (!r.included()) continue;
      for (String c : r.columns()) if (c.startsWith("diag.") && !cols.contains(c)) cols.add(c);
    }
    List<String> diag = new ArrayList<>(cols.subList(3, cols.size()));
    java.util.Collections.sort(diag);
    List<String> out = new ArrayList<>(cols.subList(0, 3));
    out.addAll(diag);
    return out;
  }
}
