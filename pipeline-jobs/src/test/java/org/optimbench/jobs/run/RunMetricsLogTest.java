package org.optimbench.jobs.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics CSV: fixed columns, exact numbers, truncation on resume, and what a kill leaves. */
class RunMetricsLogTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve(MetricsLog.FILE);
  }

  @Test
  void columnsAreFixedAtOpenAndNumbersRoundTrip() throws IOException {
    double awkward = 0.1 + 0.2;
    try (MetricsLog log =
        MetricsLog.open(file(), List.of("d", "lower.bound"), List.of("accuracy"))) {
      assertEquals(
          List.of(
              "step",
              "epoch",
              "wall_time_s",
              "samples",
              "train_loss",
              "lr",
              "grad_norm",
              "diag.d",
              "diag.lower.bound",
              "eval.accuracy"),
          log.columns());
      log.append(
          MetricsLog.row(0)
              .epoch(0)
              .samples(32)
              .trainLoss(awkward)
              .lr(1e-3)
              .diagnostics(Map.of("d", 1e-300)));
      log.append(
          MetricsLog.row(10)
              .trainLoss(Double.NaN)
              .gradNorm(Double.POSITIVE_INFINITY)
              .eval(Map.of("accuracy", 0.75)));
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> log.append(MetricsLog.row(20).diagnostics(Map.of("hypergrad", 1.0))));
      assertTrue(e.getMessage().contains("diag.hypergrad"), e.getMessage());
      assertThrows(
          IllegalArgumentException.class, () -> log.append(MetricsLog.row(10)), "steps increase");

      List<Map<String, Object>> rows = log.readAll();
      assertEquals(2, rows.size());
      assertEquals(0L, rows.get(0).get("step"));
      assertEquals(32L, rows.get(0).get("samples"));
      assertEquals(awkward, (Double) rows.get(0).get("train_loss"));
      assertEquals(1e-300, (Double) rows.get(0).get("diag.d"));
      assertNull(rows.get(0).get("grad_norm"), "missing is empty, not 0");
      assertTrue(Double.isNaN((Double) rows.get(1).get("train_loss")));
      assertEquals(Double.POSITIVE_INFINITY, rows.get(1).get("grad_norm"));
      assertEquals(0.75, rows.get(1).get("eval.accuracy"));
    }
  }

  @Test
  void reopeningWithOtherColumnsNamesTheColumn() throws IOException {
    MetricsLog.open(file(), List.of("d"), List.of()).close();
    RunFileException e =
        assertThrows(
            RunFileException.class, () -> MetricsLog.open(file(), List.of("gamma"), List.of()));
    assertTrue(
        e.getMessage().contains("metrics.csv")
            && e.getMessage().contains("diag.d")
            && e.getMessage().contains("diag.gamma"),
        e.getMessage());
  }

  @Test
  void truncateAfterDropsLaterRowsAndContinues() throws IOException {
    try (MetricsLog log = MetricsLog.open(file(), List.of(), List.of())) {
      for (long s = 0; s <= 50; s += 10) log.append(MetricsLog.row(s).trainLoss(s));
    }
    // resumed from the checkpoint at step 30
    try (MetricsLog log = MetricsLog.open(file(), List.of(), List.of())) {
      assertEquals(50, log.lastStep());
      log.truncateAfter(30);
      assertEquals(30, log.lastStep());
      log.append(MetricsLog.row(40).trainLoss(-1));
      assertEquals(
          List.of(0L, 10L, 20L, 30L, 40L), log.readAll().stream().map(r -> r.get("step")).toList());
      assertEquals(-1.0, log.readAll().get(4).get("train_loss"));
      log.truncateAfter(-1); // restart from scratch: header only
      assertEquals(List.of(), log.readAll());
    }
    assertEquals(1, Files.readAllLines(file()).size());
  }

  @Test
  void aLineCutByAKillIsDroppedOnOpen() throws IOException {
    try (MetricsLog log = MetricsLog.open(file(), List.of(), List.of())) {
      log.append(MetricsLog.row(0).trainLoss(1));
    }
    Files.writeString(file(), "10,,,,0.5", StandardOpenOption.APPEND);
    try (MetricsLog log = MetricsLog.open(file(), List.of(), List.of())) {
      assertEquals(0, log.lastStep());
      log.append(MetricsLog.row(10).trainLoss(0.25));
      assertEquals(List.of(0L, 10L), log.readAll().stream().map(r -> r.get("step")).toList());
    }
  }

  @Test
  void aBadRowIsAnErrorNamingTheLine() throws IOException {
    MetricsLog.open(file(), List.of(), List.of()).close();
    Files.writeString(file(), "0,,,,1.0,,\n10,,,,abc,,\n", StandardOpenOption.APPEND);
    RunFileException e = assertThrows(RunFileException.class, () -> MetricsLog.read(file()));
    assertTrue(
        e.getMessage().contains("line 3") && e.getMessage().contains("train_loss"), e.getMessage());
  }

  @Test
  void badMetricNamesAreRejected() {
    assertThrows(
        IllegalArgumentException.class, () -> MetricsLog.columns(List.of("a,b"), List.of()));
    assertThrows(
        IllegalArgumentException.class, () -> MetricsLog.columns(List.of("a", "a"), List.of()));
  }
}
