package org.optimbench.jobs.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.fs.Location;
import org.optimbench.optim.OptimizerState;

/**
 * A run directory's whole life on a shared store (a subclass per store), reached by URI as the
 * trainer reaches it: open, start, metrics, checkpoints, a kill and the resume, completion, status
 * and the sweep scan; a damaged checkpoint passed over; a superseded attempt fenced off.
 */
abstract class RunDirectoryOnStoreTestBase {
  /** The store's URI of {@code absolutePath}. */
  abstract String uri(String absolutePath);

  /** {@link #uri} as a {@link Location}. */
  abstract Location location(String absolutePath) throws IOException;

  @Test
  void aKilledRunResumesToTheSameEndAsAnUninterruptedOne() throws IOException {
    String root = uri("/life/runs");
    Location r = Location.of(root);
    long[] uninterrupted = TinyTraining.run(r, "full", RunDirectoryTest.conf(0.1), Long.MAX_VALUE);
    assertNull(TinyTraining.run(r, "killed", RunDirectoryTest.conf(0.1), 13));
    assertEquals(13, MetricsLog.read(r.resolve("killed/metrics.csv")).size());
    SweepState sweep = SweepState.scan(root, List.of("full", "killed", "new"));
    assertEquals(List.of("full"), sweep.finished());
    assertEquals(List.of("killed"), sweep.incomplete());
    assertEquals(List.of("new"), sweep.fresh());
    assertEquals(RunStatus.State.RUNNING, sweep.status("killed").orElseThrow().state());

    long[] resumed = TinyTraining.run(r, "killed", RunDirectoryTest.conf(0.1), Long.MAX_VALUE);
    assertArrayEquals(uninterrupted, resumed);
    List<Object> full = column(r.resolve("full/metrics.csv"));
    assertEquals(20, full.size());
    assertEquals(full, column(r.resolve("killed/metrics.csv")), "same rows, none twice");
    RunDirectory reopened = RunDirectory.open(root, "killed", RunDirectoryTest.conf(0.1), false);
    assertTrue(reopened.isCompleted());
    assertEquals(List.of(15L, 20L), reopened.checkpoints().steps());
    assertEquals(20, reopened.checkpoints().latest().orElseThrow().step());
    assertTrue(reopened.dir().resolve(RunDirectory.CONF).readString().contains("lr: 0.1"));
    for (Location l : reopened.dir().list())
      assertTrue(!l.name().endsWith(".tmp"), "no temporary file left: " + l);
  }

  @Test
  void metricsAreReadableWholeAfterEveryFlush() throws IOException {
    RunDirectory run =
        RunDirectory.open(uri("/flush/runs"), "m", RunDirectoryTest.conf(0.1), false);
    run.start(List.of("d"), List.of("valid_loss"));
    Location csv = run.dir().resolve(MetricsLog.FILE);
    for (long step = 0; step < 30; step++) {
      run.metrics().append(MetricsLog.row(step).trainLoss(1.0 / (step + 1)));
      if (step % 10 == 9) {
        run.metrics().flush();
        assertEquals(step + 1, MetricsLog.read(csv).size());
      }
    }
    run.metrics().append(MetricsLog.row(30).trainLoss(0.5));
    assertEquals(30, MetricsLog.read(csv).size(), "rows are buffered until the flush");
  }

  @Test
  void aDamagedLastCheckpointFallsBackToThePreviousOne() throws IOException {
    Checkpoints c = new Checkpoints(location("/damaged/run"), 2);
    c.write(10, Nd4j.ones(DataType.FLOAT, 3), new OptimizerState(), Map.of());
    Location step20 = c.write(20, Nd4j.zeros(DataType.FLOAT, 3), new OptimizerState(), Map.of());
    Location params = step20.resolve(Checkpoints.PARAMS);
    byte[] b = params.readBytes();
    try (OutputStream out = params.create(true)) {
      out.write(b, 0, b.length / 2);
    }
    try (CapturedLog log = new CapturedLog(Checkpoints.class)) {
      assertEquals(10, c.latest().orElseThrow().step());
      assertTrue(
          log.lines().stream()
              .anyMatch(
                  l -> l.startsWith("WARN") && l.contains("step 20") && l.contains("step 10")),
          log.lines().toString());
    }
    assertEquals(Optional.of(10L), c.latestStep());
  }

  @Test
  void aZombieAttemptCommitsNothing() throws IOException {
    RunAttemptsTest.zombieCommitsNothing(location("/zombie/runs"));
  }

  private static List<Object> column(Location csv) throws IOException {
    List<Object> out = new ArrayList<>();
    for (Map<String, Object> row : MetricsLog.read(csv)) out.add(row.get("train_loss"));
    return out;
  }
}
