package org.optimbench.jobs.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Mean, standard error and the Student t interval over seeds. Quantiles from the t table in the
 * NIST/SEMATECH e-Handbook of Statistical Methods, section 1.3.6.7.2 "Critical Values of the
 * Student's t Distribution" (upper-tail 0.025, three decimals), which scipy.stats.t.ppf(0.975, df)
 * reproduces (12.7062, 4.3027, 2.7764, 2.2622, 2.0452).
 */
class CompareStatsTest {
  @Test
  void tQuantilesMatchTheTable() {
    assertEquals(12.706, Stats.tQuantile(0.975, 1), 5e-4);
    assertEquals(4.303, Stats.tQuantile(0.975, 2), 5e-4);
    assertEquals(2.776, Stats.tQuantile(0.975, 4), 5e-4);
    assertEquals(2.262, Stats.tQuantile(0.975, 9), 5e-4);
    assertEquals(2.045, Stats.tQuantile(0.975, 29), 5e-4);
  }

  @Test
  void meanStandardErrorAndIntervalOfFiveSeeds() {
    // 1..5: mean 3, sample variance 2.5, SE sqrt(2.5/5) = 0.70711, half width 2.77645 * 0.70711 =
    // 1.96324
    Stats s = Stats.of(1, 2, 3, 4, 5);
    assertEquals(5, s.n());
    assertEquals(3.0, s.mean(), 1e-12);
    assertEquals(Math.sqrt(2.5), s.std(), 1e-12);
    assertEquals(Math.sqrt(0.5), s.se(), 1e-12);
    assertEquals(3 - 1.963243, s.ciLo(), 1e-5);
    assertEquals(3 + 1.963243, s.ciHi(), 1e-5);
  }

  @Test
  void twoSeedsUseTheWideInterval() {
    // 0.10 and 0.12: mean 0.11, SE 0.01, t(0.975, 1) = 12.706 -> 0.11 ± 0.12706
    Stats s = Stats.of(0.10, 0.12);
    assertEquals(0.01, s.se(), 1e-12);
    assertEquals(0.11 - 0.127062, s.ciLo(), 1e-5);
    assertEquals(0.11 + 0.127062, s.ciHi(), 1e-5);
  }

  @Test
  void oneSeedHasNoSpreadAndNoInterval() {
    Stats s = Stats.of(0.42);
    assertEquals(0.42, s.mean());
    assertTrue(
        Double.isNaN(s.std())
            && Double.isNaN(s.se())
            && Double.isNaN(s.ciLo())
            && Double.isNaN(s.ciHi()));
    assertTrue(Double.isNaN(Stats.of().mean()));
  }

  @Test
  void medianCountsMissesAsInfinite() {
    double inf = Double.POSITIVE_INFINITY;
    assertEquals(2.0, Stats.median(3, 1, 2));
    assertEquals(2.5, Stats.median(1, 2, 3, 4));
    assertEquals(2.0, Stats.median(1, 2, inf));
    assertEquals(inf, Stats.median(1, inf)); // numpy: median([1, inf]) = inf
    assertEquals(inf, Stats.median(1, inf, inf));
  }
}
