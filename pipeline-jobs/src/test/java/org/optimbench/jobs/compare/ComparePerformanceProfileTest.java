package org.optimbench.jobs.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The performance profile on a hand-worked matrix, against AlgoPerf's definition
 * (mlcommons/algorithmic-efficiency scoring/performance_profile.py: times above 4x the workload's
 * best set to inf, r = t / min t, rho on np.linspace(1, 4, 100), score = np.trapz(rho, tau) / (4 -
 * 1)). The expected scores were computed with exactly those numpy calls (np.trapezoid in numpy 2).
 */
class ComparePerformanceProfileTest {
  static final double INF = Double.POSITIVE_INFINITY;
  // seconds to target; columns w1, w2
  static final double[][] T = {
    {10, 20}, // A: fastest on both
    {20, INF}, // B: 2x on w1, misses w2
    {50, 30}, // C: 5x on w1 (beyond 4x: a miss), 1.5x on w2
  };

  PerformanceProfile profile() {
    return PerformanceProfile.of(List.of("A", "B", "C"), List.of("w1", "w2"), T, 4.0);
  }

  @Test
  void ratiosAfterTheFourTimesCutoff() {
    PerformanceProfile p = profile();
    assertEquals(1.0, p.ratio(0, 0));
    assertEquals(1.0, p.ratio(0, 1));
    assertEquals(2.0, p.ratio(1, 0));
    assertEquals(INF, p.ratio(1, 1));
    assertEquals(INF, p.ratio(2, 0)); // 50 > 4 * 10
    assertEquals(1.5, p.ratio(2, 1));
  }

  @Test
  void rhoOnTheAlgoPerfGrid() {
    PerformanceProfile p = profile();
    double[] tau = p.taus();
    assertEquals(100, tau.length);
    assertEquals(1.0, tau[0]);
    assertEquals(4.0, tau[99], 1e-12);
    assertEquals(2.0, tau[33], 1e-12);
    assertEquals(0.0, p.rho(1)[32]); // tau < 2: B is within tau nowhere
    assertEquals(0.5, p.rho(1)[33]); // tau = 2: w1
    assertEquals(0.0, p.rho(2)[16]); // tau = 1.4848
    assertEquals(0.5, p.rho(2)[17]); // tau = 1.5152
    for (double r : p.rho(0)) assertEquals(1.0, r);
  }

  @Test
  void scoresAreTheNormalizedTrapezoidIntegral() {
    PerformanceProfile p = profile();
    assertEquals(1.0, p.score(0), 1e-12);
    assertEquals(0.33585858585858586, p.score(1), 1e-12);
    assertEquals(0.4166666666666667, p.score(2), 1e-12);
    assertEquals(List.of(0, 2, 1), p.byScore());
    assertEquals(1, p.rank(0));
    assertEquals(2, p.rank(2));
    assertEquals(3, p.rank(1));
  }

  @Test
  void geometricMeanSpeedupAgainstTheReference() {
    PerformanceProfile p = profile();
    assertEquals(1.0, p.speedup(0, 0).get(), 1e-12);
    assertEquals(0.5, p.speedup(1, 0).get(), 1e-12); // only w1 reached by both: 10 / 20
    assertEquals(Math.sqrt(10.0 / 50 * 20.0 / 30), p.speedup(2, 0).get(), 1e-12); // 0.36515
    assertEquals(1, p.speedupWorkloads(1, 0));
  }

  @Test
  void aWorkloadNobodyReachedCountsForNoMethod() {
    PerformanceProfile p =
        PerformanceProfile.of(
            List.of("A", "B"), List.of("w1", "w2"), new double[][] {{10, INF}, {15, INF}}, 4.0);
    assertTrue(Double.isNaN(p.ratio(0, 1)));
    assertEquals(0.5, p.rho(0)[99]);
    assertEquals(0.5, p.score(0), 1e-12);
    assertTrue(p.speedup(1, 0).isPresent());
  }
}
