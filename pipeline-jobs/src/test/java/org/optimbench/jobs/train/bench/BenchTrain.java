package org.optimbench.jobs.train.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.collective.BarrierRunner;
import org.optimbench.jobs.collective.CollectiveOptions;
import org.optimbench.jobs.compare.Stats;
import org.optimbench.jobs.conf.Mode;
import org.optimbench.jobs.model.NativeSetup;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.train.MemoryData;
import org.optimbench.jobs.train.WorkerLoop;
import org.optimbench.jobs.workload.Example;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.jobs.workload.classifier.Classifier;
import org.optimbench.jobs.workload.dlrm.Dlrm;
import org.optimbench.jobs.workload.gpt.GptWorkload;
import org.optimbench.optim.HashExampleStore;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.schedule.Schedule;
import org.optimbench.optim.spec.Spec;

/**
 * {@code scripts/bench-train [mlp] [logreg] [gpt] [dlrm] [logreg-large] [mlp-large] [dlrm-large]}:
 * training throughput of the MLP, logistic-regression and DLRM workloads (samples/s) and of the GPT
 * workload (tokens/s) in a single process, on Spark local[1] and on local[2], gradient sharing and
 * parameter averaging, side by side in one run, with the same per-worker batch. Prints the scaling
 * efficiency local[2] / (2 x local[1]) and each mode's overhead against the single process.
 * Synthetic data (classifiers: Gaussian features, labels from a random linear map; GPT: uniform
 * random GPT-2 token ids, which cost the same as text; DLRM: power-law categorical ids, log1p dense
 * features), float32, Prodigy. No argument: the first four; the -large cases (8x the per-worker
 * batch; DLRM's is dlrm-cluster.yaml's 1024) only when named. Each Spark configuration also reports
 * the share of its step time spent inside collective calls (transfer plus waiting).
 *
 * <p>Throughput is the steady state: each configuration warms up for seconds, not a few steps (the
 * fast cases for 500 steps) and times thousands, and every configuration is measured once per round
 * over {@code -Dbench.rounds} rounds (3), efficiencies taken within a round and reported as the
 * median and range. With a few hundred steps the JIT compiler is still busy in the timed window and
 * takes its slices from a worker: two workers in lockstep then both wait, and the efficiency
 * measures the JIT rather than the engine (BENCHMARKS.md, "Measurements behind code choices").
 * {@code -Dbench.warmup=N} and {@code -Dbench.steps=M} override the counts for every case. Several
 * cases in one JVM disturb each other (the later ones run among the garbage of the earlier): name
 * one case per run.
 */
public final class BenchTrain {
  /** The case names {@code scripts/bench-train} accepts, in the order they run. */
  public static final List<String> CASES =
      List.of("mlp", "logreg", "logreg-large", "mlp-large", "gpt", "dlrm", "dlrm-large");

  /**
   * The cases the arguments name (none: the first four of the class comment). Runs nothing, so
   * {@code BenchmarksDocTest} can check the commands of BENCHMARKS.md.
   *
   * @throws IllegalArgumentException naming an argument that is not a case
   */
  public static List<String> checkArgs(String[] args) {
    for (String a : args)
      if (!CASES.contains(a))
        throw new IllegalArgumentException(
            "unknown case '" + a + "' (known: " + String.join(", ", CASES) + ")");
    return List.of(args);
  }

  /**
   * One benchmarked workload: its rows, per-worker batch, warm-up and timed steps, and the unit
   * reported (samples, or tokens = examples x {@code unitsPerExample}).
   */
  record Case(
      String name,
      Workload workload,
      List<Example> rows,
      int batch,
      int warmup,
      int steps,
      String unit,
      int unitsPerExample)
      implements java.io.Serializable {
    /** This case with {@code -Dbench.warmup} and {@code -Dbench.steps} applied where set. */
    Case withOverrides() {
      return new Case(
          name,
          workload,
          rows,
          batch,
          Integer.getInteger("bench.warmup", warmup),
          Integer.getInteger("bench.steps", steps),
          unit,
          unitsPerExample);
    }

    /** This case with other warm-up and timed step counts. */
    Case withSteps(int warmupSteps, int timedSteps) {
      return new Case(name, workload, rows, batch, warmupSteps, timedSteps, unit, unitsPerExample);
    }
  }

  static Case classifier(
      String name,
      int features,
      List<Integer> hidden,
      int classes,
      int batch,
      int warmup,
      int steps) {
    Classifier c = new Classifier(features, hidden, classes, Activation.RELU);
    return new Case(
        name, c, synthetic(features, classes, 8192), batch, warmup, steps, "samples", 1);
  }

  /** The gpt-laptop.yaml model: 3.3M parameters, 8 blocks of 64 tokens per worker and step. */
  static Case gpt() {
    GptWorkload g = new GptWorkload(50257, 64, 64, 4, 2, 4);
    Random r = new Random(3);
    List<Example> rows = new ArrayList<>();
    for (int i = 0; i < 512; i++)
      rows.add(new Example(i, 0, r.ints(65, 0, 50257).toArray(), new double[0], false));
    return new Case(
        "gpt seq 64, d 64, 4 heads, 2 layers, vocab 50257 (3.3M params), batch 8 blocks/worker",
        g,
        rows,
        8,
        5,
        30,
        "tokens",
        64);
  }

  /**
   * The dlrm-laptop.yaml model: 26 tables of 10k x 16 (hash range 10k), bottom 64-16, top 64-1,
   * 4.2M parameters (99% embeddings, dense gradients), batch 128 rows per worker; clicks ~25%.
   */
  static Case dlrm() {
    return dlrm(128, 50, 200);
  }

  /** The same model at {@code batch} rows per worker (dlrm-cluster.yaml uses 1024). */
  static Case dlrm(int batch, int warmup, int steps) {
    Dlrm d =
        new Dlrm(
            13, java.util.Collections.nCopies(26, 10_000), 16, List.of(64, 16), List.of(64, 1), 0);
    Random r = new Random(3);
    List<Example> rows = new ArrayList<>();
    for (int i = 0; i < 8192; i++) {
      int[] cats = new int[26];
      for (int k = 0; k < cats.length; k++)
        cats[k] =
            (int)
                Math.min(
                    9_999,
                    Math.floor(Math.exp(r.nextDouble() * Math.log(10_000)))); // power-law ids
      double[] dense = new double[13];
      for (int k = 0; k < dense.length; k++) dense[k] = Math.log1p(Math.abs(r.nextGaussian()) * 10);
      rows.add(new Example(i, r.nextDouble() < 0.25 ? 1 : 0, cats, dense, false));
    }
    return new Case(
        "dlrm 26 x 10k x 16 tables, bottom 64-16, top 64-1 (4.2M params), batch "
            + batch
            + "/worker",
        d,
        rows,
        batch,
        warmup,
        steps,
        "samples",
        1);
  }

  public static void main(String[] args) throws Exception {
    NativeSetup.install(); // as Train: before ND4J loads
    List<String> only;
    try {
      only = checkArgs(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench-train: " + e.getMessage());
      System.exit(2);
      return;
    }
    List<Case> cases = new ArrayList<>();
    if (only.isEmpty() || only.contains("mlp"))
      cases.add(
          classifier("mlp 784-256-10, batch 128/worker", 784, List.of(256), 10, 128, 300, 1200));
    if (only.isEmpty() || only.contains("logreg"))
      cases.add(classifier("logreg 784x10, batch 512/worker", 784, List.of(), 10, 512, 500, 2000));
    if (only.contains("logreg-large"))
      cases.add(classifier("logreg 784x10, batch 4096/worker", 784, List.of(), 10, 4096, 100, 400));
    if (only.contains("mlp-large"))
      cases.add(
          classifier("mlp 784-256-10, batch 1024/worker", 784, List.of(256), 10, 1024, 100, 400));
    if (only.isEmpty() || only.contains("gpt")) cases.add(gpt());
    if (only.isEmpty() || only.contains("dlrm")) cases.add(dlrm());
    if (only.contains("dlrm-large")) cases.add(dlrm(1024, 20, 80));
    Spec spec = Spec.of("prodigy");
    System.out.printf(
        Locale.ROOT,
        "%d cores; throughput after warm-up steps, float32, %s%n",
        Runtime.getRuntime().availableProcessors(),
        spec.toJson());
    int rounds = Integer.getInteger("bench.rounds", 3);
    String[] labels = {
      "local[1] gradient_sharing",
      "local[2] gradient_sharing",
      "local[1] param_averaging(k=4)",
      "local[2] param_averaging(k=4)"
    };
    for (Case c : cases) {
      Case w = c.withOverrides();
      boolean dlrm = w.workload() instanceof Dlrm;
      single(w, spec); // JIT warm-up of the whole step path
      // Every configuration once per round, rounds one after another, so slow phases of the shared
      // host hit all configurations alike; efficiencies are taken within a round.
      double[][] rate = new double[4][rounds];
      double[][] comm = new double[4][rounds];
      double[][] dense = new double[2][rounds];
      double[] alone = new double[rounds];
      double[] pair = new double[rounds];
      double[] single = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        int i = 0;
        for (Mode mode : new Mode[] {Mode.GRADIENT_SHARING, Mode.PARAM_AVERAGING}) {
          for (int workers : new int[] {1, 2}) {
            double[] m = spark(w, spec, mode, workers, true);
            rate[i][r] = m[0];
            comm[i++][r] = m[1];
          }
        }
        if (dlrm) { // the same gradient sharing with the embedding tables summed dense
          // (embedding_exchange: dense)
          double[] m = spark(w, spec, Mode.GRADIENT_SHARING, 2, false);
          dense[0][r] = m[0];
          dense[1][r] = m[1];
        }
        alone[r] = independent(w, spec, 1);
        pair[r] = independent(w, spec, 2);
        single[r] = single(w, spec);
      }
      double s1 = Stats.median(single);
      System.out.printf(
          Locale.ROOT,
          "%n== %s (%d warm-up + %d timed steps per measurement, %d rounds; medians [min-max]) ==%n%-40s %s %s/s%n",
          w.name(),
          w.warmup(),
          w.steps(),
          rounds,
          "single process",
          spread(single, "%.0f"),
          w.unit());
      for (int k = 0; k < 4; k++) {
        System.out.printf(
            Locale.ROOT,
            "%-40s %s %s/s  (%.2fx single; %.0f%% of the step in collective calls)%n",
            labels[k],
            spread(rate[k], "%.0f"),
            w.unit(),
            Stats.median(rate[k]) / s1,
            100 * Stats.median(comm[k]));
      }
      if (dlrm) {
        System.out.printf(
            Locale.ROOT,
            "%-40s %s %s/s  (%.2fx single; %.0f%% in collective calls)%n",
            "local[2] gradient_sharing, dense tables",
            spread(dense[0], "%.0f"),
            w.unit(),
            Stats.median(dense[0]) / s1,
            100 * Stats.median(dense[1]));
      }
      System.out.printf(
          Locale.ROOT,
          "scaling efficiency local[2]/(2 x local[1]), per round: gradient_sharing %s, param_averaging %s%s%n",
          spread(efficiency(rate[1], rate[0]), "%.2f"),
          spread(efficiency(rate[3], rate[2]), "%.2f"),
          dlrm
              ? ", gradient_sharing with dense tables "
                  + spread(efficiency(dense[0], rate[0]), "%.2f")
              : "");
      System.out.printf(
          Locale.ROOT,
          "this host's ceiling, per round: 2 independent single-process workers in 2 threads (no Spark, no communication) vs 2 x 1 alone: %s (%.0f vs %.0f %s/s)%n",
          spread(efficiency(pair, alone), "%.2f"),
          Stats.median(pair),
          Stats.median(alone),
          w.unit());
    }
    System.exit(0); // Spark's barrier timer threads are not daemons
  }

  /** Scaling efficiency a[r] / (2 b[r]) of each round r. */
  static double[] efficiency(double[] a, double[] b) {
    double[] out = new double[a.length];
    for (int r = 0; r < a.length; r++) out[r] = a[r] / (2 * b[r]);
    return out;
  }

  /** "median [min-max]" in the given format. */
  static String spread(double[] v, String fmt) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return String.format(
        Locale.ROOT, fmt + " [" + fmt + "-" + fmt + "]", Stats.median(v), s[0], s[s.length - 1]);
  }

  static List<Example> synthetic(int features, int classes, int n) {
    Random r = new Random(3);
    double[][] proj = new double[classes][features];
    for (double[] row : proj) for (int j = 0; j < row.length; j++) row[j] = r.nextGaussian();
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] idx = new int[features];
      double[] val = new double[features];
      for (int j = 0; j < idx.length; j++) {
        idx[j] = j;
        val[j] = r.nextGaussian();
      }
      int best = 0;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
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

  /**
   * Runs warm-up plus `steps` steps of one worker; returns its units/s over the timed steps and the
   * fraction of that time spent inside collective calls (transfer plus waiting for the other
   * worker).
   */
  static double[] loop(
      Case w,
      List<Example> rows,
      Spec spec,
      Mode mode,
      AllReduce comm,
      int rank,
      boolean sparseEmbeddings) {
    NetworkModel model = w.workload().build(DataType.FLOAT, 1);
    MemoryData data = new MemoryData(w.workload(), DataType.FLOAT, rows, List.of(), 1 + rank);
    TimedAllReduce timed = new TimedAllReduce(comm);
    WorkerLoop loop =
        new WorkerLoop(
            model,
            OptimizerRegistry.create(spec),
            null,
            Schedule.CONSTANT,
            timed,
            new HashExampleStore(),
            mode,
            4,
            sparseEmbeddings);
    long t0 = 0;
    for (int t = 0; t < w.warmup() + w.steps(); t++) {
      if (t == w.warmup()) {
        Nd4j.getExecutioner().commit();
        t0 = System.nanoTime();
        timed.nanos = 0;
      }
      loop.step(t, data.batchAt(t, w.batch()), null);
    }
    Nd4j.getExecutioner().commit();
    long elapsed = System.nanoTime() - t0;
    return new double[] {
      w.steps() * (double) w.batch() * w.unitsPerExample() / (elapsed / 1e9),
      timed.nanos / (double) elapsed
    };
  }

  static double single(Case w, Spec spec) {
    return loop(w, w.rows(), spec, Mode.SINGLE, AllReduce.single(), 0, true)[0];
  }

  /**
   * {@code threads} single-process workers running at once in this JVM, each on its share of the
   * rows, with no communication at all: their total units/s. Against one worker alone this is the
   * best efficiency the host allows (cores, memory bandwidth, GC and JIT threads shared).
   */
  static double independent(Case w, Spec spec, int threads) throws InterruptedException {
    double[] rate = new double[threads];
    Thread[] ts = new Thread[threads];
    for (int k = 0; k < threads; k++) {
      int rank = k;
      List<Example> mine = new ArrayList<>();
      for (int i = rank; i < w.rows().size(); i += threads) mine.add(w.rows().get(i));
      ts[k] =
          new Thread(
              () -> {
                rate[rank] = loop(w, mine, spec, Mode.SINGLE, AllReduce.single(), rank, true)[0];
                Nd4j.getWorkspaceManager()
                    .destroyAllWorkspacesForCurrentThread(); // as a barrier task does
              });
      ts[k].start();
    }
    double total = 0;
    for (int k = 0; k < threads; k++) {
      ts[k].join();
      total += rate[k];
    }
    return total;
  }

  /** Total units/s over the workers and their mean fraction of time in collective calls. */
  static double[] spark(Case w, Spec spec, Mode mode, int workers, boolean sparseEmbeddings) {
    try (SparkSession s =
        SparkSession.builder()
            .master("local[" + workers + "]")
            .appName("bench-train")
            .config("spark.ui.enabled", "false")
            .getOrCreate()) {
      s.sparkContext().setLogLevel("ERROR");
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(s.sparkContext());
      String json = spec.toJson(); // specs travel to the tasks as JSON
      List<double[]> perWorker =
          BarrierRunner.run(
              sc,
              workers,
              CollectiveOptions.defaults(),
              ctx -> {
                List<Example> mine = new ArrayList<>();
                for (int i = ctx.rank(); i < w.rows().size(); i += ctx.size())
                  mine.add(w.rows().get(i));
                return loop(
                    w,
                    mine,
                    Spec.parse(json, "optimizer"),
                    mode,
                    ctx.allReduce(),
                    ctx.rank(),
                    sparseEmbeddings);
              });
      return new double[] {
        perWorker.stream().mapToDouble(r -> r[0]).sum(),
        perWorker.stream().mapToDouble(r -> r[1]).average().orElse(0)
      };
    }
  }

  /** An all-reduce that counts the nanoseconds its caller spends inside it. */
  static final class TimedAllReduce implements AllReduce {
    private final AllReduce inner;
    long nanos;

    TimedAllReduce(AllReduce inner) {
      this.inner = inner;
    }

    @Override
    public void sumInPlace(INDArray flat) {
      long t = System.nanoTime();
      inner.sumInPlace(flat);
      nanos += System.nanoTime() - t;
    }

    @Override
    public double[] sumInPlace(double[] scalars) {
      long t = System.nanoTime();
      double[] r = inner.sumInPlace(scalars);
      nanos += System.nanoTime() - t;
      return r;
    }

    @Override
    public double[] sumInPlace(INDArray flat, double[] scalars) {
      long t = System.nanoTime();
      double[] r = inner.sumInPlace(flat, scalars);
      nanos += System.nanoTime() - t;
      return r;
    }

    @Override
    public void allGatherInPlace(INDArray flat, long[] bounds) {
      long t = System.nanoTime();
      inner.allGatherInPlace(flat, bounds);
      nanos += System.nanoTime() - t;
    }

    @Override
    public int rank() {
      return inner.rank();
    }

    @Override
    public int size() {
      return inner.size();
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  private BenchTrain() {}
}
