package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The reason an attempt failed names the worker that failed, not the ring neighbour whose
 * collective call broke because of it, whichever of the two Spark reports first.
 */
class FirstTaskFailureTest {
  static final String PEER =
      "rank 0: CollectiveException: rank 0 of 2, all-reduce call #3 (small-array gather hop 0):"
          + " left neighbour rank 1 at /127.0.0.1:1 closed the connection";
  static final String CAUSE = "rank 1: IllegalStateException: native memory: ...";

  @Test
  void theCauseIsPreferredToTheNeighboursCollectiveErrorThatArrivedFirst() throws Exception {
    Launcher.FirstTaskFailure f = new Launcher.FirstTaskFailure();
    f.record(PEER, true);
    Thread later =
        new Thread(
            () -> {
              try {
                Thread.sleep(100);
              } catch (InterruptedException e) {
                return;
              }
              f.record(CAUSE, false);
            });
    later.start();
    assertEquals(Optional.of(CAUSE), f.await(2_000));
    later.join();
  }

  @Test
  void theFirstCauseStandsAndACollectiveErrorAloneIsReportedAfterTheWait() {
    Launcher.FirstTaskFailure f = new Launcher.FirstTaskFailure();
    f.record(CAUSE, false);
    f.record(PEER, true);
    f.record("rank 0: its executor 2 was lost (...)", false);
    assertEquals(Optional.of(CAUSE), f.await(2_000));

    Launcher.FirstTaskFailure alone = new Launcher.FirstTaskFailure();
    alone.record(PEER, true);
    long t = System.nanoTime();
    assertEquals(Optional.of(PEER), alone.await(2_000));
    long waited = (System.nanoTime() - t) / 1_000_000L;
    assertTrue(
        waited >= Launcher.FirstTaskFailure.CAUSE_WAIT_MILLIS - 50 && waited < 1_900,
        "waited " + waited + " ms for a cause");

    assertEquals(Optional.empty(), new Launcher.FirstTaskFailure().await(50));
  }
}
