package org.optimbench.jobs.train.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.collective.BarrierRunner;
import org.optimbench.jobs.collective.CollectiveOptions;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.train.Example;
import org.optimbench.jobs.train.LocalData;
import org.optimbench.jobs.train.Mode;
import org.optimbench.jobs.train.WorkerLoop;
import org.optimbench.jobs.workload.Classifier;
import org.optimbench.optim.HashExampleStore;
import org.optimbench.optim.spec.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.schedule.Schedule;

/**
 * {@code scripts/bench-train}: training throughput (samples/s) of the MLP and logistic-regression
 * workloads in a single process, on Spark local[1] and on local[2], gradient sharing and parameter
 * averaging, side by side in one run, with the same per-worker batch. Prints the scaling
 * efficiency local[2] / (2 x local[1]) and each mode's overhead against the single process.
 * Synthetic data (Gaussian features, labels from a random linear map), float32, Prodigy.
 */
public final class BenchTrain {
  private static final int WARMUP = 20;

  record Workload(String name, int features, List<Integer> hidden, int classes, int batch, int steps) implements java.io.Serializable {}

  public static void main(String[] args) throws Exception {
    List<Workload> workloads = List.of(
        new Workload("mlp 784-256-10, batch 128/worker", 784, List.of(256), 10, 128, 200),
        new Workload("logreg 784x10, batch 512/worker", 784, List.of(), 10, 512, 200));
    Spec spec = Spec.of("prodigy");
    System.out.printf(Locale.ROOT, "%d cores; samples/s (steps after %d warm-up), float32, %s%n", Runtime.getRuntime().availableProcessors(), WARMUP, spec.toJson());
    for (Workload w : workloads) {
      List<Example> data = synthetic(w, 8192);
      single(w, data, spec); // JIT warm-up of the whole step path; the single process is timed last
      double[] results = new double[4];
      String[] labels = {"local[1] gradient_sharing", "local[2] gradient_sharing", "local[1] param_averaging(k=4)", "local[2] param_averaging(k=4)"};
      int i = 0;
      for (Mode mode : new Mode[] {Mode.GRADIENT_SHARING, Mode.PARAM_AVERAGING}) {
        for (int workers : new int[] {1, 2}) results[i++] = spark(w, data, spec, mode, workers);
      }
      double single = single(w, data, spec);
      System.out.printf(Locale.ROOT, "%n== %s ==%n%-32s %12.0f samples/s%n", w.name(), "single process", single);
      for (int k = 0; k < 4; k++) System.out.printf(Locale.ROOT, "%-32s %12.0f samples/s  (%.2fx single)%n", labels[k], results[k], results[k] / single);
      System.out.printf(Locale.ROOT, "scaling efficiency local[2]/(2 x local[1]): gradient_sharing %.2f, param_averaging %.2f%n",
          results[1] / (2 * results[0]), results[3] / (2 * results[2]));
    }
    System.exit(0); // Spark's barrier timer threads are not daemons
  }

  static List<Example> synthetic(Workload w, int n) {
    Random r = new Random(3);
    double[][] proj = new double[w.classes()][w.features()];
    for (double[] row : proj) for (int j = 0; j < row.length; j++) row[j] = r.nextGaussian();
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] idx = new int[w.features()];
      double[] val = new double[w.features()];
      for (int j = 0; j < idx.length; j++) {
        idx[j] = j;
        val[j] = r.nextGaussian();
      }
      int best = 0;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < w.classes(); c++) {
        double s = 0;
        for (int j = 0; j < idx.length; j++) s += proj[c][j] * val[j];
        if (s > bestScore) {
          bestScore = s;
          best = c;
        }
      }
      out.add(new Example(i, best, idx, val, false));
    }
    return out;
  }

  /** Runs `steps` steps of one worker; returns samples/s of this worker after warm-up. */
  static double loop(Workload w, List<Example> rows, Spec spec, Mode mode, AllReduce comm, int rank) {
    Classifier workload = new Classifier(w.features(), w.hidden(), w.classes(), Activation.RELU);
    NetworkModel model = workload.build(DataType.FLOAT, 1);
    LocalData data = new LocalData(rows, workload, DataType.FLOAT, 1, rank);
    WorkerLoop loop = new WorkerLoop(model, OptimizerRegistry.create(spec), null, Schedule.CONSTANT, comm, new HashExampleStore(), mode, 4);
    long t0 = 0;
    for (int t = 0; t < WARMUP + w.steps(); t++) {
      if (t == WARMUP) {
        Nd4j.getExecutioner().commit();
        t0 = System.nanoTime();
      }
      loop.step(t, data.batchAt(t, w.batch()), null);
    }
    Nd4j.getExecutioner().commit();
    return w.steps() * (double) w.batch() / ((System.nanoTime() - t0) / 1e9);
  }

  static double single(Workload w, List<Example> data, Spec spec) {
    return loop(w, data, spec, Mode.SINGLE, AllReduce.single(), 0);
  }

  static double spark(Workload w, List<Example> data, Spec spec, Mode mode, int workers) {
    try (SparkSession s = SparkSession.builder().master("local[" + workers + "]").appName("bench-train")
        .config("spark.ui.enabled", "false").getOrCreate()) {
      s.sparkContext().setLogLevel("ERROR");
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(s.sparkContext());
      String json = spec.toJson(); // specs travel to the tasks as JSON
      ArrayList<Example> rows = new ArrayList<>(data);
      List<Double> perWorker = BarrierRunner.run(sc, workers, CollectiveOptions.defaults(), ctx -> {
        List<Example> mine = new ArrayList<>();
        for (int i = ctx.rank(); i < rows.size(); i += ctx.size()) mine.add(rows.get(i));
        return loop(w, mine, Spec.parse(json, "optimizer"), mode, ctx.allReduce(), ctx.rank());
      });
      return perWorker.stream().mapToDouble(Double::doubleValue).sum();
    }
  }

  private BenchTrain() {}
}
