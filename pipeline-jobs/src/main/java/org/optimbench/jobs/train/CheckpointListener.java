package org.optimbench.jobs.train;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.optimbench.jobs.run.DivergenceCheck;
import org.optimbench.jobs.run.RunDirectory;

/**
 * Commits a checkpoint when one is due (rank 0): the training parameters, the optimizer state, and
 * what a resume needs besides (wall time, samples, the divergence check's first loss), after the
 * metrics log is flushed ({@link RunDirectory#checkpoint}).
 */
final class CheckpointListener implements TrainingListener {
  /** Extra values of a checkpoint: training time so far. */
  static final String WALL_TIME = "wall_time_s";

  /** Extra values of a checkpoint: training examples seen so far. */
  static final String SAMPLES = "samples";

  /** Extra values of a checkpoint: the first loss, the divergence threshold's reference. */
  static final String FIRST_LOSS = "first_loss";

  private final RunDirectory dir;
  private final WorkerLoop worker;
  private final DivergenceCheck divergence;

  CheckpointListener(RunDirectory dir, WorkerLoop worker, DivergenceCheck divergence) {
    this.dir = dir;
    this.worker = worker;
    this.divergence = divergence;
  }

  @Override
  public void onCheckpoint(long done, double wallSeconds, long samples) throws IOException {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put(WALL_TIME, wallSeconds);
    extra.put(SAMPLES, samples);
    divergence.firstLoss().ifPresent(f -> extra.put(FIRST_LOSS, f));
    dir.checkpoint(done, worker.model().view().params(), worker.state(), extra);
  }
}
