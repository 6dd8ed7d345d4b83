package org.optimbench.optim.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.spec.SpecException;

/**
 * The schedule formulas of the optimizer-trace contract (docs/OPTIM-TRACE.md), written out by hand.
 */
class SchedulesTest {
  @TempDir Path dir;

  private static Schedule create(String name, Object... kv) {
    return Schedules.create(Spec.of(name, kv), "schedule");
  }

  @Test
  void formulasOfTheTraceContract() {
    Schedule lin = create("linear_decay", "total_steps", 10L);
    assertEquals(1.0, lin.factor(0), 0.0);
    assertEquals(0.7, lin.factor(3), 1e-15);
    assertEquals(0.1, lin.factor(9), 1e-15);
    assertEquals(0.0, lin.factor(10), 0.0);
    assertEquals(0.0, lin.factor(50), 0.0);
    Schedule cos = create("cosine", "total_steps", 8L, "warmup_steps", 4L);
    assertArrayEquals(
        new double[] {0.25, 0.5, 0.75, 1.0},
        new double[] {cos.factor(0), cos.factor(1), cos.factor(2), cos.factor(3)},
        0.0);
    assertEquals(1.0, cos.factor(4), 0.0); // u = 0 right after warm-up
    assertEquals(0.5, cos.factor(6), 1e-15); // u = 1/2
    assertEquals(0.0, cos.factor(8), 1e-15);
    assertEquals(Math.pow(0.9, 5), create("exponential", "gamma", 0.9).factor(5), 0.0);
    Schedule step = create("step", "gamma", 0.5, "step_size", 3L);
    assertArrayEquals(
        new double[] {1, 1, 1, 0.5, 0.5, 0.5, 0.25},
        new double[] {
          step.factor(0),
          step.factor(1),
          step.factor(2),
          step.factor(3),
          step.factor(4),
          step.factor(5),
          step.factor(6)
        },
        0.0);
    assertEquals(1.0, create("constant").factor(123), 0.0);
    assertEquals(0.5, create("constant", "warmup_steps", 2L).factor(0), 0.0);
  }

  @Test
  void stepWithMilestonesDropsAtFractionsOfTheRun() {
    // MultiStepLR(milestones=[60, 80], gamma=0.1) over a 100-step run
    Schedule s = create("step", "gamma", 0.1, "milestones", List.of(0.6, 0.8), "total_steps", 100L);
    assertEquals(1.0, s.factor(0), 0.0);
    assertEquals(1.0, s.factor(59), 0.0);
    assertEquals(0.1, s.factor(60), 0.0);
    assertEquals(0.1, s.factor(79), 0.0);
    assertEquals(Math.pow(0.1, 2), s.factor(80), 0.0);
    assertEquals(Math.pow(0.1, 2), s.factor(99), 0.0);
    // the same fractions of a run 7.5 times as long (1/3 is not exact in binary: rounded to 250)
    Schedule longer =
        create("step", "gamma", 0.5, "milestones", List.of(1.0 / 3, 0.8), "total_steps", 750L);
    assertEquals(1.0, longer.factor(249), 0.0);
    assertEquals(0.5, longer.factor(250), 0.0);
    assertEquals(0.5, longer.factor(599), 0.0);
    assertEquals(0.25, longer.factor(600), 0.0);
    Schedule warm =
        create("step", "milestones", List.of(0.5), "total_steps", 10L, "warmup_steps", 2L);
    assertEquals(0.5, warm.factor(0), 0.0);
    assertEquals(1.0, warm.factor(4), 0.0);
    assertEquals(0.1, warm.factor(5), 0.0);
  }

  @Test
  void badMilestonesNameTheField() {
    assertEquals(
        "schedule.total_steps",
        assertThrows(SpecException.class, () -> create("step", "milestones", List.of(0.5)))
            .field());
    assertEquals(
        "schedule.step_size",
        assertThrows(
                SpecException.class,
                () ->
                    create("step", "milestones", List.of(0.5), "step_size", 3L, "total_steps", 10L))
            .field());
    assertEquals(
        "schedule.milestones[1]",
        assertThrows(
                SpecException.class,
                () -> create("step", "milestones", List.of(0.8, 0.6), "total_steps", 10L))
            .field());
    assertEquals(
        "schedule.milestones[0]",
        assertThrows(
                SpecException.class,
                () -> create("step", "milestones", List.of(60.0), "total_steps", 100L))
            .field());
    assertEquals(
        "schedule.milestones",
        assertThrows(
                SpecException.class,
                () -> create("step", "milestones", List.of(), "total_steps", 100L))
            .field());
  }

  @Test
  void refinedReadsTheFileAndResamplesToTotalSteps() throws IOException {
    Path f = dir.resolve("s.csv");
    new RefinedSchedule(new double[] {1, 0.5, 0}).write(f);
    assertEquals(List.of("step,factor", "0,1.0", "1,0.5", "2,0.0"), Files.readAllLines(f));
    Schedule s = create("refined", "path", f.toString());
    assertArrayEquals(
        new double[] {1, 0.5, 0, 0},
        new double[] {s.factor(0), s.factor(1), s.factor(2), s.factor(3)},
        0.0);
    Schedule r = create("refined", "path", f.toString(), "total_steps", 5L);
    assertArrayEquals(
        new double[] {1, 0.75, 0.5, 0.25, 0},
        new double[] {r.factor(0), r.factor(1), r.factor(2), r.factor(3), r.factor(4)},
        0.0);
  }

  @Test
  void aFailedWriteLeavesNoTemporaryFile() throws IOException {
    Path target = dir.resolve("taken");
    Files.createDirectories(target.resolve("inside")); // a non-empty directory cannot be replaced
    assertThrows(IOException.class, () -> new RefinedSchedule(new double[] {1, 0}).write(target));
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(target), s.toList());
    }
  }

  @Test
  void badScheduleFilesAndSpecsNameTheProblem() throws IOException {
    Path trailing = dir.resolve("t.csv");
    Files.write(trailing, List.of("step,factor", "0,1,"));
    SpecException e =
        assertThrows(SpecException.class, () -> create("refined", "path", trailing.toString()));
    assertEquals("schedule.path", e.field());
    assertTrue(e.getMessage().contains("line 2: expected 2 fields, got 3"), e.getMessage());
    Path empty = dir.resolve("e.csv");
    Files.write(empty, List.of("step,factor"));
    assertTrue(
        assertThrows(SpecException.class, () -> create("refined", "path", empty.toString()))
            .getMessage()
            .contains("e.csv: no steps after the header"));
    Path gap = dir.resolve("g.csv");
    Files.write(gap, List.of("step,factor", "0,1", "2,0"));
    assertTrue(
        assertThrows(SpecException.class, () -> create("refined", "path", gap.toString()))
            .getMessage()
            .contains("line 3: step 2, expected 1"));
    assertEquals(
        "schedule.path", assertThrows(SpecException.class, () -> create("refined")).field());
    assertEquals(
        "schedule.total_steps", assertThrows(SpecException.class, () -> create("cosine")).field());
    assertEquals(
        "schedule.warmup_steps",
        assertThrows(
                SpecException.class,
                () -> create("linear_decay", "total_steps", 5L, "warmup_steps", 5L))
            .field());
    assertEquals(
        "schedule.gama",
        assertThrows(SpecException.class, () -> create("exponential", "gama", 0.9)).field());
    assertEquals(
        "schedule.name", assertThrows(SpecException.class, () -> create("warm_restarts")).field());
  }
}
