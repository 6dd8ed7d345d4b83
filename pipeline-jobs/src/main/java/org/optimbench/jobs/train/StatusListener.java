package org.optimbench.jobs.train;

import java.io.IOException;
import org.optimbench.jobs.run.RunDirectory;

/**
 * Keeps the run's {@code status.json} true (rank 0): DIVERGED with the reason, COMPLETED once the
 * final checkpoint is committed (or still RUNNING with training ended, when an evaluation after
 * training follows), FAILED with the error.
 */
final class StatusListener implements TrainingListener {
  private final RunDirectory dir;

  StatusListener(RunDirectory dir) {
    this.dir = dir;
  }

  @Override
  public void onDiverged(long step, String reason) throws IOException {
    dir.diverge(step, reason);
  }

  @Override
  public void onEnd(Outcome outcome) throws IOException {
    if (outcome.state().equals(Outcome.TRAINED)) dir.endTraining(outcome.step());
    else dir.complete(outcome.step());
  }

  @Override
  public void onFailure(long lastCheckpoint, Exception error) {
    try {
      dir.fail(lastCheckpoint, error.getClass().getSimpleName() + ": " + error.getMessage());
    } catch (IOException | RuntimeException e) {
      error.addSuppressed(e);
    }
  }
}
