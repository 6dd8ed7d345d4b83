package org.optimbench.jobs.compare;

import java.util.Comparator;
import java.util.List;

/**
 * What the statistics need of one included run: its group, whether it diverged, the end of its
 * metrics and its evaluations of the compared metric in step order.
 */
public record RunResult(
    String run,
    String workload,
    String method,
    boolean diverged,
    long lastStep,
    double wallTimeS,
    double finalTrainLoss,
    List<EvalPoint> evals) {
  public RunResult {
    evals = evals.stream().sorted(Comparator.comparingLong(EvalPoint::step)).toList();
  }
}
