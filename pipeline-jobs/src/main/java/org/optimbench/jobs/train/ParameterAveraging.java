package org.optimbench.jobs.train;

import java.util.Locale;
import java.util.Optional;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;

/**
 * {@code mode: param_averaging}: workers step on their own data with their own optimizer state;
 * after every {@code averagingFrequency} steps, {@link StateMerge} combines parameters and state
 * (each entry by its declared rule) in one all-reduce and the optimizer reconciles its invariants.
 *
 * <p>Between rounds the workers do not wait for each other, so they exchange the loss only where
 * they meet anyway or must act alike ({@link #agrees}): the run's first step (the divergence
 * threshold's reference loss), each averaging round, and each step that logs, evaluates or
 * checkpoints. A per-step exchange would make every step wait for the slowest worker, which is what
 * averaging every k steps avoids; the price is that divergence is detected at the next such step,
 * not at the exact step, and a non-finite local loss in between is reported with the step range.
 */
final class ParameterAveraging extends ModeStrategy {
  private final int averagingFrequency;
  private double pendingExamples; // this worker's examples since the workers last agreed
  private double pendingNonFinite; // ... and its non-finite losses since then
  private long agreedAt = -1; // the first step since then (-1: not yet known)

  ParameterAveraging(AllReduce comm, int averagingFrequency) {
    super(comm);
    this.averagingFrequency = averagingFrequency;
  }

  @Override
  void afterStep(long t, ModelView view, OptimizerState state, Optimizer optimizer) {
    if ((t + 1) % averagingFrequency == 0) {
      StateMerge.average(comm, view.params(), state);
      optimizer.reconcile(view, state);
    }
  }

  @Override
  Optional<Agreement> agree(long t, StepResult r, boolean mustAgree) {
    if (agreedAt < 0) agreedAt = t;
    pendingExamples += r.examples();
    if (!Double.isFinite(r.loss())) pendingNonFinite++;
    if (!agrees(t, averagingFrequency, mustAgree)) return Optional.empty();
    // Everyone learns this step's global loss, the examples and any non-finite loss since the
    // workers last agreed.
    double[] g =
        comm.sumInPlace(
            new double[] {
              r.loss() * r.examples(), r.examples(), pendingExamples, pendingNonFinite
            });
    double loss = g[0] / g[1];
    Optional<String> nonFinite =
        g[3] > 0 && Double.isFinite(loss)
            ? Optional.of(
                String.format(
                    Locale.ROOT,
                    "a worker's loss was non-finite between steps %d and %d",
                    agreedAt,
                    t))
            : Optional.empty();
    pendingExamples = 0;
    pendingNonFinite = 0;
    agreedAt = t + 1;
    return Optional.of(new Agreement(loss, (long) g[2], nonFinite));
  }

  /**
   * Whether the workers agree on the loss after step {@code t}: the first step of the run (or of a
   * resumed run: {@code t} is then its first), each averaging round, and each step that is logged,
   * evaluated or checkpointed.
   */
  static boolean agrees(long t, int averagingFrequency, boolean logsEvaluatesOrCheckpoints) {
    return t == 0 || (t + 1) % averagingFrequency == 0 || logsEvaluatesOrCheckpoints;
  }
}
