package org.optimbench.jobs.workload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.collective.CollectiveOptions;
import org.optimbench.jobs.collective.LoopbackRing;

/**
 * The exact AUC against sklearn and its cross-worker gather. Reference values were computed with
 * {@code sklearn.metrics.roc_auc_score(y, s)} (scikit-learn 1.2.1, Debian python3-sklearn) on the
 * same scores and labels as below.
 */
class MetricsTest {
  private static final double[] SMALL_SCORES = {0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.1, 0.9, 0.55, 0.35};
  private static final double[] SMALL_LABELS = {0, 0, 1, 1, 1, 0, 1, 1, 0, 0};

  /** 1000 rows, 10 distinct scores (heavy ties): s_i = floor((7919 i mod 1000) / 100) / 10, y_i = [(31 i mod 7) < 3]. */
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
    assertEquals(0.7777777777777778, Metrics.exactAuc(new double[] {-0.0, 0.0, 1.0, -1.0, 0.0, -0.0}, new double[] {1, 0, 1, 0, 0, 1}), 1e-15);
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
        f.add(pool.submit(() -> {
          double[] s = Metrics.allGather(ring.get(r), Arrays.copyOfRange(t[0], cut[r], cut[r + 1]));
          double[] y = Metrics.allGather(ring.get(r), Arrays.copyOfRange(t[1], cut[r], cut[r + 1]));
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
}
