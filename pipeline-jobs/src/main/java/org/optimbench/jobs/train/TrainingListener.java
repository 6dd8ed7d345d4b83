package org.optimbench.jobs.train;

import java.io.IOException;

/**
 * Rank 0's view of a training run, called by {@link TrainingLoop} at fixed points: after every step
 * the workers agree on, at each checkpoint (before the other workers are released), when the run
 * diverges, ends or fails. Metrics, checkpoints, the run's status and console progress are each a
 * listener, so adding a recorder is adding a class. Other ranks have none: they compute the same
 * values, and only rank 0 records them.
 */
public interface TrainingListener {
  /** After step {@code report.step()}, once the workers agree on its loss (and evaluation). */
  default void onStep(StepReport report) throws IOException {}

  /** {@code done} steps are taken and a checkpoint is due; the other workers wait for it. */
  default void onCheckpoint(long done, double wallSeconds, long samples) throws IOException {}

  /** The run diverged at {@code step} for {@code reason}. */
  default void onDiverged(long step, String reason) throws IOException {}

  /** Training ended after {@code steps} steps as {@code outcome} (completed, or trained). */
  default void onEnd(Outcome outcome) throws IOException {}

  /** Training failed with {@code error}; {@code lastCheckpoint} is the step it can resume from. */
  default void onFailure(long lastCheckpoint, Exception error) {}
}
