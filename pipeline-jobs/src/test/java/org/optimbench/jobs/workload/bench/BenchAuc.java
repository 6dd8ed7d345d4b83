package org.optimbench.jobs.workload.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.collective.CollectiveOptions;
import org.optimbench.jobs.collective.LoopbackRing;
import org.optimbench.jobs.data.RowChunk;
import org.optimbench.jobs.data.SplitIndex;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.workload.BroadcastModel;
import org.optimbench.jobs.workload.InMemory;
import org.optimbench.jobs.workload.Metrics;
import org.optimbench.jobs.workload.PreparedData;
import org.optimbench.jobs.workload.SparkAuc;
import org.optimbench.jobs.workload.ValidationRows;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.jobs.workload.registry.Workloads;

/**
 * The exact AUC at scale (BENCHMARKS.md, "Exact AUC at scale"):
 *
 * <ol>
 *   <li>in training, between W loopback workers: gathering every (score, label) pair (the former
 *       evaluation: {@link Metrics#allGather} twice, then {@link Metrics#exactAuc(double[],
 *       double[])}) against {@link Metrics#exactAuc(AllReduce, double[], double[])} (minority
 *       scores only), on N validation rows at a 3.3% positive rate (Criteo 1TB's); bytes every
 *       worker ends up holding, bytes each sends through the ring, and the time of one evaluation's
 *       AUC;
 *   <li>{@link SparkAuc#exactAuc} over a Parquet split of 1M (score, label) rows, against the exact
 *       AUC of the same rows on the driver;
 *   <li>the DLRM evaluation after training ({@code eval.final: spark}) over a data-prep Criteo
 *       validation split (scoring with a freshly initialized laptop-size network included), after
 *       the in-training evaluation of 100k of its rows in one thread for the cost per row.
 * </ol>
 *
 * Run: java -cp ... org.optimbench.jobs.workload.bench.BenchAuc [CRITEO_PREP_DIR [MASTER]]
 * (CRITEO_PREP_DIR: data-prep's criteo output whose valid split to evaluate; default
 * work/bench/criteo-auc; MASTER default local[2]).
 */
public final class BenchAuc {
  private static final double POSITIVE_RATE = 0.033;
  private static final int REPS = 5;

  /**
   * The data-prep Criteo directory and the Spark master the arguments name, with their defaults.
   * Runs nothing, so {@code BenchmarksDocTest} can check the commands of BENCHMARKS.md.
   *
   * @throws IllegalArgumentException for more than two arguments, or an option (it takes none)
   */
  public static String[] checkArgs(String[] args) {
    if (args.length > 2)
      throw new IllegalArgumentException(
          "expected at most CRITEO_PREP_DIR and MASTER, got " + args.length + " arguments");
    for (String a : args)
      if (a.startsWith("-"))
        throw new IllegalArgumentException(
            "unknown option '" + a + "' (arguments: [CRITEO_PREP_DIR [MASTER]])");
    return new String[] {
      args.length > 0 ? args[0] : "work/bench/criteo-auc", args.length > 1 ? args[1] : "local[2]"
    };
  }

  public static void main(String[] args) throws Exception {
    String[] parsed;
    try {
      parsed = checkArgs(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench-auc: " + e.getMessage());
      System.exit(2);
      return;
    }
    Path criteo = Path.of(parsed[0]);
    String master = parsed[1];
    System.out.printf(
        Locale.ROOT,
        "OMP_NUM_THREADS=%s, %d cores, load average %.1f%n",
        System.getenv("OMP_NUM_THREADS"),
        Runtime.getRuntime().availableProcessors(),
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    collective(1_000_000, 2);
    collective(1_000_000, 4);
    SparkSession spark =
        SparkSession.builder()
            .master(master)
            .appName("bench-auc")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    spark.sparkContext().setLogLevel("ERROR");
    try {
      sparkAuc(spark, 1_000_000);
      dlrmAfterTraining(spark, criteo);
    } finally {
      spark.stop();
    }
    System.exit(0);
  }

  /**
   * Float32-rounded normal scores, higher for positives, so that there are ties as with float
   * logits.
   */
  private static double[][] rows(int n, long seed) {
    Random r = new Random(seed);
    double[] s = new double[n];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextDouble() < POSITIVE_RATE ? 1 : 0;
      s[i] = (float) (r.nextGaussian() + 0.9 * y[i] - 3.0);
    }
    return new double[][] {s, y};
  }

  private static void collective(int n, int workers) throws Exception {
    double[][] all = rows(n, 1);
    long positives = Arrays.stream(all[1]).filter(v -> v == 1).count();
    long minority = Math.min(positives, n - positives);
    double expected = Metrics.exactAuc(all[0], all[1]);
    List<AllReduce> ring = LoopbackRing.open(workers, CollectiveOptions.defaults());
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try {
      double[] before = time(pool, ring, workers, all, n, expected, true);
      double[] after = time(pool, ring, workers, all, n, expected, false);
      double share =
          2.0
              * (workers - 1)
              / workers; // a ring all-reduce sends 2(W-1)/W of the vector per worker
      long heldBefore = 2L * 8 * n;
      long heldAfter = 8L * minority;
      System.out.printf(
          Locale.ROOT,
          "collective, %d rows, %d workers, %d positives (%.2f%%):%n",
          n,
          workers,
          positives,
          100.0 * positives / n);
      System.out.printf(
          Locale.ROOT,
          "  gather every pair : %,13d B held per worker, %,13d B sent per worker, median %.1f ms (min %.1f)%n",
          heldBefore,
          (long) (share * heldBefore),
          before[0],
          before[1]);
      System.out.printf(
          Locale.ROOT,
          "  minority only     : %,13d B held per worker, %,13d B sent per worker, median %.1f ms (min %.1f); %.0fx fewer bytes%n",
          heldAfter,
          (long) (share * heldAfter),
          after[0],
          after[1],
          heldBefore / (double) heldAfter);
    } finally {
      pool.shutdownNow();
      for (AllReduce c : ring) c.close();
    }
  }

  /**
   * Median and min ms of one AUC over the workers' contiguous parts (checked against the sequential
   * one).
   */
  private static double[] time(
      ExecutorService pool,
      List<AllReduce> ring,
      int workers,
      double[][] all,
      int n,
      double expected,
      boolean gatherPairs)
      throws Exception {
    double[] ms = new double[REPS + 1];
    for (int rep = 0; rep <= REPS; rep++) {
      List<Future<Double>> f = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int w = 0; w < workers; w++) {
        int rank = w;
        int from = (int) ((long) n * w / workers);
        int to = (int) ((long) n * (w + 1) / workers);
        double[] s = Arrays.copyOfRange(all[0], from, to);
        double[] y = Arrays.copyOfRange(all[1], from, to);
        f.add(
            pool.submit(
                () ->
                    gatherPairs
                        ? Metrics.exactAuc(
                            Metrics.allGather(ring.get(rank), s),
                            Metrics.allGather(ring.get(rank), y))
                        : Metrics.exactAuc(ring.get(rank), s, y)));
      }
      for (Future<Double> x : f)
        if (x.get() != expected) throw new AssertionError(x.get() + " != " + expected);
      ms[rep] = (System.nanoTime() - t0) / 1e6;
    }
    double[] timed = Arrays.copyOfRange(ms, 1, ms.length); // the first is warm-up
    Arrays.sort(timed);
    return new double[] {timed[timed.length / 2], timed[0]};
  }

  private static void sparkAuc(SparkSession spark, int n) throws Exception {
    double[][] all = rows(n, 2);
    List<Row> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) rows.add(RowFactory.create(all[0][i], (int) all[1][i]));
    Path dir = java.nio.file.Files.createTempDirectory("bench-auc");
    String split = dir.resolve("scored").toString();
    spark
        .createDataFrame(
            rows,
            new StructType().add("score", DataTypes.DoubleType).add("label", DataTypes.IntegerType))
        .repartition(8)
        .write()
        .parquet(split);
    long distinct = Arrays.stream(all[0]).distinct().count();
    long t0 = System.nanoTime();
    double local = Metrics.exactAuc(all[0], all[1]);
    double localMs = (System.nanoTime() - t0) / 1e6;
    System.out.printf(
        Locale.ROOT,
        "SparkAuc over a Parquet split of %,d rows (8 files, %,d distinct scores); driver-side exact AUC of the same rows: %.1f ms%n",
        n,
        distinct,
        localMs);
    for (int rep = 0; rep < 3; rep++) {
      Dataset<Row> read = spark.read().parquet(split);
      t0 = System.nanoTime();
      double auc = SparkAuc.exactAuc(read, "score", "label");
      double ms = (System.nanoTime() - t0) / 1e6;
      if (auc != local) throw new AssertionError(auc + " != " + local);
      System.out.printf(
          Locale.ROOT, "  run %d: %.0f ms (AUC %.6f, equal to the driver's)%n", rep + 1, ms, auc);
    }
  }

  private static void dlrmAfterTraining(SparkSession spark, Path criteo) throws Exception {
    PreparedData data = PreparedData.open(criteo, "data.train");
    Map<String, Object> spec =
        Map.of(
            "name", "dlrm", "embedding_dim", 16, "bottom", List.of(64, 16), "top", List.of(64, 1));
    Workload w = Workloads.create(spec, data);
    NetworkModel model = w.build(DataType.FLOAT, 1);
    RowChunk all = InMemory.read(w, criteo, "valid");
    RowChunk some = all.slice(0, Math.min(all.size(), 100_000));
    SplitIndex valid =
        SplitIndex.load(criteo.toString(), "valid", spark.sparkContext().hadoopConfiguration());
    for (int rep = 0; rep < 3; rep++) {
      long t0 = System.nanoTime();
      w.evaluate(model, ValidationRows.of(some, w.evaluationChunkRows()), AllReduce.single());
      double s = (System.nanoTime() - t0) / 1e9;
      if (rep == 2)
        System.out.printf(
            Locale.ROOT,
            "DLRM evaluation during training of %,d of its rows in one thread (encode, score, AUC): %.2f s, %,.0f rows/s%n",
            some.size(),
            s,
            some.size() / s);
    }
    System.out.printf(
        Locale.ROOT,
        "DLRM evaluation after training (eval.final: spark), laptop model (%,d parameters), %s valid split (%,d rows, %d row groups):%n",
        model.view().params().length(),
        criteo,
        data.rows("valid"),
        valid.rowGroupCount());
    for (int rep = 0; rep < 3; rep++) {
      long t0 = System.nanoTime();
      BroadcastModel params = BroadcastModel.of(spark, model.view().params(), DataType.FLOAT, 1);
      Map<String, Double> m = w.evaluateOnSpark(spark, valid, params);
      params.destroy();
      System.out.printf(
          Locale.ROOT, "  run %d: %.1f s  %s%n", rep + 1, (System.nanoTime() - t0) / 1e9, m);
    }
  }
}
