package org.optimbench.jobs.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.fs.Location;

/**
 * Attempt fencing on a local run directory: attempts get distinct numbers even when they race, and
 * a writer whose attempt was superseded commits nothing; the driver records the run's status.
 * {@link RunDirectoryHdfsTest} checks the same on HDFS.
 */
class RunAttemptsTest {
  @TempDir Path root;

  @Test
  void aZombieAttemptCommitsNoCheckpointStatusOrMetrics() throws IOException {
    zombieCommitsNothing(Location.local(root));
  }

  @Test
  void racingAttemptsGetDistinctNumbers() throws Exception {
    racingAttemptsGetDistinctNumbers(Location.local(root));
  }

  @Test
  void theDriverRecordsAFailedAttemptAndARestartAtTheLastCheckpoint() throws IOException {
    Location r = Location.local(root);
    int first = RunDirectory.beginAttempt(r, "r1");
    RunDirectory worker =
        RunDirectory.openAttempt(r, "r1", RunDirectoryTest.conf(0.1), false, 2, first);
    TinyTraining t = new TinyTraining("adam", DataType.FLOAT);
    worker.start(List.of(), List.of());
    worker.checkpoint(5, t.model.params(), t.state, Map.of());
    worker.metrics().append(MetricsLog.row(6).trainLoss(1.0));

    // the driver gives up on the attempt: no metrics log of its own, the status only
    RunDirectory.attach(r, "r1", first).failAtLastCheckpoint("executor lost");
    RunStatus failed = RunStatus.read(root.resolve("r1")).orElseThrow();
    assertEquals(RunStatus.State.FAILED, failed.state());
    assertEquals(5, failed.step());
    assertEquals("executor lost", failed.reason());

    int second = RunDirectory.beginAttempt(r, "r1");
    assertEquals(first + 1, second);
    RunDirectory.attach(r, "r1", second).restarting();
    RunStatus restarting = RunStatus.read(root.resolve("r1")).orElseThrow();
    assertEquals(RunStatus.State.RUNNING, restarting.state());
    assertEquals(5, restarting.step());
    StaleAttemptException e =
        assertThrows(
            StaleAttemptException.class,
            () -> RunDirectory.attach(r, "r1", first).failAtLastCheckpoint("late"));
    assertEquals(
        "attempt " + first + " of run r1 was superseded by attempt " + second + "; not writing",
        e.getMessage());
  }

  @Test
  void openingARunDirectorySupersedesEveryEarlierWriter() throws IOException {
    RunDirectory first = RunDirectory.open(root, "r1", RunDirectoryTest.conf(0.1));
    RunDirectory second = RunDirectory.open(root, "r1", RunDirectoryTest.conf(0.1));
    assertEquals(first.attempt() + 1, second.attempt());
    assertThrows(StaleAttemptException.class, () -> first.start(List.of(), List.of()));
    second.start(List.of(), List.of());
  }

  @Test
  void anAttemptNeverBegunIsRefusedNamingItsMarker() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RunDirectory.openAttempt(
                    root.toString(), "r1", RunDirectoryTest.conf(0.1), false, 7));
    assertTrue(e.getMessage().contains("attempts/7"), e.getMessage());
  }

  /**
   * Attempt 1 trains and commits step 5; attempt 2 begins; every commit attempt 1 still tries
   * throws, and the directory is as attempt 1 left it at step 5.
   */
  static void zombieCommitsNothing(Location root) throws IOException {
    int first = RunDirectory.beginAttempt(root, "z");
    RunDirectory zombie =
        RunDirectory.openAttempt(root, "z", RunDirectoryTest.conf(0.1), false, 2, first);
    TinyTraining t = new TinyTraining("adam", DataType.FLOAT);
    zombie.start(List.of(), List.of());
    zombie.metrics().append(MetricsLog.row(0).trainLoss(2.0));
    zombie.checkpoint(5, t.model.params(), t.state, Map.of());
    Location dir = zombie.dir();
    String metricsBefore = dir.resolve(MetricsLog.FILE).readString();
    String statusBefore = dir.resolve(RunStatus.FILE).readString();

    int second = RunDirectory.beginAttempt(root, "z");
    String superseded =
        "attempt " + first + " of run z was superseded by attempt " + second + "; not writing";

    zombie.metrics().append(MetricsLog.row(6).trainLoss(1.0));
    StaleAttemptException e =
        assertThrows(
            StaleAttemptException.class,
            () -> zombie.checkpoint(10, t.model.params(), t.state, Map.of()));
    assertEquals(superseded, e.getMessage());
    assertThrows(StaleAttemptException.class, () -> zombie.metrics().flush());
    assertThrows(StaleAttemptException.class, () -> zombie.fail(6, "zombie"));
    assertThrows(StaleAttemptException.class, () -> zombie.complete(5));
    // the checkpoint layer itself refuses too, when called past the directory
    assertThrows(
        StaleAttemptException.class,
        () -> zombie.checkpoints().write(10, t.model.params(), t.state, Map.of()));

    assertEquals(List.of(5L), zombie.checkpoints().steps());
    assertFalse(dir.resolve("checkpoints/step-10").exists());
    assertEquals(metricsBefore, dir.resolve(MetricsLog.FILE).readString());
    assertEquals(statusBefore, dir.resolve(RunStatus.FILE).readString());

    // the new attempt resumes from what the zombie had committed
    RunDirectory current =
        RunDirectory.openAttempt(root, "z", RunDirectoryTest.conf(0.1), false, 2, second);
    assertEquals(5, current.start(List.of(), List.of()).orElseThrow().step());
  }

  /** Eight threads begin attempts of one run at once: eight distinct numbers, 1 to 8. */
  static void racingAttemptsGetDistinctNumbers(Location root) throws Exception {
    int n = 8;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Integer>> got = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Callable<Integer> begin =
            () -> {
              go.await();
              return RunDirectory.beginAttempt(root, "race");
            };
        got.add(pool.submit(begin));
      }
      go.countDown();
      TreeSet<Integer> numbers = new TreeSet<>();
      for (Future<Integer> f : got) numbers.add(f.get());
      assertEquals(n, numbers.size(), "distinct: " + numbers);
      assertEquals(1, numbers.first());
      assertEquals(n, numbers.last());
      assertEquals(n, root.resolve("race").resolve(RunDirectory.ATTEMPTS).list().size());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void noTemporaryOrChecksumFilesAreLeftInALocalRunDirectory() throws IOException {
    TinyTraining.run(Location.local(root), "clean", RunDirectoryTest.conf(0.1), Long.MAX_VALUE);
    try (var s = Files.walk(root.resolve("clean"))) {
      List<String> odd =
          s.map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".crc") || n.endsWith(".tmp"))
              .toList();
      assertEquals(List.of(), odd);
    }
  }
}
