package org.optimbench.jobs.train;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.run.Checkpoint;
import org.optimbench.jobs.run.Checkpoints;
import org.optimbench.jobs.run.DivergenceCheck;
import org.optimbench.jobs.run.MetricsLog;
import org.optimbench.jobs.run.RunDirectory;
import org.optimbench.jobs.workload.Example;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.optim.HashExampleStore;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.schedule.Schedule;
import org.optimbench.optim.schedule.Schedules;
import org.optimbench.optim.spec.Spec;

/**
 * Trains one run on one worker (rank r of N): the same code in a single process and in each Spark
 * barrier task. Every worker holds a replica of the network and steps with {@link WorkerLoop}; rank
 * 0 alone owns the run directory (metrics, checkpoints, status), prints progress, and decides
 * nothing the others do not also know: divergence and evaluation results are all-reduced first.
 *
 * <p>A checkpoint at step S holds the parameters and optimizer state after S completed steps;
 * batches are a pure function of the step, so resuming from it reproduces the uninterrupted run. In
 * parameter averaging, evaluations and checkpoints happen right after an averaging round, when all
 * workers agree (the conf check requires eval_every and checkpoint_every to be multiples of
 * averaging_frequency).
 */
public final class WorkerTraining {
  /**
   * What a run ended as, reported by rank 0: {@code completed}, {@code diverged}, {@code failed},
   * or {@value #TRAINED} when training ended and the evaluation after training ({@code eval.final})
   * has yet to complete the run.
   */
  public record Outcome(String run, String state, long step, String reason)
      implements Serializable {}

  /** The state of a run whose training ended and whose evaluation after training is pending. */
  public static final String TRAINED = "trained";

  /**
   * Test hook for resume tests: system property {@value #CRASH_PROPERTY} = N simulates a kill after
   * N steps.
   */
  static final String CRASH_PROPERTY = "optimbench.test.crashAfterStep";

  private WorkerTraining() {}

  /**
   * The run's steps: {@code steps}, or {@code epochs} over {@code trainRows} at the global batch
   * size.
   */
  public static long totalSteps(RunConf conf, long trainRows) {
    if (conf.integer("steps") > 0) return conf.integer("steps");
    long global = conf.integer("batch_size") * conf.integer("workers");
    return Math.max(1, (long) Math.ceil(conf.real("epochs") * trainRows / (double) global));
  }

  /** The run's schedule; total_steps defaults to the run's steps. */
  static Schedule schedule(RunConf conf, long steps) {
    Map<String, Object> s = new LinkedHashMap<>(conf.object("schedule"));
    Spec spec =
        Spec.fromJson(
            new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(s), "schedule", true);
    if (!spec.hparams().containsKey("total_steps") && !spec.name().equals("constant")) {
      Map<String, Object> hp = new LinkedHashMap<>(spec.hparams());
      hp.put("total_steps", steps);
      spec = new Spec(spec.name(), hp);
    }
    return Schedules.create(spec, "schedule");
  }

  /**
   * Trains the run as worker {@code rank} on its {@code rows}; {@code trainRows} is the size of the
   * whole training split (epochs, progress).
   */
  public static Outcome run(
      RunConf conf,
      Workload workload,
      long trainRows,
      int rank,
      AllReduce comm,
      List<Example> rows,
      PrintStream console)
      throws IOException {
    Mode mode = Mode.of(conf.string("mode"));
    DataType dtype = dtype(conf);
    long seed = conf.integer("seed");
    int batchSize = (int) conf.integer("batch_size");
    long steps = totalSteps(conf, trainRows);
    long logEvery = Math.max(1, conf.integer("log_every"));
    long evalEvery = conf.integer("eval_every");
    long ckEvery = conf.integer("checkpoint_every");
    String runName = conf.string("name");
    boolean finalEval = !conf.string("eval.final").equals("none");

    LocalData data = new LocalData(rows, workload, dtype, seed, rank);
    NetworkModel model = workload.build(dtype, seed);
    Optimizer optimizer = optimizer(conf);
    Schedule schedule = schedule(conf, steps);
    Path runDir = Path.of(conf.string("output")).resolve(runName);

    // Rank 0 opens the run directory (cutting metrics after the last checkpoint); the others wait
    // for it, then read the same checkpoint.
    RunDirectory dir = null;
    Optional<Checkpoint> resume;
    if (rank == 0) {
      dir = RunDirectory.open(Path.of(conf.string("output")), runName, conf.resolvedTree(), false);
      resume =
          dir.start(
              diagnosticNames(workload, dtype, seed, optimizer, schedule, data, batchSize),
              workload.metricNames(),
              finalEval ? workload.metricNames() : List.of());
      comm.sumInPlace(new double[] {0});
    } else {
      comm.sumInPlace(new double[] {0});
      resume = new Checkpoints(runDir, 2).latest();
    }
    OptimizerState state = null;
    long start = 0;
    double wallBefore = 0;
    long samples = 0;
    DivergenceCheck divergence = new DivergenceCheck(conf.real("divergence_factor"));
    if (resume.isPresent()) {
      Checkpoint ck = resume.get();
      model.view().params().assign(ck.params());
      state = ck.state();
      start = ck.step();
      wallBefore = ((Number) ck.extra().getOrDefault("wall_time_s", 0.0)).doubleValue();
      samples = ((Number) ck.extra().getOrDefault("samples", 0L)).longValue();
      Object first = ck.extra().get("first_loss");
      if (first instanceof Number f)
        divergence = DivergenceCheck.resumed(conf.real("divergence_factor"), f.doubleValue());
      if (rank == 0)
        console.printf(
            Locale.ROOT, "%s: resuming from the checkpoint at step %d%n", runName, start);
    }
    int k = (int) conf.integer("averaging_frequency");
    WorkerLoop loop =
        new WorkerLoop(
            model,
            optimizer,
            state,
            schedule,
            comm,
            new HashExampleStore(),
            mode,
            k,
            conf.string("embedding_exchange").equals("sparse"));
    long t0 = System.nanoTime();
    double pendingExamples =
        0; // parameter averaging: this worker's examples since the workers last agreed
    double pendingNonFinite = 0; // ... and its non-finite losses since then
    long agreedAt = start; // the first step since then
    try {
      for (long t = start; t < steps; t++) {
        long step = t;
        StepResult r =
            loop.step(t, data.batchAt(t, batchSize), () -> data.validBatchAt(step, batchSize));
        long done = t + 1;
        if (done == Long.getLong(CRASH_PROPERTY, -1))
          throw new IllegalStateException(
              "injected crash after step " + done + " (" + CRASH_PROPERTY + ")");
        boolean logRow = done % logEvery == 0 || done == steps;
        boolean evalNow = (evalEvery > 0 && done % evalEvery == 0) || done == steps;
        boolean checkpointNow = (ckEvery > 0 && done % ckEvery == 0) || done == steps;
        double loss;
        Optional<String> div = Optional.empty();
        if (mode
            == Mode.GRADIENT_SHARING) { // the step already reduced the loss and the example count
          loss = r.loss();
          samples += r.examples();
        } else {
          pendingExamples += r.examples();
          if (!Double.isFinite(r.loss())) pendingNonFinite++;
          if (!agrees(mode, t, done, k, logRow || evalNow || checkpointNow)) continue;
          // Everyone learns this step's global loss, the examples and any non-finite loss since the
          // workers last agreed.
          double[] g =
              comm.sumInPlace(
                  new double[] {
                    r.loss() * r.examples(), r.examples(), pendingExamples, pendingNonFinite
                  });
          loss = g[0] / g[1];
          samples += (long) g[2];
          if (g[3] > 0 && Double.isFinite(loss)) {
            div =
                Optional.of(
                    String.format(
                        Locale.ROOT,
                        "a worker's loss was non-finite between steps %d and %d",
                        agreedAt,
                        t));
          }
          pendingExamples = 0;
          pendingNonFinite = 0;
          agreedAt = done;
        }
        if (div.isEmpty()) div = divergence.check(t, loss);
        logRow |= div.isPresent();
        double gradNorm =
            rank == 0 && (logRow || evalNow)
                ? loop.gradNorm()
                : Double.NaN; // before evaluation touches the model
        Map<String, Double> eval =
            evalNow && div.isEmpty() ? evaluate(workload, loop, optimizer, data, comm) : Map.of();
        if (rank == 0 && (logRow || !eval.isEmpty())) {
          double wall = wallBefore + (System.nanoTime() - t0) / 1e9;
          MetricsLog.Row row =
              MetricsLog.row(t)
                  .epoch(samples / (double) Math.max(1, trainRows))
                  .wallTimeSeconds(wall)
                  .samples(samples)
                  .trainLoss(loss)
                  .lr(r.diagnostics().getOrDefault("lr", r.lrScale()))
                  .gradNorm(gradNorm)
                  .diagnostics(r.diagnostics());
          if (!eval.isEmpty()) row.eval(eval);
          dir.metrics().append(row);
          double rate = samples / Math.max(1e-9, wall);
          console.printf(
              Locale.ROOT,
              "%s: step %d/%d  loss %.5f  lr %.4g  %.0f samples/s  ETA %.0fs%s%n",
              runName,
              done,
              steps,
              loss,
              r.diagnostics().getOrDefault("lr", r.lrScale()),
              rate,
              (steps - done) * batchSize * comm.size() / Math.max(1e-9, rate),
              evalText(eval));
        }
        if (div.isPresent()) {
          if (rank == 0) {
            dir.diverge(t, div.get());
            console.println(runName + ": diverged: " + div.get());
          }
          return new Outcome(runName, "diverged", t, div.get());
        }
        if (checkpointNow) {
          if (rank == 0) {
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("wall_time_s", wallBefore + (System.nanoTime() - t0) / 1e9);
            extra.put("samples", samples);
            divergence.firstLoss().ifPresent(f -> extra.put("first_loss", f));
            dir.checkpoint(done, model.view().params(), loop.state(), extra);
          }
          comm.sumInPlace(new double[] {0}); // others wait until the checkpoint is committed
        }
      }
      if (finalEval) {
        if (rank == 0) {
          dir.endTraining(steps);
          console.printf(
              Locale.ROOT,
              "%s: trained %d steps; evaluating after training (eval.final: %s)%n",
              runName,
              steps,
              conf.string("eval.final"));
        }
        return new Outcome(runName, TRAINED, steps, "");
      }
      if (rank == 0) {
        dir.complete(steps);
        console.printf(Locale.ROOT, "%s: completed %d steps -> %s%n", runName, steps, runDir);
      }
      return new Outcome(runName, "completed", steps, "");
    } catch (RuntimeException | IOException e) {
      if (rank == 0 && dir != null)
        dir.fail(start, e.getClass().getSimpleName() + ": " + e.getMessage());
      throw e;
    }
  }

  /**
   * Whether the workers agree on the loss after step {@code t} ({@code done} = t + 1 steps taken).
   * Gradient sharing and a single process agree every step (their step reduced it already, or there
   * is no one to agree with). Parameter averaging's workers step on their own between rounds, so
   * they exchange the loss only where they meet anyway or must act alike: the run's first step (the
   * divergence threshold's reference loss), each averaging round, and each step that logs,
   * evaluates or checkpoints. A per-step exchange would make every step wait for the slowest
   * worker, which is what averaging every k steps avoids; the price is that divergence is detected
   * at the next such step, not the exact step.
   */
  static boolean agrees(
      Mode mode, long t, long done, int averagingFrequency, boolean logsEvaluatesOrCheckpoints) {
    if (mode != Mode.PARAM_AVERAGING) return true;
    return t == 0 || done % averagingFrequency == 0 || logsEvaluatesOrCheckpoints;
  }

  /** The run's arithmetic dtype. */
  static DataType dtype(RunConf conf) {
    return conf.string("dtype").equals("float64") ? DataType.DOUBLE : DataType.FLOAT;
  }

  /** The run's optimizer, from its spec. */
  static Optimizer optimizer(RunConf conf) {
    Spec spec =
        Spec.fromJson(
            new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(conf.object("optimizer")),
            "optimizer",
            false);
    return OptimizerRegistry.resolve(spec, "optimizer").optimizer();
  }

  /**
   * The workload's metrics over every worker's validation rows, at the optimizer's evaluation
   * point.
   */
  static Map<String, Double> evaluate(
      Workload workload, WorkerLoop loop, Optimizer optimizer, LocalData data, AllReduce comm) {
    NetworkModel model = loop.model();
    INDArray evalAt = optimizer.evalParams(model.view(), loop.state());
    INDArray saved = evalAt == model.view().params() ? null : model.view().params().dup();
    if (saved != null) model.view().params().assign(evalAt);
    try {
      return workload.evaluate(model, data.valid(), comm);
    } finally {
      if (saved != null) model.view().params().assign(saved);
    }
  }

  private static String evalText(Map<String, Double> eval) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Double> e : eval.entrySet())
      b.append(String.format(Locale.ROOT, "  %s %.5f", e.getKey(), e.getValue()));
    return b.toString();
  }

  /**
   * The optimizer's diagnostic names, from one throwaway step on a fresh copy of the network
   * (metric columns are fixed at open).
   */
  static List<String> diagnosticNames(
      Workload workload,
      DataType dtype,
      long seed,
      Optimizer optimizer,
      Schedule schedule,
      LocalData data,
      int batchSize) {
    NetworkModel copy = workload.build(dtype, seed);
    WorkerLoop probe =
        new WorkerLoop(
            copy,
            optimizer,
            null,
            schedule,
            AllReduce.single(),
            new HashExampleStore(),
            Mode.SINGLE,
            1);
    StepResult r = probe.step(0, data.batchAt(0, batchSize), () -> data.validBatchAt(0, batchSize));
    return List.copyOf(new TreeSet<>(r.diagnostics().keySet()));
  }
}
