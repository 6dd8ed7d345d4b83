package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.collective.CollectiveOptions;
import org.optimbench.jobs.collective.LoopbackRing;
import org.optimbench.jobs.conf.Mode;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.workload.classifier.Classifier;
import org.optimbench.optim.HashExampleStore;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.schedule.Schedule;
import org.optimbench.optim.spec.Spec;

/**
 * The data-parallel modes against the single-process baseline, for every optimizer of the library:
 * N workers with batch b per worker must follow the same trajectory as one worker with batch N*b
 * (gradient sharing); and parameter averaging every step with plain SGD must too (the DL4J
 * acceptance test for parameter averaging). Workers are threads joined by the loopback ring.
 */
class DataParallelEquivalenceTest {
  private static final int D = 5;
  private static final int CLASSES = 3;
  private static final int N = 96;
  private static final int PER_WORKER = 6;
  private static final int WORKERS = 2;
  private static final int STEPS = 8;
  private static final double[][] X = new double[N][D];
  private static final int[] Y = new int[N];
  private static final ExecutorService POOL = Executors.newFixedThreadPool(WORKERS);

  static {
    Random r = new Random(11);
    for (int i = 0; i < N; i++) {
      for (int j = 0; j < D; j++) X[i][j] = r.nextGaussian();
      Y[i] = (int) Math.floorMod(Math.round(X[i][0] * 2 + X[i][1]), CLASSES);
    }
  }

  @AfterAll
  static void shutdown() {
    POOL.shutdownNow();
  }

  /** Specs for the optimizers that need more than their defaults (wrappers, required hparams). */
  private static Spec specFor(String name) {
    return switch (name) {
      case "mechanic" -> Spec.of("mechanic", "base", Spec.of("adam", "lr", 0.01));
      case "clip" -> Spec.of("clip", "max_norm", 0.05, "base", Spec.of("adam", "lr", 0.01));
      case "graft" ->
          Spec.of(
              "graft",
              "magnitude",
              Spec.of("adam", "lr", 0.01),
              "direction",
              Spec.of("sgd", "lr", 0.1));
      case "layer_scaled" ->
          Spec.of(
              "layer_scaled",
              "base",
              Spec.of("sgd", "lr", 0.1),
              "multipliers",
              Map.of("0_W", 0.5, "1_W", 2.0));
      case "spa" -> Spec.of("spa", "lr", 0.5, "momentum", 0.9);
      case "sgd" -> Spec.of("sgd", "lr", 0.1, "momentum", 0.9);
      case "sgd_hd" -> Spec.of("sgd_hd", "lr", 0.1, "hypergrad_lr", 1e-3);
      case "marthe", "rtho" -> Spec.of(name, "lr", 0.1, "hyper_lr", 1e-3);
      default -> Spec.of(name);
    };
  }

  /**
   * Every registered optimizer but {@code row_sparse}, which needs embedding tables this MLP does
   * not have: DlrmDataParallelTest holds it to the same equivalence on DLRM.
   */
  static Stream<String> optimizers() {
    return OptimizerRegistry.entries().keySet().stream().filter(n -> !n.equals("row_sparse"));
  }

  /**
   * Rows of step t for worker w of `workers` (the single worker's batch is the workers' batches
   * concatenated).
   */
  private static Batch batch(int t, int worker, int workers, int perWorker, int offset) {
    int rows = perWorker * (WORKERS / workers);
    return rows((offset + t * PER_WORKER * WORKERS + worker * rows) % N, rows);
  }

  /** Rows {@code [start, start + rows)} of the data, wrapping around. */
  private static Batch rows(int start, int rows) {
    INDArray x = Nd4j.zeros(DataType.DOUBLE, rows, D);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, rows, CLASSES);
    long[] ids = new long[rows];
    for (int i = 0; i < rows; i++) {
      int k = (start + i) % N;
      for (int j = 0; j < D; j++) x.putScalar(i, j, X[k][j]);
      y.putScalar(i, Y[k], 1.0);
      ids[i] = k;
    }
    return new Batch(new MultiDataSet(x, y), ids);
  }

  private static double[] run(Spec spec, Mode mode, int workers, int averagingFrequency)
      throws Exception {
    return run(
        spec,
        mode,
        workers,
        averagingFrequency,
        (t, worker) -> List.of(batch(t, worker, workers, PER_WORKER, 0)),
        (t, worker) -> batch(t, worker, workers, PER_WORKER, 48));
  }

  /** Step t's micro-batches (or validation batch) of one worker. */
  private interface Rows<T> {
    T of(int t, int worker);
  }

  private static double[] run(
      Spec spec,
      Mode mode,
      int workers,
      int averagingFrequency,
      Rows<List<Batch>> micro,
      Rows<Batch> validation)
      throws Exception {
    List<AllReduce> comms =
        workers == 1
            ? List.of(AllReduce.single())
            : LoopbackRing.open(workers, CollectiveOptions.defaults());
    List<Future<double[]>> futures = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      int worker = w;
      futures.add(
          POOL.submit(
              () -> {
                NetworkModel model =
                    new Classifier(D, List.of(4), CLASSES, Activation.TANH)
                        .build(DataType.DOUBLE, 5);
                Optimizer opt = OptimizerRegistry.create(spec);
                WorkerLoop loop =
                    new WorkerLoop(
                        model,
                        opt,
                        null,
                        Schedule.CONSTANT,
                        comms.get(worker),
                        new HashExampleStore(),
                        mode,
                        averagingFrequency);
                for (int t = 0; t < STEPS; t++) {
                  int step = t;
                  loop.step(t, micro.of(t, worker), () -> validation.of(step, worker));
                }
                return opt.evalParams(model.view(), loop.state()).toDoubleVector();
              }));
    }
    double[] first = null;
    for (Future<double[]> f : futures) {
      double[] p = f.get();
      if (first == null) first = p;
      else
        for (int i = 0; i < p.length; i++)
          assertEquals(first[i], p[i], 0.0, "replicas differ at parameter " + i);
    }
    for (AllReduce c : comms) c.close();
    return first;
  }

  private static void assertClose(String what, double[] expected, double[] actual) {
    double scale = 0;
    for (double v : expected) scale = Math.max(scale, Math.abs(v));
    for (int i = 0; i < expected.length; i++) {
      double tol = 1e-8 * Math.abs(expected[i]) + 1e-10 * scale;
      if (!(Math.abs(expected[i] - actual[i]) <= tol))
        fail(what + ": parameter " + i + " is " + actual[i] + ", expected " + expected[i]);
    }
  }

  @ParameterizedTest
  @MethodSource("optimizers")
  void gradientSharingOnTwoWorkersEqualsOneWorkerWithTheirCombinedBatch(String name)
      throws Exception {
    Spec spec = specFor(name);
    double[] single = run(spec, Mode.SINGLE, 1, 1);
    double[] shared = run(spec, Mode.GRADIENT_SHARING, WORKERS, 1);
    assertClose(name, single, shared);
    double moved = 0;
    double[] init =
        new Classifier(D, List.of(4), CLASSES, Activation.TANH)
            .build(DataType.DOUBLE, 5)
            .view()
            .params()
            .toDoubleVector();
    for (int i = 0; i < init.length; i++) moved = Math.max(moved, Math.abs(single[i] - init[i]));
    assertTrue(moved > 0, name + " did not move the parameters");
  }

  /**
   * accumulation_steps: 2 workers, each summing 3 micro-batches of 2 rows per step, follow one
   * worker stepping on the 12 rows at once; every optimizer, validation batches alike.
   */
  @ParameterizedTest
  @MethodSource("optimizers")
  void twoWorkersAccumulatingMicroBatchesEqualOneWorkerWithTheWholeBatch(String name)
      throws Exception {
    int k = 3;
    int b = 2;
    int global = WORKERS * k * b;
    Spec spec = specFor(name);
    double[] single =
        run(
            spec,
            Mode.SINGLE,
            1,
            1,
            (t, worker) -> List.of(rows(t * global % N, global)),
            (t, worker) -> rows((48 + t * global) % N, global));
    double[] accumulated =
        run(
            spec,
            Mode.GRADIENT_SHARING,
            WORKERS,
            1,
            (t, worker) -> {
              List<Batch> micro = new ArrayList<>();
              for (int j = 0; j < k; j++)
                micro.add(rows((t * global + (worker * k + j) * b) % N, b));
              return micro;
            },
            (t, worker) -> rows((48 + t * global + worker * k * b) % N, k * b));
    assertClose(name, single, accumulated);
  }

  @Test
  void parameterAveragingEveryStepWithSgdEqualsTheCombinedBatch() throws Exception {
    Spec spec = Spec.of("sgd", "lr", 0.5);
    assertClose("sgd", run(spec, Mode.SINGLE, 1, 1), run(spec, Mode.PARAM_AVERAGING, WORKERS, 1));
  }

  @Test
  void parameterAveragingKeepsReplicasIdenticalForLearningRateFreeMethods() throws Exception {
    // run() asserts bit-identical replicas after the last averaging round (STEPS is a multiple of
    // 4).
    for (String name : List.of("prodigy", "dadapt_adam", "dadapt_sgd", "mechanic", "momo")) {
      run(specFor(name), Mode.PARAM_AVERAGING, WORKERS, 4);
    }
  }
}
