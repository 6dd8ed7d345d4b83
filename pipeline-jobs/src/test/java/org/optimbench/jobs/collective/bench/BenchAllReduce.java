package org.optimbench.jobs.collective.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.collective.BarrierRunner;
import org.optimbench.jobs.collective.CollectiveOptions;

/**
 * {@code scripts/bench-allreduce [SIZES...]}: per-step latency of one gradient exchange among W
 * workers (default 2, {@code -Dbench.workers}) on {@code local[W]}, for float32 gradients of the
 * given sizes (default 1k, 1M, 10M), two ways in the same run:
 *
 * <ul>
 *   <li><b>ring</b>: inside W long-lived barrier tasks, one {@code sumInPlace(grad, 4 scalars)} of
 *       the TCP ring (what a gradient-sharing step pays), timed on every worker;
 *   <li><b>spark job</b>: the per-step Spark job the team used before: the driver broadcasts the
 *       parameters (n floats), each of W partitions produces an n-float gradient from them and
 *       {@code treeAggregate} sums the gradients to the driver; timed on the driver.
 * </ul>
 *
 * Medians and 90th percentiles over the timed steps after warm-up.
 *
 * <p>{@code -Dbench.encryption=true} adds the ring with {@link CollectiveOptions#encryption()} on,
 * measured in the same run right after the plain ring at each size (so both see the same machine
 * load); {@code -Dbench.job=false} leaves out the per-step Spark job (the slowest part of a run).
 */
public final class BenchAllReduce {
  /**
   * The gradient sizes the arguments ask for (positive float counts that fit one array), or 1k, 1M
   * and 10M without arguments. Runs nothing, so {@code BenchmarksDocTest} can check the commands of
   * BENCHMARKS.md.
   *
   * @throws IllegalArgumentException naming the first argument that is not such a count
   */
  public static long[] checkArgs(String[] args) {
    if (args.length == 0) return new long[] {1_000, 1_000_000, 10_000_000};
    long[] sizes = new long[args.length];
    for (int i = 0; i < args.length; i++) {
      try {
        sizes[i] = Long.parseLong(args[i]);
      } catch (NumberFormatException e) {
        sizes[i] = -1;
      }
      if (sizes[i] <= 0 || sizes[i] > Integer.MAX_VALUE)
        throw new IllegalArgumentException(
            "size '" + args[i] + "' is not a positive number of floats up to " + Integer.MAX_VALUE);
    }
    return sizes;
  }

  public static void main(String[] args) {
    long[] sizes;
    try {
      sizes = checkArgs(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench-allreduce: " + e.getMessage());
      System.exit(2);
      return;
    }
    int workers = Integer.getInteger("bench.workers", 2);
    SparkConf conf =
        new SparkConf()
            .setMaster("local[" + workers + "]")
            .setAppName("bench-allreduce")
            .set("spark.ui.enabled", "false")
            .set("spark.driver.host", System.getProperty("bench.host", "127.0.0.1"))
            .set("spark.driver.bindAddress", System.getProperty("bench.host", "127.0.0.1"));
    try (JavaSparkContext sc = new JavaSparkContext(conf)) {
      sc.setLogLevel("ERROR");
      System.out.printf(
          Locale.ROOT,
          "local[%d], %d workers, float32 gradient + 4 double scalars per step, %d cores, load average %.1f%n",
          workers,
          workers,
          Runtime.getRuntime().availableProcessors(),
          java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      boolean encrypted = Boolean.getBoolean("bench.encryption");
      boolean job = Boolean.parseBoolean(System.getProperty("bench.job", "true"));
      List<String> rows = new ArrayList<>();
      for (long n : sizes) {
        int ringSteps = n <= 10_000 ? 300 : n <= 1_000_000 ? 60 : 20;
        int jobSteps = n <= 10_000 ? 40 : n <= 1_000_000 ? 15 : 6;
        double[] ring = slowest(ring(sc, workers, (int) n, ringSteps, false));
        double[] enc = encrypted ? slowest(ring(sc, workers, (int) n, ringSteps, true)) : null;
        double[] spark = job ? sparkJob(sc, workers, (int) n, jobSteps) : null;
        StringBuilder row =
            new StringBuilder(
                String.format(
                    Locale.ROOT,
                    "| %,11d | %9.3f | %9.3f | %10.1f |",
                    n,
                    ring[0],
                    ring[1],
                    ring[2]));
        if (encrypted) {
          row.append(
              String.format(
                  Locale.ROOT, " %9.3f | %9.3f | %7.2fx |", enc[0], enc[1], enc[0] / ring[0]));
        }
        if (job) {
          row.append(
              String.format(
                  Locale.ROOT,
                  " %9.2f | %9.2f | %7.0fx |",
                  spark[0],
                  spark[1],
                  spark[0] / ring[0]));
        }
        rows.add(row.toString());
        System.out.println("  done n=" + n);
      }
      System.out.println();
      System.out.println(
          "| floats      | ring ms   | ring p90  | rendezvous |"
              + (encrypted ? " enc ms    | enc p90   | enc/ring |" : "")
              + (job ? " job ms    | job p90   | speedup |" : ""));
      System.out.println(
          "|-------------|-----------|-----------|------------|"
              + (encrypted ? "-----------|-----------|----------|" : "")
              + (job ? "-----------|-----------|---------|" : ""));
      rows.forEach(System.out::println);
      System.out.println(
          "ring: one sumInPlace(gradient, 4 scalars) inside barrier tasks, median (slowest worker's)."
              + " rendezvous: connecting the ring incl. one allGather, ms, once per job."
              + (encrypted ? " enc: the same ring with collective encryption (AES-256-GCM)." : "")
              + (job
                  ? " job: broadcast params + treeAggregate of the gradients, per step, timed on"
                      + " the driver."
                  : ""));
    }
    // Spark's barrier timers ("Barrier task timer for barrier() calls.", "BarrierCoordinator
    // barrier epoch increment timer") are non-daemon threads that outlive the stopped context,
    // so the JVM would never exit on its own.
    System.exit(0);
  }

  /** The slowest worker's {median, p90, rendezvous}: the step waits for it. */
  static double[] slowest(double[][] perWorker) {
    double[] out = new double[3];
    for (double[] w : perWorker) for (int i = 0; i < 3; i++) out[i] = Math.max(out[i], w[i]);
    return out;
  }

  /** Per worker: {median ms, p90 ms, rendezvous ms}. */
  static double[][] ring(JavaSparkContext sc, int workers, int n, int steps, boolean encryption) {
    long t0 = System.nanoTime();
    List<double[]> out =
        BarrierRunner.run(
            sc,
            workers,
            CollectiveOptions.defaults().withEncryption(encryption),
            ctx -> {
              double setupMs =
                  (System.nanoTime() - t0) / 1e6; // includes scheduling the barrier stage
              AllReduce ar = ctx.allReduce();
              INDArray grad = Nd4j.rand(DataType.FLOAT, n).muli(1e-3);
              double[] scalars = new double[4];
              int warm = 5;
              double[] ms = new double[steps];
              for (int s = -warm; s < steps; s++) {
                Arrays.fill(scalars, ctx.rank() + s);
                long a = System.nanoTime();
                ar.sumInPlace(grad, scalars);
                long b = System.nanoTime();
                if (s >= 0) ms[s] = (b - a) / 1e6;
              }
              Arrays.sort(ms);
              return new double[] {ms[steps / 2], ms[(int) (steps * 0.9)], setupMs};
            });
    return out.toArray(new double[0][]);
  }

  /** {median ms, p90 ms} of a per-step Spark job: broadcast + treeAggregate. */
  static double[] sparkJob(JavaSparkContext sc, int workers, int n, int steps) {
    JavaRDD<Integer> parts =
        sc.parallelize(IntStream.range(0, workers).boxed().collect(Collectors.toList()), workers)
            .cache();
    parts.count();
    float[] params = new float[n];
    Arrays.fill(params, 1e-3f);
    int warm = 2;
    double[] ms = new double[steps];
    for (int s = -warm; s < steps; s++) {
      long a = System.nanoTime();
      Broadcast<float[]> b = sc.broadcast(params);
      float[] sum =
          parts.treeAggregate(
              new float[0], (acc, i) -> add(acc, gradient(b.value())), BenchAllReduce::add, 2);
      b.destroy();
      long e = System.nanoTime();
      if (sum.length != n) throw new IllegalStateException("bad aggregate");
      params[0] += sum[0] * 0; // the step would use sum here
      if (s >= 0) ms[s] = (e - a) / 1e6;
    }
    parts.unpersist();
    Arrays.sort(ms);
    return new double[] {ms[steps / 2], ms[(int) (steps * 0.9)]};
  }

  /** Stands in for the backward pass: a fresh gradient array derived from the parameters. */
  static float[] gradient(float[] params) {
    return params.clone();
  }

  /**
   * Element-wise sum; the empty array is the zero (so the zero value shipped to tasks stays tiny).
   */
  static float[] add(float[] a, float[] b) {
    if (a.length == 0) return b;
    if (b.length == 0) return a;
    for (int i = 0; i < a.length; i++) a[i] += b[i];
    return a;
  }

  private BenchAllReduce() {}
}
