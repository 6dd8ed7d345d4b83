package org.optimbench.jobs.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.compare.Table.Kind;
import org.optimbench.jobs.fs.Location;
import org.optimbench.prep.common.OwnedOutput;

/**
 * The output directory of a comparison (schema in {@code pipeline-jobs/COMPARE.md}; notebooks read
 * it, so columns are only ever added), on any Hadoop file system. {@code _SUCCESS} is written last;
 * {@link #write} says how a new output replaces an earlier one on each kind of file system. A
 * failure at any point deletes what was written, so a reader never finds a partial output.
 * --overwrite replaces only a comparison's output ({@link #OWNER}), never another directory the
 * path happens to name.
 */
final class CompareOutput {
  static final String REPORT = "report.html";
  static final String SUCCESS = "_SUCCESS";
  static final String MANIFEST = "compare.json";

  /** A comparison's output: the files every one has (a complete one: _SUCCESS is written last). */
  static final OwnedOutput OWNER =
      new OwnedOutput(
          "compare",
          List.of(
              OwnedOutput.Marker.file(MANIFEST),
              OwnedOutput.Marker.file(REPORT),
              OwnedOutput.Marker.file(SUCCESS)));

  final Selection selection;
  final CompareSettings settings;
  final List<RunInspection> runs;
  final Map<String, Grouping.Labels> labels;
  final Map<String, MetricsFrames.RunEnd> ends;
  final List<RunResult> results;
  final Comparison cmp;
  final List<String> curveColumns;
  final List<MetricsFrames.CurvePoint> curves;

  CompareOutput(
      Selection selection,
      CompareSettings settings,
      List<RunInspection> runs,
      Map<String, Grouping.Labels> labels,
      Map<String, MetricsFrames.RunEnd> ends,
      List<RunResult> results,
      Comparison cmp,
      List<String> curveColumns,
      List<MetricsFrames.CurvePoint> curves) {
    this.selection = selection;
    this.settings = settings;
    this.runs = runs;
    this.labels = labels;
    this.ends = ends;
    this.results = results;
    this.cmp = cmp;
    this.curveColumns = curveColumns;
    this.curves = curves;
  }

  /**
   * Refuses an existing output unless {@code overwrite}, and with it anything but a comparison's
   * output; checked before any work.
   */
  static void checkTarget(Location out, boolean overwrite) throws IOException {
    if (!out.exists()) return;
    if (!overwrite)
      throw new CompareException(
          out + ": exists (give --overwrite to replace it, or --out for another directory)");
    if (!out.isDirectory()) throw new CompareException(out + ": exists and is not a directory");
    if (!OWNER.owns(out.fs(), out.path()))
      throw new CompareException("--overwrite: " + OWNER.refusal(out));
  }

  /**
   * Where directories rename atomically ({@code file:}, {@code hdfs:}) the output is written into a
   * hidden sibling and renamed into place, an earlier one renamed aside first, so readers see the
   * old output or the new one. On object stores, where renaming a directory copies every object, an
   * earlier output is deleted (only a comparison's own) and the new one written in place with
   * {@code _SUCCESS} last: readers trust the directory only with it, and a failed write deletes
   * what it wrote.
   */
  void write(SparkSession spark, Location out, boolean overwrite) throws IOException {
    checkTarget(out, overwrite);
    Location parent = out.parent();
    parent.mkdirs();
    if (!out.renamesAtomically()) {
      if (out.exists()) {
        checkTarget(out, overwrite); // again: the directory may have changed while the job ran
        OWNER.delete(out.fs(), out.path());
      }
      boolean done = false;
      try {
        out.mkdirs();
        writeInto(spark, out);
        out.resolve(SUCCESS).replace("");
        done = true;
      } finally {
        if (!done) out.delete();
      }
      return;
    }
    Location tmp = parent.resolve("." + out.name() + "." + UUID.randomUUID() + ".tmp");
    try {
      tmp.mkdirs();
      writeInto(spark, tmp);
      tmp.resolve(SUCCESS).replace("");
      Location old = null;
      if (out.exists()) {
        checkTarget(out, overwrite); // again: the directory may have changed while the job ran
        old = parent.resolve("." + out.name() + "." + UUID.randomUUID() + ".old");
        out.renameTo(old);
      }
      tmp.renameTo(out);
      if (old != null) OWNER.delete(old.fs(), old.path());
    } finally {
      tmp.delete();
    }
  }

  private void writeInto(SparkSession spark, Location dir) throws IOException {
    Map<String, Table> tables = new LinkedHashMap<>();
    tables.put("runs", runsTable());
    tables.put("summary", summaryTable());
    tables.put("curves", curvesTable());
    for (Map.Entry<String, Table> t : tables.entrySet()) {
      t.getValue().writeCsv(dir.resolve(t.getKey() + ".csv"));
      t.getValue().writeParquet(spark, dir.resolve(t.getKey() + ".parquet"));
    }
    timeToTargetTable().writeCsv(dir.resolve("time_to_target.csv"));
    profilesTable().writeCsv(dir.resolve("profiles.csv"));
    scoresTable().writeCsv(dir.resolve("scores.csv"));
    Map<String, byte[]> plots = plots();
    Location plotDir = dir.resolve("plots");
    plotDir.mkdirs();
    for (Map.Entry<String, byte[]> p : plots.entrySet())
      plotDir.resolve(p.getKey()).replace(out -> out.write(p.getValue()));
    dir.resolve(REPORT).replace(new HtmlReport(this, plots).html());
    dir.resolve(MANIFEST)
        .replace(
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(manifest())
                + "\n");
  }

  Table runsTable() {
    Table t =
        new Table()
            .col("run", Kind.STRING)
            .col("workload", Kind.STRING)
            .col("method", Kind.STRING)
            .col("optimizer", Kind.STRING)
            .col("schedule", Kind.STRING)
            .col("seed", Kind.LONG)
            .col("status", Kind.STRING)
            .col("included", Kind.BOOLEAN)
            .col("reason", Kind.STRING)
            .col("last_step", Kind.LONG)
            .col("wall_time_s", Kind.DOUBLE)
            .col("final_train_loss", Kind.DOUBLE)
            .col("final_metric", Kind.DOUBLE)
            .col("best_metric", Kind.DOUBLE)
            .col("steps_to_target", Kind.DOUBLE)
            .col("time_to_target_s", Kind.DOUBLE)
            .col("dir", Kind.STRING);
    for (RunInspection r : runs) {
      Optional<Grouping.Labels> l = Optional.ofNullable(labels.get(r.run()));
      MetricsFrames.RunEnd end = r.included() ? ends.get(r.run()) : null;
      Comparison.RunOutcome o = r.included() ? cmp.run(r.run()) : null;
      t.add(
          r.run(),
          l.map(Grouping.Labels::workload).orElse(null),
          l.map(Grouping.Labels::method).orElse(null),
          l.map(Grouping.Labels::optimizer).orElse(null),
          l.map(Grouping.Labels::schedule).orElse(null),
          l.map(Grouping.Labels::seed).orElse(null),
          r.status(),
          r.included(),
          r.reason(),
          end != null
              ? (Object) end.lastStep()
              : r.lastStatusStep() >= 0 ? (Object) r.lastStatusStep() : null,
          end == null ? null : end.wallTimeS(),
          end == null ? null : end.trainLoss(),
          o == null ? null : o.finalMetric(),
          o == null ? null : o.bestMetric(),
          o == null ? null : o.toTarget().steps(),
          o == null ? null : o.toTarget().timeS(),
          r.dir().toString());
    }
    return t;
  }

  Table summaryTable() {
    Table t =
        new Table()
            .col("workload", Kind.STRING)
            .col("method", Kind.STRING)
            .col("n_runs", Kind.LONG)
            .col("n_completed", Kind.LONG)
            .col("n_diverged", Kind.LONG)
            .col("metric", Kind.STRING)
            .col("final_mean", Kind.DOUBLE)
            .col("final_std", Kind.DOUBLE)
            .col("final_se", Kind.DOUBLE)
            .col("final_ci_lo", Kind.DOUBLE)
            .col("final_ci_hi", Kind.DOUBLE)
            .col("best_mean", Kind.DOUBLE)
            .col("target", Kind.DOUBLE)
            .col("n_reached", Kind.LONG)
            .col("steps_to_target_median", Kind.DOUBLE)
            .col("time_to_target_median_s", Kind.DOUBLE)
            .col("rank", Kind.LONG)
            .col("mode", Kind.STRING)
            .col("n_final", Kind.LONG);
    for (Comparison.Summary s : cmp.summaries()) {
      Stats f = s.finalStats();
      t.add(
          s.workload(),
          s.method(),
          s.nRuns(),
          s.nCompleted(),
          s.nDiverged(),
          settings.metric(),
          f.mean(),
          f.std(),
          f.se(),
          f.ciLo(),
          f.ciHi(),
          s.bestMean(),
          s.target(),
          s.nReached(),
          s.stepsToTargetMedian(),
          s.timeToTargetMedianS(),
          s.rank(),
          settings.mode(),
          f.n());
    }
    return t;
  }

  Table curvesTable() {
    Table t =
        new Table()
            .col("workload", Kind.STRING)
            .col("method", Kind.STRING)
            .col("column", Kind.STRING)
            .col("step", Kind.LONG)
            .col("mean", Kind.DOUBLE)
            .col("std", Kind.DOUBLE)
            .col("lo", Kind.DOUBLE)
            .col("hi", Kind.DOUBLE)
            .col("n", Kind.LONG);
    for (MetricsFrames.CurvePoint p : curves)
      t.add(
          p.workload(), p.method(), p.column(), p.step(), p.mean(), p.std(), p.lo(), p.hi(), p.n());
    return t;
  }

  Table timeToTargetTable() {
    Table t =
        new Table()
            .col("workload", Kind.STRING)
            .col("method", Kind.STRING)
            .col("time_to_target_s", Kind.DOUBLE)
            .col("steps_to_target", Kind.DOUBLE)
            .col("target", Kind.DOUBLE);
    for (Comparison.Summary s : cmp.summaries())
      t.add(s.workload(), s.method(), s.timeToTargetMedianS(), s.stepsToTargetMedian(), s.target());
    return t;
  }

  Table profilesTable() {
    Table t =
        new Table().col("method", Kind.STRING).col("tau", Kind.DOUBLE).col("rho", Kind.DOUBLE);
    PerformanceProfile p = cmp.profile();
    double[] taus = p.taus();
    for (int m = 0; m < p.methods().size(); m++) {
      double[] rho = p.rho(m);
      for (int i = 0; i < taus.length; i++) t.add(p.methods().get(m), taus[i], rho[i]);
    }
    return t;
  }

  Table scoresTable() {
    Table t =
        new Table()
            .col("method", Kind.STRING)
            .col("score", Kind.DOUBLE)
            .col("geomean_speedup", Kind.DOUBLE)
            .col("rank", Kind.LONG)
            .col("speedup_workloads", Kind.LONG);
    PerformanceProfile p = cmp.profile();
    for (int m : p.byScore()) {
      Optional<Double> sp = cmp.reference().flatMap(r -> p.speedup(m, r));
      t.add(
          p.methods().get(m),
          p.score(m),
          sp.orElse(null),
          p.rank(m),
          cmp.reference().map(r -> (Object) (long) p.speedupWorkloads(m, r)).orElse(null));
    }
    return t;
  }

  /** PNG bytes by file name: the profile, then one per workload and curve column. */
  Map<String, byte[]> plots() throws IOException {
    Plots plots = new Plots(cmp.profile().methods());
    Map<String, byte[]> out = new LinkedHashMap<>();
    out.put(
        "performance_profile.png",
        plots.profile(cmp.profile(), settings.bySteps() ? "steps to target" : "time to target"));
    for (String w : cmp.targets().keySet()) {
      for (String c : curveColumns) {
        List<MetricsFrames.CurvePoint> ps =
            curves.stream().filter(p -> p.workload().equals(w) && p.column().equals(c)).toList();
        if (!ps.isEmpty()) out.put(plotName(w, c), plots.curves(w, c, ps));
      }
    }
    return out;
  }

  static String plotName(String workload, String column) {
    return ("curves__" + workload + "__" + column).replaceAll("[^A-Za-z0-9._=+-]", "_") + ".png";
  }

  ObjectNode manifest() {
    ObjectMapper json = new ObjectMapper();
    ObjectNode m = json.createObjectNode();
    ObjectNode sel = m.putObject("selection");
    ArrayNode args = sel.putArray("arguments");
    selection.arguments().forEach(args::add);
    ArrayNode dirs = sel.putArray("run_dirs");
    selection.runDirs().forEach(p -> dirs.add(p.toString()));
    m.put("metric", settings.metric());
    m.put("mode", settings.mode());
    ObjectNode targets = m.putObject("targets");
    cmp.targets()
        .forEach(
            (w, t) -> {
              ObjectNode o = targets.putObject(w);
              if (Double.isFinite(t.value())) o.put("value", t.value());
              else o.putNull("value");
              o.put("rule", t.rule());
            });
    ObjectNode configured = m.putObject("targets_configured");
    settings.targets().forEach(configured::put);
    m.put("tau_max", settings.tauMax());
    m.put("profile_points", PerformanceProfile.POINTS);
    m.put("time_col", settings.timeCol());
    m.put(
        "time_to_target",
        "wall_time_s (time_to_target_s) and steps taken (steps_to_target) at the first evaluation meeting the target, median over seeds;"
            + " ranking, profiles and speedups use "
            + (settings.bySteps() ? "steps" : "wall_time_s"));
    settings.reference().ifPresentOrElse(r -> m.put("reference", r), () -> m.putNull("reference"));
    ArrayNode cc = m.putArray("curves");
    curveColumns.forEach(cc::add);
    ObjectNode counts = m.putObject("counts");
    counts.put("runs", runs.size());
    counts.put("included", runs.stream().filter(RunInspection::included).count());
    counts.put("completed", runs.stream().filter(r -> r.included() && !r.diverged()).count());
    counts.put("diverged", runs.stream().filter(r -> r.included() && r.diverged()).count());
    counts.put("failed", runs.stream().filter(RunInspection::failed).count());
    counts.put("excluded", runs.stream().filter(r -> !r.included() && !r.failed()).count());
    counts.put("workloads", cmp.targets().size());
    counts.put("methods", cmp.profile().methods().size());
    gitCommit().ifPresentOrElse(c -> m.put("git_commit", c), () -> m.putNull("git_commit"));
    m.put("spark_version", org.apache.spark.package$.MODULE$.SPARK_VERSION());
    m.put("created_at", Instant.now().toString());
    return m;
  }

  /** The commit of the working directory's git checkout, when there is one. */
  static Optional<String> gitCommit() {
    try {
      Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
      String s = new String(p.getInputStream().readAllBytes()).trim();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0 || !s.matches("[0-9a-f]{40}"))
        return Optional.empty();
      return Optional.of(s);
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /**
   * The console version of the report: per workload the ranked methods, the scores, and every run
   * left out.
   */
  void printSummary(PrintStream out) {
    out.printf(
        Locale.ROOT,
        "compare: metric %s (%s), tau_max %s%n",
        settings.metric(),
        settings.mode(),
        Table.number(settings.tauMax()));
    for (Map.Entry<String, Comparison.Target> w : cmp.targets().entrySet()) {
      out.printf(
          Locale.ROOT,
          "%n%s: target %s = %s (%s)%n",
          w.getKey(),
          settings.metric(),
          fmt(w.getValue().value()),
          w.getValue().rule());
      out.printf(
          Locale.ROOT,
          "  %-4s %-40s %4s %4s %4s  %-34s %8s %12s%n",
          "rank",
          "method",
          "runs",
          "done",
          "div",
          "final mean ± SE (95% CI)",
          "reached",
          settings.bySteps() ? "steps to tgt" : "time to tgt");
      List<Comparison.Summary> rows =
          new ArrayList<>(
              cmp.summaries().stream().filter(s -> s.workload().equals(w.getKey())).toList());
      rows.sort(java.util.Comparator.comparingInt(Comparison.Summary::rank));
      for (Comparison.Summary s : rows) {
        out.printf(
            Locale.ROOT,
            "  %-4d %-40s %4d %4d %4d  %-34s %3d/%-4d %12s%n",
            s.rank(),
            s.method(),
            s.nRuns(),
            s.nCompleted(),
            s.nDiverged(),
            HtmlReport.meanSeCi(s.finalStats()),
            s.nReached(),
            s.nRuns(),
            settings.bySteps()
                ? (Double.isInfinite(s.stepsToTargetMedian())
                    ? "miss"
                    : fmt(s.stepsToTargetMedian()))
                : seconds(s.timeToTargetMedianS()));
      }
    }
    PerformanceProfile p = cmp.profile();
    out.printf(
        Locale.ROOT,
        "%nperformance-profile scores (AlgoPerf, %s to target, tau in [1, %s])%n",
        settings.bySteps() ? "steps" : "time",
        Table.number(settings.tauMax()));
    for (int m : p.byScore()) {
      String sp =
          cmp.reference()
              .flatMap(r -> p.speedup(m, r))
              .map(
                  v ->
                      String.format(
                          Locale.ROOT, "  speedup vs %s %.3fx", settings.reference().get(), v))
              .orElse("");
      out.printf(
          Locale.ROOT, "  %d. %-40s %.4f%s%n", p.rank(m), p.methods().get(m), p.score(m), sp);
    }
    List<RunInspection> left = runs.stream().filter(r -> !r.included() || r.diverged()).toList();
    if (!left.isEmpty()) {
      out.println("\nruns not in the statistics as completed:");
      for (RunInspection r : left)
        out.printf(
            Locale.ROOT,
            "  %s [%s%s]: %s%n",
            r.run(),
            r.status(),
            r.included() ? ", counted as a miss" : ", excluded",
            r.reason());
    }
  }

  static String fmt(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4g", v);
  }

  static String seconds(double v) {
    return Double.isInfinite(v)
        ? "miss"
        : Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2fs", v);
  }
}
