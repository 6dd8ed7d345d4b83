package org.optimbench.jobs.train;

import java.io.IOException;
import org.optimbench.jobs.run.MetricsLog;
import org.optimbench.jobs.run.RunDirectory;

/** Writes a row of the run's metrics log for each reported step (rank 0). */
final class MetricsListener implements TrainingListener {
  private final RunDirectory dir;

  MetricsListener(RunDirectory dir) {
    this.dir = dir;
  }

  @Override
  public void onStep(StepReport r) throws IOException {
    MetricsLog.Row row =
        MetricsLog.row(r.step())
            .epoch(r.epoch())
            .wallTimeSeconds(r.wallSeconds())
            .samples(r.samples())
            .trainLoss(r.loss())
            .lr(r.lr())
            .gradNorm(r.gradNorm())
            .diagnostics(r.diagnostics());
    if (!r.eval().isEmpty()) row.eval(r.eval());
    dir.metrics().append(row);
  }
}
