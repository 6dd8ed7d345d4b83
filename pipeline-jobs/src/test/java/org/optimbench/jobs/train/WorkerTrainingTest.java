package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where the workers of a run exchange the loss: every step when they share gradients, but in
 * parameter averaging only where they meet anyway (the point of averaging every k steps is that
 * workers do not wait for each other in between).
 */
class WorkerTrainingTest {
  /**
   * Steps t in [0, steps) after which workers agree, with averaging every 4 steps and a log row,
   * evaluation or checkpoint every 10.
   */
  private static List<Long> agreeing(Mode mode, long steps) {
    List<Long> out = new ArrayList<>();
    for (long t = 0; t < steps; t++) {
      long done = t + 1;
      if (WorkerTraining.agrees(mode, t, done, 4, done % 10 == 0 || done == steps)) out.add(t);
    }
    return out;
  }

  @Test
  void parameterAveragingAgreesOnlyAtTheFirstStepAveragingRoundsAndLoggedSteps() {
    assertEquals(List.of(0L, 3L, 7L, 9L, 11L, 15L, 19L, 21L), agreeing(Mode.PARAM_AVERAGING, 22));
  }

  @Test
  void gradientSharingAndASingleProcessAgreeEveryStep() {
    assertEquals(22, agreeing(Mode.GRADIENT_SHARING, 22).size());
    assertEquals(22, agreeing(Mode.SINGLE, 22).size());
  }
}
