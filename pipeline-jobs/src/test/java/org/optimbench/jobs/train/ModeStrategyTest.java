package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.conf.Mode;

/**
 * Where the workers of a run exchange the loss: every step when they share gradients, but in
 * parameter averaging only where they meet anyway (the point of averaging every k steps is that
 * workers do not wait for each other in between).
 */
class ModeStrategyTest {
  /**
   * Steps t in [0, steps) after which workers agree, with averaging every 4 steps and a log row,
   * evaluation or checkpoint every 10.
   */
  private static List<Long> agreeing(Mode mode, long steps) {
    ModeStrategy s = ModeStrategy.of(mode, AllReduce.single(), 4, List.of(), 1, true);
    List<Long> out = new ArrayList<>();
    for (long t = 0; t < steps; t++) {
      long done = t + 1;
      StepResult r = new StepResult(t, 1.0, 8, 1.0, Map.of());
      if (s.agree(t, r, done % 10 == 0 || done == steps).isPresent()) out.add(t);
    }
    return out;
  }

  @Test
  void parameterAveragingAgreesOnlyAtTheFirstStepAveragingRoundsAndLoggedSteps() {
    assertEquals(List.of(0L, 3L, 7L, 9L, 11L, 15L, 19L, 21L), agreeing(Mode.PARAM_AVERAGING, 22));
  }

  @Test
  void parameterAveragingCountsTheExamplesOfEveryStepBetweenAgreements() {
    ModeStrategy s =
        ModeStrategy.of(Mode.PARAM_AVERAGING, AllReduce.single(), 4, List.of(), 1, true);
    long examples = 0;
    for (long t = 0; t < 12; t++) {
      var a = s.agree(t, new StepResult(t, 1.0, 8, 1.0, Map.of()), false);
      if (a.isPresent()) examples += a.get().examples();
    }
    assertEquals(12 * 8, examples, "no step's examples are lost between agreements");
  }

  @Test
  void gradientSharingAndASingleProcessAgreeEveryStep() {
    assertEquals(22, agreeing(Mode.GRADIENT_SHARING, 22).size());
    assertEquals(22, agreeing(Mode.SINGLE, 22).size());
  }
}
