package org.optimbench.jobs.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RunDivergenceCheckTest {
  @Test
  void nanAndInfinityDiverge() {
    DivergenceCheck c = new DivergenceCheck(10);
    assertTrue(c.diverged(0, Double.NaN), "NaN even as the first loss");
    assertTrue(c.check(7, Double.POSITIVE_INFINITY).orElseThrow().contains("step 7"));
  }

  @Test
  void explodingLossIsMeasuredAgainstTheFirstFiniteLoss() {
    DivergenceCheck c = new DivergenceCheck(10);
    assertFalse(c.diverged(0, 2.0));
    assertFalse(c.diverged(1, 20.0), "exactly factor x first");
    assertFalse(c.diverged(2, 0.001));
    String why = c.check(3, 20.5).orElseThrow();
    assertTrue(why.contains("step 3") && why.contains("20.5") && why.contains("2.0"), why);
    assertEquals(2.0, c.firstLoss().getAsDouble());
  }

  @Test
  void aResumedCheckKeepsTheFirstLoss() {
    DivergenceCheck c = DivergenceCheck.resumed(10, 2.0);
    assertFalse(c.diverged(100, 0.5), "0.5 is not the first loss after a resume");
    assertTrue(c.diverged(101, 21));
  }

  @Test
  void nonPositiveFirstLossOnlyChecksFiniteness() {
    DivergenceCheck c = new DivergenceCheck(10);
    assertFalse(c.diverged(0, 0.0));
    assertFalse(c.diverged(1, 1e9));
    assertTrue(c.diverged(2, Double.NaN));
  }

  @Test
  void badFactorNamesTheKey() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new DivergenceCheck(0.5));
    assertTrue(e.getMessage().contains("divergence_factor"));
  }
}
