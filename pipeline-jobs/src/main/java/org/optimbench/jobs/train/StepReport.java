package org.optimbench.jobs.train;

import java.util.Map;

/**
 * What rank 0's {@link TrainingListener}s hear after each step the workers agree on.
 *
 * @param step the step taken (0-based); {@code step + 1} steps are done
 * @param totalSteps the run's length
 * @param loss the loss the workers agree on (the global batch's)
 * @param samples training examples seen by all workers so far
 * @param epoch passes over the training split so far
 * @param wallSeconds training time so far, resumed runs included
 * @param lr the learning rate the optimizer reports (or the schedule's factor)
 * @param gradNorm the L2 norm of the step's gradient (a pass over every parameter, so computed only
 *     for the steps reported here)
 * @param diagnostics the optimizer's diagnostics ({@code d}, ...)
 * @param eval the evaluation metrics when the step was evaluated, else empty
 * @param logged whether the step gets a metrics row (its log interval, the last step, or a
 *     divergence)
 */
public record StepReport(
    long step,
    long totalSteps,
    double loss,
    long samples,
    double epoch,
    double wallSeconds,
    double lr,
    double gradNorm,
    Map<String, Double> diagnostics,
    Map<String, Double> eval,
    boolean logged) {
  /** Steps done after this one. */
  public long done() {
    return step + 1;
  }
}
