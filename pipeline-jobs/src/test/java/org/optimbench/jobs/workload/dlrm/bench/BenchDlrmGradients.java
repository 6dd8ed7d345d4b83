package org.optimbench.jobs.workload.dlrm.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.collective.CollectiveOptions;
import org.optimbench.jobs.collective.LoopbackRing;
import org.optimbench.jobs.collective.RowSparseSum;
import org.optimbench.jobs.data.RowChunk;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.workload.Example;
import org.optimbench.jobs.workload.Examples;
import org.optimbench.jobs.workload.dlrm.Dlrm;
import org.optimbench.optim.EmbeddingTable;
import org.optimbench.optim.Segment;

/**
 * What DLRM's dense embedding gradients cost per step: gradient bytes, the share of the tables, the
 * rows a batch actually touches, the forward+backward time, and the ring all-reduce of the whole
 * gradient between 2 workers over loopback TCP (what gradient sharing does every step; parameter
 * averaging moves parameters plus optimizer state every k steps instead), against the sparse-row
 * sum of the same gradients ({@link RowSparseSum}: each worker's real gradient of its own 128
 * rows). float32, batch 128 per worker, uniform random ids (the most rows touched), median of 15
 * after 5 warm-up repetitions. Run: java -cp ...
 * org.optimbench.jobs.workload.dlrm.bench.BenchDlrmGradients
 */
public final class BenchDlrmGradients {
  private static final int BATCH = 128;
  private static final int WARMUP = 5;
  private static final int REPS = 15;

  private record Config(String name, int rows, int dim, List<Integer> bottom, List<Integer> top) {}

  /**
   * The benchmark takes no arguments. Runs nothing, so {@code BenchmarksDocTest} can check the
   * commands of BENCHMARKS.md.
   *
   * @throws IllegalArgumentException when there are any
   */
  public static void checkArgs(String[] args) {
    if (args.length > 0)
      throw new IllegalArgumentException("takes no arguments, got '" + args[0] + "'");
  }

  public static void main(String[] args) throws Exception {
    try {
      checkArgs(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench-dlrm-gradients: " + e.getMessage());
      System.exit(2);
      return;
    }
    List<Config> configs =
        List.of(
            new Config(
                "tiny (conf/experiments/dlrm-tiny.yaml)", 100, 4, List.of(16, 4), List.of(16, 1)),
            new Config(
                "laptop (conf/experiments/dlrm-laptop.yaml)",
                10_000,
                16,
                List.of(64, 16),
                List.of(64, 1)),
            new Config("laptop, hash range 100k", 100_000, 16, List.of(64, 16), List.of(64, 1)));
    System.out.printf(
        Locale.ROOT,
        "OMP_NUM_THREADS=%s, batch %d, float32%n",
        System.getenv("OMP_NUM_THREADS"),
        BATCH);
    System.out.println(
        "| model | params | embedding share | gradient MB/step | table rows touched/step | fwd+bwd ms | dense all-reduce ms (2 workers) | sparse-row sum ms | rows sent (both workers) | sparse payload MB |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    for (Config c : configs) run(c);
    System.exit(0);
  }

  private static void run(Config c) throws Exception {
    Dlrm w = new Dlrm(13, Collections.nCopies(26, c.rows()), c.dim(), c.bottom(), c.top(), 0);
    NetworkModel model = w.build(DataType.FLOAT, 1);
    long n = model.view().params().length();
    long emb = 0;
    for (Segment s : model.layout().segments()) if (s.name().startsWith("emb_")) emb += s.length();
    Random r = new Random(1);
    List<Example> rows = new ArrayList<>();
    Set<Long> touched = new HashSet<>();
    for (int i = 0; i < 2 * BATCH; i++) {
      double[] dense = new double[13];
      for (int j = 0; j < 13; j++) dense[j] = Math.log1p(r.nextInt(100));
      int[] ids = new int[26];
      for (int k = 0; k < 26; k++) {
        ids[k] = r.nextInt(c.rows());
        if (i < BATCH) touched.add(k * (long) c.rows() + ids[k]);
      }
      rows.add(new Example(i, r.nextInt(30) == 0 ? 1 : 0, ids, dense, false));
    }
    RowChunk encoded = Examples.chunk(rows, w.schema());
    MultiDataSet batch = w.encode(encoded.slice(0, BATCH), DataType.FLOAT);
    double[] fb = new double[REPS];
    for (int i = 0; i < WARMUP + REPS; i++) {
      long t0 = System.nanoTime();
      model.lossAndGradient(batch);
      Nd4j.getExecutioner().commit();
      if (i >= WARMUP) fb[i - WARMUP] = (System.nanoTime() - t0) / 1e6;
    }
    double ar = allReduceMs(n);
    INDArray[] grads = new INDArray[2];
    for (int k = 0; k < 2; k++) {
      model.lossAndGradient(w.encode(encoded.slice(k * BATCH, (k + 1) * BATCH), DataType.FLOAT));
      grads[k] = model.view().grads().dup();
    }
    Object[] sparse = sparseSumMs(grads, model.embeddingTables());
    RowSparseSum.LastCall last = (RowSparseSum.LastCall) sparse[1];
    System.out.printf(
        Locale.ROOT,
        "| %s | %,d | %.1f%% | %.2f | %,d of %,d (%.2f%%) | %.1f | %.1f | %s | %,d | %.2f |%n",
        c.name(),
        n,
        100.0 * emb / n,
        4.0 * n / 1e6,
        touched.size(),
        26L * c.rows(),
        100.0 * touched.size() / (26.0 * c.rows()),
        median(fb),
        ar,
        last.sparse()
            ? String.format(Locale.ROOT, "%.1f", (double) sparse[0])
            : String.format(Locale.ROOT, "%.1f (fell back to dense)", (double) sparse[0]),
        last.rowsSent(),
        last.payloadValues() * 8 / 1e6);
  }

  /**
   * Median ms of the 2-worker sparse-row sum of each worker's gradient, and the last call's report.
   */
  private static Object[] sparseSumMs(INDArray[] grads, List<EmbeddingTable> tables)
      throws Exception {
    List<AllReduce> ring = LoopbackRing.open(2, CollectiveOptions.defaults());
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Object[]>> f = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        AllReduce comm = ring.get(w);
        INDArray mine = grads[w];
        f.add(
            pool.submit(
                () -> {
                  RowSparseSum sum = new RowSparseSum(comm, tables, mine.length());
                  INDArray g = mine.dup();
                  double[] ms = new double[REPS];
                  for (int i = 0; i < WARMUP + REPS; i++) {
                    g.assign(mine);
                    long t0 = System.nanoTime();
                    sum.sumInPlace(g, new double[] {1, 2});
                    if (i >= WARMUP) ms[i - WARMUP] = (System.nanoTime() - t0) / 1e6;
                  }
                  return new Object[] {median(ms), sum.lastCall()};
                }));
      }
      Object[] out = f.get(0).get();
      f.get(1).get();
      return out;
    } finally {
      pool.shutdownNow();
      for (AllReduce c : ring) c.close();
    }
  }

  /** Median ms of a 2-worker ring all-reduce of n float32 (the gradient-sharing step's call). */
  private static double allReduceMs(long n) throws Exception {
    List<AllReduce> ring = LoopbackRing.open(2, CollectiveOptions.defaults());
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<double[]>> f = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        AllReduce comm = ring.get(w);
        f.add(
            pool.submit(
                () -> {
                  INDArray g = Nd4j.rand(DataType.FLOAT, n);
                  double[] ms = new double[REPS];
                  for (int i = 0; i < WARMUP + REPS; i++) {
                    long t0 = System.nanoTime();
                    comm.sumInPlace(g, new double[] {1, 2});
                    if (i >= WARMUP) ms[i - WARMUP] = (System.nanoTime() - t0) / 1e6;
                  }
                  return ms;
                }));
      }
      double[] ms = f.get(0).get();
      f.get(1).get();
      return median(ms);
    } finally {
      pool.shutdownNow();
      for (AllReduce c : ring) c.close();
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private BenchDlrmGradients() {}
}
