package org.optimbench.jobs.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.conf.ConfException;
import org.optimbench.jobs.conf.Dl4jUpdaters;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.data.RankStream;
import org.optimbench.jobs.data.SplitIndex;
import org.optimbench.jobs.data.ValidationReader;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.model.SparseLinear;
import org.optimbench.jobs.run.Checkpoint;
import org.optimbench.jobs.run.DivergenceCheck;
import org.optimbench.jobs.run.RunDirectory;
import org.optimbench.jobs.workload.ValidationRows;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.optim.Combine;
import org.optimbench.optim.OptimizerState;
import org.optimbench.prep.common.Errors;

/**
 * {@code mode: dl4j_averaging}: the run trained by stock DL4J on Spark, {@link
 * ParameterAveragingTrainingMaster} over a {@link SparkDl4jMultiLayer} with DL4J's own updater
 * ({@link Dl4jUpdaters}), as a peer of our modes on the same workload, data, initial parameters and
 * run directory.
 *
 * <p>The driver runs one averaging round at a time: it draws each worker's batches for the round
 * from that worker's {@link StreamData} (the batches our modes give rank r at the same steps),
 * makes them an RDD of one partition per worker, and hands it to DL4J's master, which ships the
 * network to the workers, lets each take its batches as DL4J steps and averages parameters and
 * updater state by plain means. The data are read on the driver and travel inside Spark's tasks:
 * the driver holds every worker's read-ahead windows and one round of batches ({@code workers x
 * averaging_frequency x batch_size} rows), which suits the small and mid-sized suites this peer is
 * compared on, not data that only a cluster can read.
 *
 * <p>After each round the driver logs DL4J's loss (the mean over workers of the loss of their last
 * batch, before its step: the same quantity our modes log) and, at {@code eval_every}, evaluates
 * the workload's metrics on the averaged parameters.
 *
 * <p>Checkpoints and resume, as in our modes: after a round that ends at a multiple of {@code
 * checkpoint_every} (which the conf requires to be a multiple of {@code averaging_frequency}) and
 * at the end, the driver commits the averaged parameters, DL4J's averaged updater state, and the
 * network's iteration and epoch counts, which DL4J's updaters and schedules read (Adam's bias
 * corrections, the learning-rate schedule) and which the master advances itself (the iteration by
 * {@code averaging_frequency} per round, the epoch by one per {@code fit}). A new attempt puts them
 * into a fresh peer network before the master is built and continues at the checkpoint's step; the
 * batches are a function of the step, and the master broadcasts nothing else that a round depends
 * on, so the run ends with the uninterrupted run's metrics and final parameters, bit for bit (with
 * more than two workers, the master's sums follow the order in which the workers' tasks finish, so
 * even uninterrupted runs may differ in the last bits). A failed attempt is started again from the
 * last checkpoint up to {@code max_restarts} times, as {@link Launcher} does for our barrier modes.
 */
final class Dl4jAveraging {
  private Dl4jAveraging() {}

  static Outcome train(
      SparkSession spark,
      RunConfig conf,
      Workload workload,
      SplitIndex trainSplit,
      SplitIndex validSplit,
      PrintStream console)
      throws IOException {
    String name = conf.name();
    DataType dtype = conf.training().dataType();
    long seed = conf.training().seed();
    long steps = conf.totalSteps(trainSplit.rows());
    if (steps > Integer.MAX_VALUE)
      throw new ConfException("steps", "dl4j_averaging: DL4J counts iterations in an int");

    NetworkModel ours = workload.build(dtype, seed);
    MultiLayerNetwork initial = (MultiLayerNetwork) ours.network();
    IUpdater updater = Dl4jUpdaters.of(conf.optimizer(), conf.newSchedule(steps), steps);
    MultiLayerConfiguration layers = initial.getLayerWiseConfigurations().clone();
    for (NeuralNetConfiguration c : layers.getConfs()) {
      if (c.getLayer() instanceof SparseLinear)
        throw new ConfException(
            "workload",
            "dl4j_averaging trains dense inputs only; set workload.input: dense (this data has "
                + "sparse rows)");
      if (c.getLayer() instanceof BaseLayer b) {
        b.setIUpdater(updater.clone());
        b.setBiasUpdater(null);
      }
    }
    // evaluations write the averaged parameters into ours: every attempt starts from a copy
    INDArray initialParams = initial.params().dup();
    Launcher.Restarts restarts = new Launcher.Restarts(conf, console, Dl4jAveraging.class);
    while (true) {
      int attempt = RunDirectory.beginAttempt(conf.output(), name);
      try {
        return attempt(
            spark,
            conf,
            workload,
            trainSplit,
            validSplit,
            console,
            attempt,
            ours,
            layers,
            initialParams,
            updater,
            steps);
      } catch (Exception e) { // SparkException is checked but undeclared
        if (!restarts.again(attempt, e, Errors.oneLine(e))) throw e;
      }
    }
  }

  /**
   * One attempt of the run, numbered {@code attempt} ({@link RunDirectory#beginAttempt}): from the
   * last committed checkpoint, or from {@code initialParams}, to the end.
   */
  private static Outcome attempt(
      SparkSession spark,
      RunConfig conf,
      Workload workload,
      SplitIndex trainSplit,
      SplitIndex validSplit,
      PrintStream console,
      int attempt,
      NetworkModel ours,
      MultiLayerConfiguration layers,
      INDArray initialParams,
      IUpdater updater,
      long steps)
      throws IOException {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    String name = conf.name();
    int workers = conf.parallelism().workers();
    int k = conf.parallelism().averagingFrequency();
    int batchSize = conf.training().batchSize();
    DataType dtype = conf.training().dataType();
    long seed = conf.training().seed();
    RunDirectory dir =
        RunDirectory.openAttempt(conf.output(), name, conf.resolvedTree(), false, attempt);
    Optional<Checkpoint> saved = dir.start(List.of(), workload.metricNames(), List.of());
    if (saved.isPresent() && saved.get().step() == steps) {
      // killed after the final checkpoint, before the run was marked completed
      dir.complete(steps);
      return new Outcome(name, Outcome.COMPLETED, steps, "");
    }
    List<TrainingListener> listeners =
        List.of(
            new MetricsListener(dir),
            new StatusListener(dir),
            new ProgressListener(console, name, (long) batchSize * workers, dir.dir(), "none"));
    List<StreamData> ranks = new ArrayList<>();
    long lastCheckpoint = saved.map(Checkpoint::step).orElse(0L);
    // from here on a failure marks the run FAILED at its last checkpoint, where a re-run resumes
    try {
      MultiLayerNetwork peer = new MultiLayerNetwork(layers.clone());
      peer.init(initialParams.dup(), false); // our modes' initial parameters
      double factor = conf.training().divergenceFactor();
      DivergenceCheck divergence = new DivergenceCheck(factor);
      long start = 0;
      double wallBefore = 0;
      if (saved.isPresent()) {
        Checkpoint ck = saved.get();
        restore(peer, ck, k, name);
        start = ck.step();
        wallBefore =
            ((Number) ck.extra().getOrDefault(CheckpointListener.WALL_TIME, 0.0)).doubleValue();
        if (ck.extra().get(CheckpointListener.FIRST_LOSS) instanceof Number f)
          divergence = DivergenceCheck.resumed(factor, f.doubleValue());
        console.printf(Locale.ROOT, "%s: resuming from the checkpoint at step %d%n", name, start);
      }
      // built after the restore: the master reads the network's parameters, updater state and
      // iteration count when each round starts
      ParameterAveragingTrainingMaster master =
          new ParameterAveragingTrainingMaster.Builder(workers, batchSize)
              .batchSizePerWorker(batchSize)
              .averagingFrequency(k)
              .saveUpdater(true)
              .workerPrefetchNumBatches(0)
              // partition r holds rank r's batches in step order: no reshuffle, no export to files
              .repartionData(Repartition.Never)
              .rddTrainingApproach(RDDTrainingApproach.Direct)
              .collectTrainingStats(false)
              .rngSeed(seed)
              .build();
      SparkDl4jMultiLayer net = new SparkDl4jMultiLayer(sc, peer, master);
      long checkpointEvery = conf.checkpointing().every();
      double validFraction = conf.evaluation().validFraction();
      ValidationReader validReader =
          new ValidationReader(
              validSplit,
              workload.schema(),
              0,
              1,
              workload.evaluationChunkRows(),
              validFraction >= 1.0 ? null : id -> TrainingJob.inEvaluationSubset(id, validFraction),
              hadoop);
      ValidationRows valid =
          each -> {
            try (ValidationReader.Pass pass = validReader.open()) {
              pass.forEachRemaining(each);
            }
          };
      RankStream.Options reading =
          new RankStream.Options(
              seed,
              true,
              conf.data().shuffleBuffer(),
              conf.data().prefetch(),
              Math.max(batchSize, 1 << 16));
      long logEvery = conf.training().logEvery();
      long evalEvery = conf.evaluation().every();
      long crashAfter = Long.getLong(TrainingLoop.CRASH_PROPERTY, -1);
      boolean crashHere =
          Integer.getInteger(TrainingLoop.CRASH_ATTEMPT_PROPERTY, attempt) == attempt;
      long done = start;
      for (int r = 0; r < workers; r++)
        ranks.add(
            new StreamData(
                workload,
                dtype,
                trainSplit,
                validSplit,
                validFraction,
                r,
                workers,
                reading,
                hadoop));
      long t0 = System.nanoTime();
      while (done < steps) {
        int round = (int) Math.min(k, steps - done);
        List<Batch> batches = new ArrayList<>(workers * round);
        List<DataSet> sets = new ArrayList<>(workers * round);
        for (StreamData rank : ranks) {
          for (int j = 0; j < round; j++) {
            Batch b = rank.batchAt(done + j, batchSize);
            batches.add(b);
            sets.add(new DataSet(b.data().getFeatures(0), b.data().getLabels(0)));
          }
        }
        spark.sparkContext().setJobDescription("optimbench dl4j_averaging " + name);
        JavaRDD<DataSet> rdd = sc.parallelize(sets, workers);
        try {
          net.fit(rdd);
        } finally {
          rdd.unpersist(false); // DL4J's master persists the RDD it is given and leaves it so
          for (Batch b : batches) b.close();
        }
        long before = done;
        done += round;
        long t = done - 1;
        if (crashHere && before < crashAfter && crashAfter <= done)
          throw new IllegalStateException(
              "injected crash after step " + done + " (" + TrainingLoop.CRASH_PROPERTY + ")");
        double loss = net.getScore();
        Optional<String> div = divergence.check(t, loss);
        boolean logRow = done / logEvery > before / logEvery || done == steps || div.isPresent();
        boolean evalNow =
            div.isEmpty() && ((evalEvery > 0 && done % evalEvery == 0) || done == steps);
        Map<String, Double> eval = Map.of();
        if (evalNow) {
          ours.view().params().assign(net.getNetwork().params());
          eval = workload.evaluate(ours, valid, AllReduce.single());
        }
        if (logRow || evalNow) {
          StepReport report =
              new StepReport(
                  t,
                  steps,
                  loss,
                  done * workers * batchSize,
                  done * workers * batchSize / (double) Math.max(1, trainSplit.rows()),
                  wallBefore + (System.nanoTime() - t0) / 1e9,
                  updater.getLearningRate((int) t, 0),
                  Double.NaN,
                  Map.of(),
                  eval,
                  logRow);
          for (TrainingListener l : listeners) l.onStep(report);
        }
        if (div.isPresent()) {
          for (TrainingListener l : listeners) l.onDiverged(t, div.get());
          return new Outcome(name, Outcome.DIVERGED, t, div.get());
        }
        if (done == steps || (checkpointEvery > 0 && done % checkpointEvery == 0)) {
          checkpoint(
              dir,
              done,
              net.getNetwork(),
              wallBefore + (System.nanoTime() - t0) / 1e9,
              done * workers * batchSize,
              divergence);
          lastCheckpoint = done;
        }
      }
      Outcome end = new Outcome(name, Outcome.COMPLETED, steps, "");
      for (TrainingListener l : listeners) l.onEnd(end);
      return end;
    } catch (Exception e) { // SparkException is checked but undeclared
      for (TrainingListener l : listeners) l.onFailure(lastCheckpoint, e);
      throw e;
    } finally {
      for (StreamData r : ranks) r.close();
    }
  }

  /**
   * Extra values of a checkpoint: DL4J's iteration count, which its updaters and schedules read.
   */
  static final String ITERATION = "dl4j_iteration";

  /** Extra values of a checkpoint: DL4J's epoch count (one per {@code fit} call, one per round). */
  static final String EPOCH = "dl4j_epoch";

  /** The name of DL4J's flat updater state in a checkpoint's optimizer state. */
  static final String UPDATER_STATE = "dl4j_updater";

  /**
   * Commits the checkpoint after {@code done} steps: the averaged parameters, DL4J's averaged
   * updater state, and DL4J's iteration and epoch counts beside what our modes save.
   */
  private static void checkpoint(
      RunDirectory dir,
      long done,
      MultiLayerNetwork network,
      double wallSeconds,
      long samples,
      DivergenceCheck divergence)
      throws IOException {
    OptimizerState state = new OptimizerState();
    INDArray updaterState = network.getUpdater().getStateViewArray();
    if (updaterState != null) state.putArray(UPDATER_STATE, updaterState.dup(), Combine.MEAN);
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put(CheckpointListener.WALL_TIME, wallSeconds);
    extra.put(CheckpointListener.SAMPLES, samples);
    divergence.firstLoss().ifPresent(f -> extra.put(CheckpointListener.FIRST_LOSS, f));
    extra.put(ITERATION, (long) network.getIterationCount());
    extra.put(EPOCH, (long) network.getEpochCount());
    dir.checkpoint(done, network.params(), state, extra);
  }

  /**
   * Puts the checkpoint {@code ck} into the freshly initialized {@code peer}: parameters, updater
   * state and DL4J's counters, so that the next round starts as it would have in the uninterrupted
   * run (DL4J's master broadcasts exactly these: the configuration with its counts, the parameters
   * and the updater state).
   */
  private static void restore(MultiLayerNetwork peer, Checkpoint ck, int k, String name) {
    if (!(ck.extra().get(ITERATION) instanceof Number iteration)
        || !(ck.extra().get(EPOCH) instanceof Number epoch))
      throw new IllegalStateException(
          name
              + ": the checkpoint at step "
              + ck.step()
              + " has no DL4J iteration and epoch counts ("
              + ck.dir()
              + "); dl4j_averaging cannot resume from it");
    if (ck.step() % k != 0)
      throw new IllegalStateException(
          name
              + ": the checkpoint at step "
              + ck.step()
              + " does not end an averaging round of "
              + k
              + " steps; dl4j_averaging cannot resume from it");
    if (ck.params().length() != peer.numParams())
      throw new IllegalStateException(
          name
              + ": the checkpoint at step "
              + ck.step()
              + " has "
              + ck.params().length()
              + " parameters, the network "
              + peer.numParams());
    peer.params().assign(ck.params());
    INDArray view = peer.getUpdater().getStateViewArray();
    boolean saved = ck.state().hasArray(UPDATER_STATE);
    if ((view != null) != saved)
      throw new IllegalStateException(
          name
              + ": the checkpoint at step "
              + ck.step()
              + (saved ? " has" : " has no")
              + " DL4J updater state, the network's updater "
              + (view != null ? "has" : "has none"));
    if (view != null) {
      INDArray state = ck.state().array(UPDATER_STATE);
      if (state.length() != view.length())
        throw new IllegalStateException(
            name
                + ": the checkpoint at step "
                + ck.step()
                + " has "
                + state.length()
                + " DL4J updater state entries, the network's updater "
                + view.length());
      peer.getUpdater().setStateViewArray(peer, state, false);
    }
    peer.setIterationCount(iteration.intValue());
    peer.setEpochCount(epoch.intValue());
  }
}
