package org.optimbench.jobs.compare;

/**
 * One logged evaluation of the compared metric: the metrics row's {@code step} (the 0-based index
 * of the step just taken, as {@code metrics.csv} writes it), the run's wall time then, and the
 * value.
 */
public record EvalPoint(long step, double wallTimeS, double value) {
  /** Optimizer steps taken when this evaluation ran (the row's step is 0-based). */
  public long stepsTaken() {
    return step + 1;
  }
}
