package org.optimbench.jobs.train;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.run.Checkpoint;
import org.optimbench.jobs.run.Checkpoints;
import org.optimbench.jobs.run.DivergenceCheck;
import org.optimbench.jobs.run.RunDirectory;
import org.optimbench.jobs.run.RunFileException;
import org.optimbench.optim.ParamLayout;
import org.optimbench.optim.Segment;

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

  /**
   * Extra values of a checkpoint: the parameter layout its vectors are in (each segment's name and
   * shape, {@link #layoutOf}), checked on resume ({@link #checkLayout}).
   */
  static final String LAYOUT = "param_layout";

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
    extra.put(LAYOUT, layoutOf(worker.model().layout()));
    dir.checkpoint(done, worker.model().view().params(), worker.state(), extra);
  }

  /** {@code name[d0, d1]} per segment, in flat-vector order, separated by spaces. */
  static String layoutOf(ParamLayout layout) {
    StringBuilder b = new StringBuilder();
    for (Segment s : layout.segments()) {
      if (b.length() > 0) b.append(' ');
      b.append(s.name()).append(Arrays.toString(s.shape()).replace(" ", ""));
    }
    return b.toString();
  }

  /**
   * Refuses to resume {@code model} from {@code ck} when the checkpoint's vectors are in another
   * layout: the same length read in another order would train on silently scrambled parameters. A
   * checkpoint written before layouts were recorded is taken for a model without embedding tables
   * (those layouts have not changed) and refused for one with them, whose tables were then stored
   * column-major.
   */
  static void checkLayout(Checkpoint ck, NetworkModel model) {
    String ours = layoutOf(model.layout());
    Object saved = ck.extra().get(LAYOUT);
    if (saved == null && model.embeddingTables().isEmpty()) return;
    if (ours.equals(saved)) return;
    throw new RunFileException(
        ck.dir().resolve(Checkpoints.META),
        saved == null
            ? "written by an earlier version that stored embedding tables column-major; this"
                + " version stores them row-major and cannot resume it (start the run in a new"
                + " run directory)"
            : "its parameters are laid out as "
                + saved
                + ", this run's model as "
                + ours
                + ": not a checkpoint of this model");
  }
}
