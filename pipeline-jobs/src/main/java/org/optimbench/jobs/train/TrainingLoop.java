package org.optimbench.jobs.train;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.run.DivergenceCheck;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.optim.Optimizer;

/**
 * The steps of one run on one worker, from a start step (0, or a checkpoint's) to the end: each
 * step through {@link WorkerLoop}; where the workers agree on the loss ({@link ModeStrategy#agree})
 * the divergence check, the evaluation when one is due, and the reports to rank 0's {@link
 * TrainingListener}s; at a checkpoint, the listeners write it while the other workers wait. Every
 * worker runs the same loop and takes the same decisions, from values the collective made identical
 * on every worker, so no decision needs a message of its own.
 */
final class TrainingLoop {
  /**
   * Test hook for resume tests: system property {@value #CRASH_PROPERTY} = N simulates a kill after
   * N steps.
   */
  static final String CRASH_PROPERTY = "optimbench.test.crashAfterStep";

  /** With {@value #CRASH_PROPERTY}: crash only in this attempt of the run (restart tests). */
  static final String CRASH_ATTEMPT_PROPERTY = "optimbench.test.crashInAttempt";

  /**
   * When a step is logged, evaluated and checkpointed (intervals of 0 mean only at the end), and
   * how long the other workers wait for rank 0 to commit a checkpoint.
   */
  record Cadence(
      long logEvery, long evalEvery, long checkpointEvery, long checkpointTimeoutMillis) {}

  private final String run;
  private final WorkerLoop worker;
  private final WorkerData data;
  private final int batchSize;
  private final int accumulationSteps;
  private final Cadence cadence;
  private final Workload workload;
  private final Optimizer optimizer;
  private final DivergenceCheck divergence;
  private final long trainRows;
  private final boolean finalEvaluation;
  private final List<TrainingListener> listeners;
  private final int attempt;

  TrainingLoop(
      String run,
      WorkerLoop worker,
      WorkerData data,
      int batchSize,
      int accumulationSteps,
      Cadence cadence,
      Workload workload,
      Optimizer optimizer,
      DivergenceCheck divergence,
      long trainRows,
      boolean finalEvaluation,
      List<TrainingListener> listeners,
      int attempt) {
    this.run = run;
    this.worker = worker;
    this.data = data;
    this.batchSize = batchSize;
    this.accumulationSteps = accumulationSteps;
    this.cadence = cadence;
    this.workload = workload;
    this.optimizer = optimizer;
    this.divergence = divergence;
    this.trainRows = trainRows;
    this.finalEvaluation = finalEvaluation;
    this.listeners = List.copyOf(listeners);
    this.attempt = attempt;
  }

  /**
   * Takes steps {@code start} to {@code steps - 1}; {@code wallBefore} and {@code samplesBefore}
   * are what a resumed run had done before.
   */
  Outcome run(long start, long steps, double wallBefore, long samplesBefore) throws IOException {
    ModeStrategy strategy = worker.strategy();
    long t0 = System.nanoTime();
    long samples = samplesBefore;
    try {
      for (long t = start; t < steps; t++) {
        long step = t;
        StepResult r = worker.step(t, batches(t), () -> data.validBatchAt(step, batchSize));
        long done = t + 1;
        if (done == Long.getLong(CRASH_PROPERTY, -1)
            && Integer.getInteger(CRASH_ATTEMPT_PROPERTY, attempt) == attempt) {
          throw new IllegalStateException(
              "injected crash after step " + done + " (" + CRASH_PROPERTY + ")");
        }
        boolean logRow = done % cadence.logEvery() == 0 || done == steps;
        boolean evalNow =
            (cadence.evalEvery() > 0 && done % cadence.evalEvery() == 0) || done == steps;
        boolean checkpointNow =
            (cadence.checkpointEvery() > 0 && done % cadence.checkpointEvery() == 0)
                || done == steps;
        Optional<ModeStrategy.Agreement> agreed =
            strategy.agree(t, r, logRow || evalNow || checkpointNow);
        if (agreed.isEmpty()) continue;
        double loss = agreed.get().loss();
        samples += agreed.get().examples();
        Optional<String> div = agreed.get().nonFinite();
        if (div.isEmpty()) div = divergence.check(t, loss);
        logRow |= div.isPresent();
        // before the evaluation moves the model to its evaluation point
        double gradNorm =
            !listeners.isEmpty() && (logRow || evalNow) ? worker.gradNorm() : Double.NaN;
        Map<String, Double> eval = evalNow && div.isEmpty() ? evaluate() : Map.of();
        if (logRow || !eval.isEmpty()) {
          StepReport report =
              new StepReport(
                  t,
                  steps,
                  loss,
                  samples,
                  samples / (double) Math.max(1, trainRows),
                  wallBefore + (System.nanoTime() - t0) / 1e9,
                  r.diagnostics().getOrDefault("lr", r.lrScale()),
                  gradNorm,
                  r.diagnostics(),
                  eval,
                  logRow);
          for (TrainingListener l : listeners) l.onStep(report);
        }
        if (div.isPresent()) {
          for (TrainingListener l : listeners) l.onDiverged(t, div.get());
          return new Outcome(run, Outcome.DIVERGED, t, div.get());
        }
        if (checkpointNow) {
          double wall = wallBefore + (System.nanoTime() - t0) / 1e9;
          for (TrainingListener l : listeners) l.onCheckpoint(done, wall, samples);
          // the others wait until the checkpoint is committed
          strategy.barrier(
              "rank 0 to commit the checkpoint of step " + done, cadence.checkpointTimeoutMillis());
        }
      }
      Outcome end =
          new Outcome(run, finalEvaluation ? Outcome.TRAINED : Outcome.COMPLETED, steps, "");
      for (TrainingListener l : listeners) l.onEnd(end);
      return end;
    } catch (RuntimeException | IOException e) {
      for (TrainingListener l : listeners) l.onFailure(start, e);
      throw e;
    }
  }

  /** This worker's micro-batches of step {@code t}. */
  private List<Batch> batches(long t) {
    if (accumulationSteps == 1) return List.of(data.batchAt(t, batchSize));
    List<Batch> micro = new java.util.ArrayList<>(accumulationSteps);
    for (int j = 0; j < accumulationSteps; j++) {
      micro.add(data.batchAt(t * accumulationSteps + j, batchSize));
    }
    return micro;
  }

  /**
   * The workload's metrics over every worker's validation rows at the optimizer's evaluation point
   * (Schedule-Free's averaged iterate, for instance); the training point is restored afterwards.
   */
  private Map<String, Double> evaluate() {
    NetworkModel model = worker.model();
    INDArray evalAt = optimizer.evalParams(model.view(), worker.state());
    INDArray saved = evalAt == model.view().params() ? null : model.view().params().dup();
    if (saved != null) model.view().params().assign(evalAt);
    try {
      return workload.evaluate(model, data.valid(), worker.strategy().comm());
    } finally {
      if (saved != null) model.view().params().assign(saved);
    }
  }
}
