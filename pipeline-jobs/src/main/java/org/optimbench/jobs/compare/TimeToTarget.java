package org.optimbench.jobs.compare;

import java.util.List;

/**
 * When a run first reached the target: the first logged evaluation whose value meets it (AlgoPerf's
 * {@code get_index_that_reaches_target}: {@code <=} for a minimized metric, {@code >=} for a
 * maximized one). A run that never meets it, and a diverged run, is a miss: infinite steps and
 * time.
 */
public record TimeToTarget(double steps, double timeS) {
  public static final TimeToTarget MISS =
      new TimeToTarget(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);

  public boolean reached() {
    return Double.isFinite(timeS);
  }

  public static TimeToTarget of(RunResult run, double target, CompareSettings settings) {
    if (run.diverged() || Double.isNaN(target)) return MISS;
    return first(run.evals(), target, settings);
  }

  static TimeToTarget first(List<EvalPoint> evals, double target, CompareSettings settings) {
    for (EvalPoint e : evals) {
      if (Double.isFinite(e.value()) && settings.meets(e.value(), target))
        return new TimeToTarget(e.stepsTaken(), e.wallTimeS());
    }
    return MISS;
  }
}
