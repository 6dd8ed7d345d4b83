package org.optimbench.jobs.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import org.optimbench.jobs.fs.Location;

/** The console lines of a run (rank 0): progress with the loss, rate and ETA, and how it ended. */
final class ProgressListener implements TrainingListener {
  private final PrintStream console;
  private final String run;
  private final long globalBatch;
  private final Location runDir;
  private final String finalEvaluation;

  /**
   * {@code globalBatch}: examples per step over all workers (for the ETA); {@code finalEvaluation}:
   * the {@code eval.final} setting, printed when training ends before it.
   */
  ProgressListener(
      PrintStream console, String run, long globalBatch, Location runDir, String finalEvaluation) {
    this.console = console;
    this.run = run;
    this.globalBatch = globalBatch;
    this.runDir = runDir;
    this.finalEvaluation = finalEvaluation;
  }

  @Override
  public void onStep(StepReport r) {
    double rate = r.samples() / Math.max(1e-9, r.wallSeconds());
    console.printf(
        Locale.ROOT,
        "%s: step %d/%d  loss %.5f  lr %.4g  %.0f samples/s  ETA %.0fs%s%n",
        run,
        r.done(),
        r.totalSteps(),
        r.loss(),
        r.lr(),
        rate,
        (r.totalSteps() - r.done()) * globalBatch / Math.max(1e-9, rate),
        evalText(r.eval()));
  }

  @Override
  public void onDiverged(long step, String reason) {
    console.println(run + ": diverged: " + reason);
  }

  @Override
  public void onEnd(Outcome outcome) {
    if (outcome.state().equals(Outcome.TRAINED)) {
      console.printf(
          Locale.ROOT,
          "%s: trained %d steps; evaluating after training (eval.final: %s)%n",
          run,
          outcome.step(),
          finalEvaluation);
    } else {
      console.printf(Locale.ROOT, "%s: completed %d steps -> %s%n", run, outcome.step(), runDir);
    }
  }

  private static String evalText(Map<String, Double> eval) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Double> e : eval.entrySet()) {
      b.append(String.format(Locale.ROOT, "  %s %.5f", e.getKey(), e.getValue()));
    }
    return b.toString();
  }
}
