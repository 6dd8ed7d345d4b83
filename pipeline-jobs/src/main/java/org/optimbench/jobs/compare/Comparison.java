package org.optimbench.jobs.compare;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The statistics of a comparison, from the included runs (completed or diverged) and the settings;
 * plain Java, no Spark. Per run: final and best value of the metric and the time to target. Per
 * workload and method: counts, final-value statistics over the completed seeds ({@link Stats}),
 * median time and steps to target over all seeds (a diverged seed is a miss), and a rank by the
 * median of {@link CompareSettings#timeCol}. Across workloads: the {@link PerformanceProfile} of
 * the median times and the speedups against the reference.
 *
 * <p>Default target (no {@code compare.targets} entry for a workload): the worst of the completed
 * runs' best values, so that every completed run of every method reaches it and the median time to
 * target is finite for every method that never diverged. The profile then ranks speed to a quality
 * all completed runs attain; configure targets to ask for more. A diverged run has no say.
 */
public final class Comparison {
  private final CompareSettings settings;
  private final Map<String, RunOutcome> runs = new LinkedHashMap<>();
  private final Map<String, Target> targets = new TreeMap<>();
  private final List<Summary> summaries = new ArrayList<>();
  private final PerformanceProfile profile;
  private final Optional<Integer> reference;

  /** Per-run values: final and best metric (NaN without evaluations) and time to target. */
  public record RunOutcome(double finalMetric, double bestMetric, TimeToTarget toTarget) {}

  /** The target used for a workload and where it came from ("configured" or the default rule). */
  public record Target(double value, String rule) {}

  /** One row of summary.csv. */
  public record Summary(
      String workload,
      String method,
      int nRuns,
      int nCompleted,
      int nDiverged,
      Stats finalStats,
      double bestMean,
      double target,
      int nReached,
      double stepsToTargetMedian,
      double timeToTargetMedianS,
      int rank) {}

  public Comparison(List<RunResult> results, CompareSettings settings) {
    this.settings = settings;
    Map<String, Map<String, List<RunResult>>> groups = new TreeMap<>();
    for (RunResult r : results) {
      groups
          .computeIfAbsent(r.workload(), k -> new TreeMap<>())
          .computeIfAbsent(r.method(), k -> new ArrayList<>())
          .add(r);
      runs.put(r.run(), new RunOutcome(finalValue(r), bestValue(r, settings), TimeToTarget.MISS));
    }
    for (Map.Entry<String, Map<String, List<RunResult>>> w : groups.entrySet()) {
      Target target = target(w.getKey(), w.getValue());
      targets.put(w.getKey(), target);
      List<Summary> rows = new ArrayList<>();
      for (Map.Entry<String, List<RunResult>> m : w.getValue().entrySet()) {
        rows.add(summarize(w.getKey(), m.getKey(), m.getValue(), target.value()));
      }
      summaries.addAll(ranked(rows));
    }
    List<String> methods =
        new ArrayList<>(new TreeSet<>(results.stream().map(RunResult::method).toList()));
    List<String> workloads = new ArrayList<>(groups.keySet());
    double[][] t = new double[methods.size()][workloads.size()];
    for (double[] row : t)
      java.util.Arrays.fill(
          row, Double.POSITIVE_INFINITY); // a method not run on a workload missed it
    for (Summary s : summaries)
      t[methods.indexOf(s.method())][workloads.indexOf(s.workload())] =
          settings.bySteps() ? s.stepsToTargetMedian() : s.timeToTargetMedianS();
    profile = PerformanceProfile.of(methods, workloads, t, settings.tauMax());
    reference = settings.reference().map(methods::indexOf);
    if (reference.isPresent() && reference.get() < 0) {
      throw new org.optimbench.jobs.conf.ConfException(
          "compare.reference",
          "'"
              + settings.reference().get()
              + "' is not a method of this selection (methods: "
              + String.join(", ", methods)
              + ")");
    }
  }

  private static double finalValue(RunResult r) {
    return r.evals().isEmpty() ? Double.NaN : r.evals().get(r.evals().size() - 1).value();
  }

  private static double bestValue(RunResult r, CompareSettings s) {
    double best = Double.NaN;
    for (EvalPoint e : r.evals()) {
      if (Double.isFinite(e.value()) && (Double.isNaN(best) || s.better(e.value(), best)))
        best = e.value();
    }
    return best;
  }

  private Target target(String workload, Map<String, List<RunResult>> methods) {
    Optional<Double> configured = settings.targetFor(workload);
    if (configured.isPresent()) return new Target(configured.get(), "configured");
    double worst = Double.NaN;
    for (List<RunResult> seeds : methods.values()) {
      for (RunResult r : seeds) {
        double best = runs.get(r.run()).bestMetric();
        if (r.diverged() || !Double.isFinite(best)) continue;
        if (Double.isNaN(worst) || settings.better(worst, best)) worst = best;
      }
    }
    return new Target(worst, "default: worst best " + settings.metric() + " of the completed runs");
  }

  private Summary summarize(String workload, String method, List<RunResult> seeds, double target) {
    int completed = 0, diverged = 0, reached = 0;
    List<Double> finals = new ArrayList<>(), bests = new ArrayList<>();
    double[] steps = new double[seeds.size()], times = new double[seeds.size()];
    for (int i = 0; i < seeds.size(); i++) {
      RunResult r = seeds.get(i);
      TimeToTarget tt = TimeToTarget.of(r, target, settings);
      RunOutcome o = runs.get(r.run());
      runs.put(r.run(), new RunOutcome(o.finalMetric(), o.bestMetric(), tt));
      steps[i] = tt.steps();
      times[i] = tt.timeS();
      if (tt.reached()) reached++;
      if (r.diverged()) {
        diverged++;
        continue;
      }
      completed++;
      if (Double.isFinite(o.finalMetric())) finals.add(o.finalMetric());
      if (Double.isFinite(o.bestMetric())) bests.add(o.bestMetric());
    }
    Stats f = Stats.of(finals.stream().mapToDouble(Double::doubleValue).toArray());
    double bestMean =
        bests.isEmpty()
            ? Double.NaN
            : bests.stream().mapToDouble(Double::doubleValue).average().getAsDouble();
    return new Summary(
        workload,
        method,
        seeds.size(),
        completed,
        diverged,
        f,
        bestMean,
        target,
        reached,
        Stats.median(steps),
        Stats.median(times),
        0);
  }

  /**
   * Ranks one workload's methods: by median time (or steps, see {@link CompareSettings#timeCol}) to
   * target; misses after hits, ordered by final mean; no value last.
   */
  private List<Summary> ranked(List<Summary> rows) {
    Comparator<Summary> byTime =
        Comparator.comparingDouble(
            s -> settings.bySteps() ? s.stepsToTargetMedian() : s.timeToTargetMedianS());
    Comparator<Summary> byFinal =
        (a, b) -> {
          double x = a.finalStats().mean(), y = b.finalStats().mean();
          if (Double.isNaN(x) || Double.isNaN(y))
            return Boolean.compare(Double.isNaN(x), Double.isNaN(y));
          return settings.maximize() ? Double.compare(y, x) : Double.compare(x, y);
        };
    List<Summary> sorted = new ArrayList<>(rows);
    sorted.sort(byTime.thenComparing(byFinal).thenComparing(Summary::method));
    List<Summary> out = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i++) {
      Summary s = sorted.get(i);
      out.add(
          new Summary(
              s.workload(),
              s.method(),
              s.nRuns(),
              s.nCompleted(),
              s.nDiverged(),
              s.finalStats(),
              s.bestMean(),
              s.target(),
              s.nReached(),
              s.stepsToTargetMedian(),
              s.timeToTargetMedianS(),
              i + 1));
    }
    out.sort(Comparator.comparing(Summary::method));
    return out;
  }

  public CompareSettings settings() {
    return settings;
  }

  public RunOutcome run(String run) {
    return runs.get(run);
  }

  public Map<String, Target> targets() {
    return targets;
  }

  /** Summary rows, by workload then method. */
  public List<Summary> summaries() {
    return summaries;
  }

  public PerformanceProfile profile() {
    return profile;
  }

  /**
   * The reference method's index in {@link PerformanceProfile#methods()}, when one is configured.
   */
  public Optional<Integer> reference() {
    return reference;
  }
}
