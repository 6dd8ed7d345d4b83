package org.optimbench.jobs.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
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
 * ParameterAveragingTrainingMaster} over a {@link SparkDl4jMultiLayer} (logreg, mlp) or a {@link
 * SparkComputationGraph} (dlrm) with DL4J's own updater ({@link Dl4jUpdaters}), as a peer of our
 * modes on the same workload, data, initial parameters and run directory.
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
    IUpdater updater = Dl4jUpdaters.of(conf.optimizer(), conf.newSchedule(steps), steps);
    // evaluations write the averaged parameters into ours: every attempt starts from a copy
    Supplier<Peer> fresh = peers(ours.network(), updater, ours.view().params().dup());
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
            fresh,
            updater,
            steps);
      } catch (Exception e) { // SparkException is checked but undeclared
        if (!restarts.again(attempt, e, Errors.oneLine(e))) throw e;
      }
    }
  }

  /**
   * One attempt of the run, numbered {@code attempt} ({@link RunDirectory#beginAttempt}): from the
   * last committed checkpoint, or from a {@code fresh} peer network, to the end.
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
      Supplier<Peer> fresh,
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
    boolean finalOnSpark = conf.evaluation().finalOnSpark();
    Optional<Checkpoint> saved =
        dir.start(
            List.of(), workload.metricNames(), finalOnSpark ? workload.metricNames() : List.of());
    if (saved.isPresent() && saved.get().step() == steps) {
      // killed after the final checkpoint, before the run was marked completed (or trained)
      if (finalOnSpark) {
        dir.endTraining(steps);
        return new Outcome(name, Outcome.TRAINED, steps, "");
      }
      dir.complete(steps);
      return new Outcome(name, Outcome.COMPLETED, steps, "");
    }
    List<TrainingListener> listeners =
        List.of(
            new MetricsListener(dir),
            new StatusListener(dir),
            new ProgressListener(
                console,
                name,
                (long) batchSize * workers,
                dir.dir(),
                finalOnSpark ? "spark" : "none"));
    List<StreamData> ranks = new ArrayList<>();
    long lastCheckpoint = saved.map(Checkpoint::step).orElse(0L);
    // from here on a failure marks the run FAILED at its last checkpoint, where a re-run resumes
    try {
      Peer peer = fresh.get(); // our modes' initial parameters
      double factor = conf.training().divergenceFactor();
      DivergenceCheck divergence = new DivergenceCheck(factor);
      long start = 0;
      double wallBefore = 0;
      if (saved.isPresent()) {
        Checkpoint ck = saved.get();
        CheckpointListener.checkLayout(ck, ours);
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
      peer.connect(sc, master);
      long checkpointEvery = conf.checkpointing().every();
      double validFraction = conf.evaluation().validFraction();
      ValidationReader validReader =
          new ValidationReader(
              validSplit,
              workload.schema(dtype),
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
        for (StreamData rank : ranks)
          for (int j = 0; j < round; j++) batches.add(rank.batchAt(done + j, batchSize));
        spark.sparkContext().setJobDescription("optimbench dl4j_averaging " + name);
        try {
          peer.fit(sc, batches, workers);
        } finally {
          for (Batch b : batches) b.close();
        }
        long before = done;
        done += round;
        long t = done - 1;
        if (crashHere && before < crashAfter && crashAfter <= done)
          throw new IllegalStateException(
              "injected crash after step " + done + " (" + TrainingLoop.CRASH_PROPERTY + ")");
        double loss = peer.score();
        Optional<String> div = divergence.check(t, loss);
        boolean logRow = done / logEvery > before / logEvery || done == steps || div.isPresent();
        boolean evalNow =
            div.isEmpty() && ((evalEvery > 0 && done % evalEvery == 0) || done == steps);
        Map<String, Double> eval = Map.of();
        if (evalNow) {
          ours.view().params().assign(peer.network().params());
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
              peer,
              wallBefore + (System.nanoTime() - t0) / 1e9,
              done * workers * batchSize,
              divergence,
              CheckpointListener.layoutOf(ours.layout()));
          lastCheckpoint = done;
        }
      }
      // with eval.final: spark the run ends RUNNING at its final checkpoint, and TrainingJob's
      // evaluation after training completes it, as in our modes
      Outcome end =
          new Outcome(name, finalOnSpark ? Outcome.TRAINED : Outcome.COMPLETED, steps, "");
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
      Peer peer,
      double wallSeconds,
      long samples,
      DivergenceCheck divergence,
      String layout)
      throws IOException {
    OptimizerState state = new OptimizerState();
    INDArray updaterState = peer.updaterState();
    if (updaterState != null) state.putArray(UPDATER_STATE, updaterState.dup(), Combine.MEAN);
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put(CheckpointListener.WALL_TIME, wallSeconds);
    extra.put(CheckpointListener.SAMPLES, samples);
    divergence.firstLoss().ifPresent(f -> extra.put(CheckpointListener.FIRST_LOSS, f));
    extra.put(ITERATION, (long) peer.iterationCount());
    extra.put(EPOCH, (long) peer.epochCount());
    extra.put(CheckpointListener.LAYOUT, layout);
    dir.checkpoint(done, peer.network().params(), state, extra);
  }

  /**
   * Puts the checkpoint {@code ck} into the freshly initialized {@code peer}: parameters, updater
   * state and DL4J's counters, so that the next round starts as it would have in the uninterrupted
   * run (DL4J's master broadcasts exactly these: the configuration with its counts, the parameters
   * and the updater state).
   */
  private static void restore(Peer peer, Checkpoint ck, int k, String name) {
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
    Model net = peer.network();
    if (ck.params().length() != net.numParams())
      throw new IllegalStateException(
          name
              + ": the checkpoint at step "
              + ck.step()
              + " has "
              + ck.params().length()
              + " parameters, the network "
              + net.numParams());
    net.params().assign(ck.params());
    INDArray view = peer.updaterState();
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
      peer.restoreUpdaterState(state);
    }
    peer.setCounts(iteration.intValue(), epoch.intValue());
  }

  /**
   * The peer networks of {@code ours} (its configuration with DL4J's {@code updater} on every layer
   * with parameters), each new one starting at {@code params}. DL4J's master trains two kinds of
   * network: a MultiLayerNetwork ({@code logreg}, {@code mlp}) through {@link SparkDl4jMultiLayer}
   * on an RDD of DataSets, and a ComputationGraph ({@code dlrm}) through {@link
   * SparkComputationGraph} on an RDD of MultiDataSets (one input array per graph input); the master
   * and its averaging are the same for both.
   */
  private static Supplier<Peer> peers(Model ours, IUpdater updater, INDArray params) {
    if (ours instanceof MultiLayerNetwork m) {
      MultiLayerConfiguration layers = m.getLayerWiseConfigurations().clone();
      for (NeuralNetConfiguration c : layers.getConfs()) setUpdater(c.getLayer(), updater);
      return () -> new MultiLayerPeer(layers, params);
    }
    if (ours instanceof ComputationGraph g) {
      ComputationGraphConfiguration graph = g.getConfiguration().clone();
      for (GraphVertex v : graph.getVertices().values())
        if (v instanceof LayerVertex lv) setUpdater(lv.getLayerConf().getLayer(), updater);
      return () -> new GraphPeer(graph, params);
    }
    throw new IllegalArgumentException(
        "dl4j_averaging: DL4J's master trains MultiLayerNetworks and ComputationGraphs, not "
            + ours.getClass().getName());
  }

  /**
   * Gives {@code layer} DL4J's {@code updater} (a copy; no separate bias updater); refuses a layer
   * whose parameters DL4J's updater would not step.
   */
  private static void setUpdater(Layer layer, IUpdater updater) {
    if (layer instanceof SparseLinear)
      throw new ConfException(
          "workload",
          "dl4j_averaging trains dense inputs only; set workload.input: dense (this data has "
              + "sparse rows)");
    if (layer instanceof BaseLayer b) {
      b.setIUpdater(updater.clone());
      b.setBiasUpdater(null);
    } else if (layer.initializer().numParams(layer) > 0) {
      throw new ConfException(
          "workload",
          "dl4j_averaging: layer "
              + layer.getLayerName()
              + " ("
              + layer.getClass().getSimpleName()
              + ") has parameters but takes no DL4J updater");
    }
  }

  /**
   * One attempt's peer network and its Spark wrapper: what differs between DL4J's two network kinds
   * (the master, its averaging and its counters are the same).
   */
  private interface Peer {
    /** The network, with the averaged parameters after each round. */
    Model network();

    /** DL4J's flat updater state, or null when the updater keeps none (SGD). */
    INDArray updaterState();

    /** Puts a checkpoint's updater state into the network's updater. */
    void restoreUpdaterState(INDArray state);

    /** DL4J's iteration count, which its updaters and schedules read. */
    int iterationCount();

    /** DL4J's epoch count. */
    int epochCount();

    void setCounts(int iteration, int epoch);

    /** Wraps the network for DL4J's Spark master; after any restore, since the master reads it. */
    void connect(JavaSparkContext sc, ParameterAveragingTrainingMaster master);

    /**
     * One averaging round on {@code batches} (worker r's batches, in step order, are the r-th of
     * {@code workers} equal runs): an RDD of one partition per worker, handed to the master.
     */
    void fit(JavaSparkContext sc, List<Batch> batches, int workers);

    /** DL4J's score after the round: the mean over workers of their last batch's loss. */
    double score();
  }

  private static final class MultiLayerPeer implements Peer {
    private final MultiLayerNetwork net;
    private SparkDl4jMultiLayer spark;

    MultiLayerPeer(MultiLayerConfiguration layers, INDArray params) {
      net = new MultiLayerNetwork(layers.clone());
      net.init(params.dup(), false);
    }

    private MultiLayerNetwork current() {
      return spark == null ? net : spark.getNetwork();
    }

    @Override
    public Model network() {
      return current();
    }

    @Override
    public INDArray updaterState() {
      return current().getUpdater().getStateViewArray();
    }

    @Override
    public void restoreUpdaterState(INDArray state) {
      net.getUpdater().setStateViewArray(net, state, false);
    }

    @Override
    public int iterationCount() {
      return current().getIterationCount();
    }

    @Override
    public int epochCount() {
      return current().getEpochCount();
    }

    @Override
    public void setCounts(int iteration, int epoch) {
      net.setIterationCount(iteration);
      net.setEpochCount(epoch);
    }

    @Override
    public void connect(JavaSparkContext sc, ParameterAveragingTrainingMaster master) {
      spark = new SparkDl4jMultiLayer(sc, net, master);
    }

    @Override
    public void fit(JavaSparkContext sc, List<Batch> batches, int workers) {
      List<DataSet> sets = new ArrayList<>(batches.size());
      for (Batch b : batches) sets.add(new DataSet(b.data().getFeatures(0), b.data().getLabels(0)));
      JavaRDD<DataSet> rdd = sc.parallelize(sets, workers);
      try {
        spark.fit(rdd);
      } finally {
        rdd.unpersist(false); // DL4J's master persists the RDD it is given and leaves it so
      }
    }

    @Override
    public double score() {
      return spark.getScore();
    }
  }

  private static final class GraphPeer implements Peer {
    private final ComputationGraph net;
    private SparkComputationGraph spark;

    GraphPeer(ComputationGraphConfiguration graph, INDArray params) {
      net = new ComputationGraph(new CountedGraphConfiguration(graph.clone()));
      net.init(params.dup(), false);
    }

    private ComputationGraph current() {
      return spark == null ? net : spark.getNetwork();
    }

    @Override
    public Model network() {
      return current();
    }

    @Override
    public INDArray updaterState() {
      return current().getUpdater().getStateViewArray();
    }

    @Override
    public void restoreUpdaterState(INDArray state) {
      net.getUpdater().setStateViewArray(state);
    }

    @Override
    public int iterationCount() {
      return current().getIterationCount();
    }

    @Override
    public int epochCount() {
      return current().getEpochCount();
    }

    @Override
    public void setCounts(int iteration, int epoch) {
      // a ComputationGraph keeps its counts in its configuration, which the master broadcasts
      net.getConfiguration().setIterationCount(iteration);
      net.getConfiguration().setEpochCount(epoch);
    }

    @Override
    public void connect(JavaSparkContext sc, ParameterAveragingTrainingMaster master) {
      spark = new SparkComputationGraph(sc, net, master);
    }

    @Override
    public void fit(JavaSparkContext sc, List<Batch> batches, int workers) {
      List<MultiDataSet> sets = new ArrayList<>(batches.size());
      for (Batch b : batches)
        sets.add(
            new org.nd4j.linalg.dataset.MultiDataSet(b.data().getFeatures(), b.data().getLabels()));
      JavaRDD<MultiDataSet> rdd = sc.parallelize(sets, workers);
      try {
        spark.fitMultiDataSet(rdd);
      } finally {
        rdd.unpersist(false); // as for a MultiLayerNetwork: the master leaves the RDD persisted
      }
    }

    @Override
    public double score() {
      return spark.getScore();
    }
  }

  /**
   * A ComputationGraph configuration whose copies keep DL4J's iteration and epoch counts. DL4J's
   * master broadcasts the driver's configuration, with the counts it advances after each round, and
   * every worker builds its network from a {@code clone()} of it. {@code
   * ComputationGraphConfiguration.clone()} (1.0.0-M2.1) starts from a new configuration and copies
   * neither count, where {@code MultiLayerConfiguration.clone()} copies both: with stock DL4J the
   * workers of a graph start every round at iteration 0, so a learning-rate schedule over
   * iterations and Adam's bias corrections start over each round (docs/PEERS.md). The peer keeps
   * the counts, so that a graph trains under the rules DL4J applies to a MultiLayerNetwork.
   */
  static final class CountedGraphConfiguration extends ComputationGraphConfiguration {
    private static final long serialVersionUID = 1L;

    /** A configuration with every setting of {@code from} (its collections shared, not copied). */
    CountedGraphConfiguration(ComputationGraphConfiguration from) {
      vertices = from.getVertices();
      vertexInputs = from.getVertexInputs();
      trainingWorkspaceMode = from.getTrainingWorkspaceMode();
      inferenceWorkspaceMode = from.getInferenceWorkspaceMode();
      cacheMode = from.getCacheMode();
      dataType = from.getDataType();
      validateOutputLayerConfig = from.isValidateOutputLayerConfig();
      networkInputs = from.getNetworkInputs();
      networkOutputs = from.getNetworkOutputs();
      backpropType = from.getBackpropType();
      tbpttFwdLength = from.getTbpttFwdLength();
      tbpttBackLength = from.getTbpttBackLength();
      defaultConfiguration = from.getDefaultConfiguration();
      iterationCount = from.getIterationCount();
      epochCount = from.getEpochCount();
      topologicalOrder = from.getTopologicalOrder();
      topologicalOrderStr = from.getTopologicalOrderStr();
    }

    @Override
    public ComputationGraphConfiguration clone() {
      ComputationGraphConfiguration c = super.clone();
      c.setIterationCount(iterationCount);
      c.setEpochCount(epochCount);
      return c;
    }
  }
}
