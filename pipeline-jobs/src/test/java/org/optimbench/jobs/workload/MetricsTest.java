package org.optimbench.jobs.workload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.collective.CollectiveOptions;
import org.optimbench.jobs.collective.LoopbackRing;

/**
 * The exact AUC against sklearn, its cross-worker gather, and the collective AUC that gathers only
 * the minority class (bit for bit the AUC of the concatenated rows). Reference values were computed
 * with {@code sklearn.metrics.roc_auc_score(y, s)} (scikit-learn 1.2.1, Debian python3-sklearn) on
 * the same scores and labels as below.
 */
class MetricsTest {
  private static final double[] SMALL_SCORES = {
    0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.1, 0.9, 0.55, 0.35
  };
  private static final double[] SMALL_LABELS = {0, 0, 1, 1, 1, 0, 1, 1, 0, 0};

  /**
   * 1000 rows, 10 distinct scores (heavy ties): s_i = floor((7919 i mod 1000) / 100) / 10, y_i =
   * [(31 i mod 7) < 3].
   */
  private static double[][] tied() {
    double[] s = new double[1000];
    double[] y = new double[1000];
    for (int i = 0; i < s.length; i++) {
      s[i] = ((i * 7919) % 1000) / 100 / 10.0;
      y[i] = (i * 31) % 7 < 3 ? 1 : 0;
    }
    return new double[][] {s, y};
  }

  @Test
  void exactAucWithTiesEqualsSklearn() {
    assertEquals(0.6000000000000001, Metrics.exactAuc(SMALL_SCORES, SMALL_LABELS), 1e-15);
    double[][] t = tied();
    assertEquals(0.49244771574018514, Metrics.exactAuc(t[0], t[1]), 1e-15);
    // -0.0 and 0.0 are the same score (a tie), as in sklearn.
    assertEquals(
        0.7777777777777778,
        Metrics.exactAuc(
            new double[] {-0.0, 0.0, 1.0, -1.0, 0.0, -0.0}, new double[] {1, 0, 1, 0, 0, 1}),
        1e-15);
  }

  @Test
  void aucIsNanWithOneClassAndRejectsOtherLabels() {
    assertTrue(Double.isNaN(Metrics.exactAuc(new double[] {0.1, 0.2}, new double[] {1, 1})));
    try {
      Metrics.exactAuc(new double[] {0.1, 0.2}, new double[] {1, 2});
      throw new AssertionError("label 2 accepted");
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage().contains("label 2.0 of row 1"), e.getMessage());
    }
  }

  @Test
  void allGatherConcatenatesInRankOrderAndTheGatheredAucIsTheGlobalOne() throws Exception {
    double[][] t = tied();
    int[] cut = {0, 400, 1000}; // unequal parts
    List<AllReduce> ring = LoopbackRing.open(2, CollectiveOptions.defaults());
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<double[]>> f = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        int r = w;
        f.add(
            pool.submit(
                () -> {
                  double[] s =
                      Metrics.allGather(ring.get(r), Arrays.copyOfRange(t[0], cut[r], cut[r + 1]));
                  double[] y =
                      Metrics.allGather(ring.get(r), Arrays.copyOfRange(t[1], cut[r], cut[r + 1]));
                  assertArrayEquals(t[0], s, 0.0);
                  return new double[] {Metrics.exactAuc(s, y)};
                }));
      }
      for (Future<double[]> x : f) assertEquals(0.49244771574018514, x.get()[0], 1e-15);
    } finally {
      pool.shutdownNow();
      for (AllReduce c : ring) c.close();
    }
  }

  /** One worker's evaluation body: its rank and all-reduce in, a value out. */
  private interface Body {
    double run(AllReduce comm, int rank) throws Exception;
  }

  /** {@code body} on {@code workers} loopback workers in parallel; their results in rank order. */
  private static double[] onWorkers(int workers, Body body) throws Exception {
    List<AllReduce> ring = LoopbackRing.open(workers, CollectiveOptions.defaults());
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try {
      List<Future<Double>> f = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        int r = w;
        f.add(pool.submit(() -> body.run(ring.get(r), r)));
      }
      double[] out = new double[workers];
      for (int w = 0; w < workers; w++) out[w] = f.get(w).get();
      return out;
    } finally {
      pool.shutdownNow();
      for (AllReduce c : ring) c.close();
    }
  }

  /** Rows cut into {@code workers} contiguous parts at random points (empty parts included). */
  private static int[] cuts(int n, int workers, Random r) {
    int[] cut = new int[workers + 1];
    cut[workers] = n;
    for (int w = 1; w < workers; w++) cut[w] = r.nextInt(n + 1);
    Arrays.sort(cut, 1, workers);
    return cut;
  }

  @Test
  void collectiveAucEqualsTheAucOfTheConcatenatedRowsBitForBit() throws Exception {
    Random r = new Random(7);
    for (int workers = 1; workers <= 3; workers++) {
      for (int trial = 0; trial < 12; trial++) {
        int n = trial == 0 ? 1 : 1 + r.nextInt(600);
        int distinct = 1 + r.nextInt(trial % 3 == 0 ? 4 : 60); // few distinct scores: many ties
        double positiveRate =
            new double[] {0.03, 0.5, 0.97}
                [trial % 3]; // the minority is the positives, either, or the negatives
        double[] s = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
          s[i] = (r.nextInt(distinct) - distinct / 2) / 4.0;
          if (s[i] == 0 && r.nextBoolean()) s[i] = -0.0;
          y[i] = r.nextDouble() < positiveRate ? 1 : 0;
        }
        double expected = Metrics.exactAuc(s, y);
        int[] cut = cuts(n, workers, r);
        double[] got =
            onWorkers(
                workers,
                (comm, rank) ->
                    Metrics.exactAuc(
                        comm,
                        Arrays.copyOfRange(s, cut[rank], cut[rank + 1]),
                        Arrays.copyOfRange(y, cut[rank], cut[rank + 1])));
        for (int w = 0; w < workers; w++) {
          assertEquals(
              Double.doubleToRawLongBits(expected),
              Double.doubleToRawLongBits(got[w]),
              workers
                  + " workers, trial "
                  + trial
                  + ", rank "
                  + w
                  + ": "
                  + got[w]
                  + " but the AUC of all rows is "
                  + expected);
        }
      }
    }
  }

  @Test
  void collectiveAucMatchesSklearnAndIsNanOnEveryWorkerWithoutBothClasses() throws Exception {
    double[][] t = tied();
    int[] cut = {0, 0, 400, 1000}; // rank 0 holds nothing
    double[] got =
        onWorkers(
            3,
            (comm, rank) ->
                Metrics.exactAuc(
                    comm,
                    Arrays.copyOfRange(t[0], cut[rank], cut[rank + 1]),
                    Arrays.copyOfRange(t[1], cut[rank], cut[rank + 1])));
    for (double g : got) assertEquals(0.49244771574018514, g, 1e-15);
    double[] oneClass =
        onWorkers(
            2,
            (comm, rank) ->
                Metrics.exactAuc(comm, new double[] {0.1 * rank, 0.5}, new double[] {1, 1}));
    for (double g : oneClass) assertTrue(Double.isNaN(g), "one class only: " + g);
  }

  @Test
  void aNanScoreOnOneWorkerFailsEveryWorker() throws Exception {
    List<AllReduce> ring = LoopbackRing.open(2, CollectiveOptions.defaults());
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Double>> f = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        int r = w;
        double[] s = r == 1 ? new double[] {0.3, Double.NaN} : new double[] {0.1, 0.2};
        f.add(pool.submit(() -> Metrics.exactAuc(ring.get(r), s, new double[] {1, 0})));
      }
      for (int w = 0; w < 2; w++) {
        ExecutionException e = assertThrows(ExecutionException.class, f.get(w)::get);
        assertTrue(
            e.getCause() instanceof IllegalArgumentException
                && e.getCause().getMessage().startsWith("1 rows with a NaN score"),
            String.valueOf(e.getCause()));
        if (w == 1)
          assertTrue(
              e.getCause().getMessage().contains("rank 1, row 1: score is NaN"),
              e.getCause().getMessage());
      }
    } finally {
      pool.shutdownNow();
      for (AllReduce c : ring) c.close();
    }
  }
}
