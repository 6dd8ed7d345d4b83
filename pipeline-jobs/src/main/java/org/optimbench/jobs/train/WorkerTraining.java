package org.optimbench.jobs.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.conf.Mode;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.data.RankStream;
import org.optimbench.jobs.data.SplitIndex;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.model.NativeArrays;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.run.Checkpoint;
import org.optimbench.jobs.run.Checkpoints;
import org.optimbench.jobs.run.DivergenceCheck;
import org.optimbench.jobs.run.RunDirectory;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.optim.HashExampleStore;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.schedule.Schedule;

/**
 * Trains one run on one worker (rank r of N): the same code in a single process and in each Spark
 * barrier task. It builds the worker's replica of the network, its optimizer and schedule, its data
 * and the run's {@link ModeStrategy}; rank 0 alone opens the run directory (and listens, through
 * {@link TrainingListener}s, for metrics, checkpoints, status and console progress); every worker
 * resumes from the same checkpoint; then {@link TrainingLoop} takes the steps.
 *
 * <p>A checkpoint at step S holds the parameters and optimizer state after S completed steps;
 * batches are a pure function of the step, so resuming from it reproduces the uninterrupted run. In
 * parameter averaging, evaluations and checkpoints happen right after an averaging round, when all
 * workers agree (the conf requires eval_every and checkpoint_every to be multiples of
 * averaging_frequency).
 */
public final class WorkerTraining {
  private WorkerTraining() {}

  /**
   * Trains the run as worker {@code rank} of {@code comm.size()}, streaming its own rows of the
   * {@code train} and {@code valid} splits (listed by the driver) through {@code hadoop}'s file
   * systems; rank 0 writes the run directory as {@code attempt} (0: a new attempt of its own).
   */
  public static Outcome run(
      RunConfig conf,
      Workload workload,
      SplitIndex train,
      SplitIndex valid,
      int rank,
      AllReduce comm,
      Configuration hadoop,
      PrintStream console,
      int attempt)
      throws IOException {
    try (StreamData data = streamData(conf, workload, train, valid, rank, comm.size(), hadoop)) {
      return run(conf, workload, train.rows(), rank, comm, data, console, attempt);
    }
  }

  /**
   * Worker {@code rank} of {@code ranks}'s data: its stream of the training split, shuffled in
   * windows of {@code reader.shuffle_buffer} rows with {@code reader.prefetch} windows decoded
   * ahead, and its slice of the validation split.
   */
  static StreamData streamData(
      RunConfig conf,
      Workload workload,
      SplitIndex train,
      SplitIndex valid,
      int rank,
      int ranks,
      Configuration hadoop) {
    RankStream.Options reading =
        new RankStream.Options(
            conf.training().seed(),
            true,
            conf.data().shuffleBuffer(),
            conf.data().prefetch(),
            Math.max(conf.training().batchSize(), 1 << 16));
    return new StreamData(
        workload,
        conf.training().dataType(),
        train,
        valid,
        conf.evaluation().validFraction(),
        rank,
        ranks,
        reading,
        hadoop);
  }

  /**
   * Trains the run as worker {@code rank} on {@code data}; {@code trainRows} is the size of the
   * whole training split (epochs, progress). Rank 0 writes the run directory as {@code attempt},
   * which the driver began, or as a new attempt of its own when {@code attempt} is 0.
   */
  static Outcome run(
      RunConfig conf,
      Workload workload,
      long trainRows,
      int rank,
      AllReduce comm,
      WorkerData data,
      PrintStream console,
      int attempt)
      throws IOException {
    DataType dtype = conf.training().dataType();
    long seed = conf.training().seed();
    int batchSize = conf.training().batchSize();
    long steps = conf.totalSteps(trainRows);
    String runName = conf.name();

    Optimizer optimizer = conf.newOptimizer();
    Schedule schedule = conf.newSchedule(steps);
    // before this worker's own replica exists, so that the probe's replica is never held beside it
    List<String> diagnostics =
        rank == 0
            ? diagnosticNames(workload, dtype, seed, optimizer, schedule, data, batchSize)
            : List.of();
    NetworkModel model = workload.build(dtype, seed);
    Location runDir = Location.of(conf.output()).resolve(runName);

    // Rank 0 opens the run directory (cutting metrics after the last checkpoint); the others wait
    // for it, then read the same checkpoint.
    RunDirectory dir = null;
    Optional<Checkpoint> resume;
    if (rank == 0) {
      dir =
          attempt > 0
              ? RunDirectory.openAttempt(
                  conf.output(), runName, conf.resolvedTree(), false, attempt)
              : RunDirectory.open(conf.output(), runName, conf.resolvedTree(), false);
      resume =
          dir.start(
              diagnostics,
              workload.metricNames(),
              conf.evaluation().finalOnSpark() ? workload.metricNames() : List.of());
      comm.barrier("rank 0 to open the run directory", conf.checkpointing().timeoutMillis());
    } else {
      comm.barrier("rank 0 to open the run directory", conf.checkpointing().timeoutMillis());
      resume =
          new Checkpoints(Location.of(conf.output()).resolve(runName), Checkpoints.DEFAULT_KEEP)
              .latest();
    }
    OptimizerState state = null;
    long start = 0;
    double wallBefore = 0;
    long samples = 0;
    double factor = conf.training().divergenceFactor();
    DivergenceCheck divergence = new DivergenceCheck(factor);
    if (resume.isPresent()) {
      Checkpoint ck = resume.get();
      CheckpointListener.checkLayout(ck, model);
      model.view().params().assign(ck.params());
      state = ck.state();
      start = ck.step();
      wallBefore =
          ((Number) ck.extra().getOrDefault(CheckpointListener.WALL_TIME, 0.0)).doubleValue();
      samples = ((Number) ck.extra().getOrDefault(CheckpointListener.SAMPLES, 0L)).longValue();
      if (ck.extra().get(CheckpointListener.FIRST_LOSS) instanceof Number f) {
        divergence = DivergenceCheck.resumed(factor, f.doubleValue());
      }
      if (rank == 0) {
        console.printf(
            Locale.ROOT, "%s: resuming from the checkpoint at step %d%n", runName, start);
      }
    }
    RunConfig.Parallelism p = conf.parallelism();
    ModeStrategy strategy =
        ModeStrategy.of(
            p.mode(),
            comm,
            p.averagingFrequency(),
            model.embeddingTables(),
            model.view().params().length(),
            p.sparseEmbeddings());
    WorkerLoop worker =
        new WorkerLoop(model, optimizer, state, schedule, new HashExampleStore(), strategy);
    List<TrainingListener> listeners = new ArrayList<>();
    if (rank == 0) {
      listeners.add(new MetricsListener(dir));
      listeners.add(new CheckpointListener(dir, worker, divergence));
      listeners.add(new StatusListener(dir));
      listeners.add(
          new ProgressListener(
              console,
              runName,
              (long) batchSize * conf.training().accumulationSteps() * comm.size(),
              runDir,
              conf.evaluation().finalOnSpark() ? "spark" : "none"));
    }
    TrainingLoop.Cadence cadence =
        new TrainingLoop.Cadence(
            conf.training().logEvery(),
            conf.evaluation().every(),
            conf.checkpointing().every(),
            conf.checkpointing().timeoutMillis());
    return new TrainingLoop(
            runName,
            worker,
            data,
            batchSize,
            conf.training().accumulationSteps(),
            cadence,
            workload,
            optimizer,
            divergence,
            trainRows,
            conf.evaluation().finalOnSpark(),
            listeners,
            attempt)
        .run(start, steps, wallBefore, samples);
  }

  /**
   * The optimizer's diagnostic names, from one throwaway step on a fresh copy of the network
   * (metric columns are fixed at open). The copy's parameters, gradient and optimizer state are
   * freed when the step is done: a replica and its state, several times the parameters, would
   * otherwise stay until the garbage collector found them.
   */
  static List<String> diagnosticNames(
      Workload workload,
      DataType dtype,
      long seed,
      Optimizer optimizer,
      Schedule schedule,
      WorkerData data,
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
    try {
      StepResult r =
          probe.step(0, data.batchAt(0, batchSize), () -> data.validBatchAt(0, batchSize));
      return List.copyOf(new TreeSet<>(r.diagnostics().keySet()));
    } finally {
      release(probe.state());
      NativeArrays.release(copy.view().params(), copy.view().grads());
    }
  }

  private static void release(OptimizerState state) {
    for (org.nd4j.linalg.api.ndarray.INDArray a : state.arrays().values()) NativeArrays.release(a);
    for (OptimizerState c : state.children().values()) release(c);
  }
}
