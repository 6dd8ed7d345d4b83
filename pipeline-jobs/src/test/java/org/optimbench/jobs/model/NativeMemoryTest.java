package org.optimbench.jobs.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * The watcher that replaces javacpp's per-allocation physical-memory check keeps its limit and its
 * collect-then-fail behaviour, and takes over only where javacpp was not configured or loaded
 * first; each case in a fresh JVM, since javacpp reads its limit once, when it loads.
 */
class NativeMemoryTest {
  @Test
  void watchCollectsWhileAboveTheLimitAndFailsWhenCollectingDoesNotHelp() {
    AtomicLong rss = new AtomicLong(900);
    AtomicInteger collections = new AtomicInteger();
    NativeMemory.Watch below =
        new NativeMemory.Watch(1000, rss::get, collections::incrementAndGet, 10);
    assertNull(below.poll());
    assertEquals(0, collections.get(), "below the limit nothing is collected");

    // above, back under the limit after the second collection
    rss.set(1500);
    NativeMemory.Watch recovers =
        new NativeMemory.Watch(
            1000,
            rss::get,
            () -> {
              if (collections.incrementAndGet() == 2) rss.set(800);
            },
            10);
    assertNull(recovers.poll());
    assertEquals(2, collections.get());
    assertNull(recovers.pending());

    // above whatever is collected: fails after the retries, and the failure stands
    collections.set(0);
    rss.set(1500);
    NativeMemory.Watch stuck =
        new NativeMemory.Watch(1000, rss::get, collections::incrementAndGet, 10);
    String failed = stuck.poll();
    assertNotNull(failed);
    assertEquals(10, collections.get());
    assertTrue(failed.contains("(1500 bytes)") && failed.contains("(1000 bytes;"), failed);
    assertTrue(failed.contains(NativeMemory.LIMIT_PROPERTY), failed);

    // every step that checks while it stands throws it (both workers of a process)
    for (int i = 0; i < 2; i++) {
      IllegalStateException thrown = assertThrows(IllegalStateException.class, stuck::check);
      assertEquals(failed, thrown.getMessage());
    }

    // it stands, collecting once a second, until the process is back under the limit
    for (int i = 1; i < NativeMemory.Watch.RECHECK_POLLS; i++) assertSame(failed, stuck.poll());
    assertEquals(10, collections.get(), "no collection between the rechecks");
    assertSame(failed, stuck.poll(), "still above at the recheck");
    assertEquals(11, collections.get());
    rss.set(500);
    for (int i = 1; i < NativeMemory.Watch.RECHECK_POLLS; i++) assertSame(failed, stuck.poll());
    assertNull(stuck.poll(), "back under the limit at the next recheck");
    assertEquals(12, collections.get());
    stuck.check(); // nothing stands: a restarted attempt goes on
  }

  /** Prints javacpp's limits and the watcher's (0: none) in a fresh JVM. */
  public static final class Probe {
    public static void main(String[] args) {
      if (args.length > 0 && args[0].equals("install")) NativeMemory.install();
      System.out.println(
          Pointer.maxPhysicalBytes()
              + " "
              + Pointer.maxBytes()
              + " "
              + Runtime.getRuntime().maxMemory()
              + " "
              + NativeMemory.limit());
    }
  }

  private static long[] probe(List<String> jvmArgs, String... args)
      throws IOException, InterruptedException {
    String[] f = FreshJvm.lastLine(Probe.class, jvmArgs, Map.of(), List.of(), args);
    return new long[] {
      Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])
    };
  }

  @Test
  void theWatcherTakesJavacppsLimitOverWhenInstalledBeforeJavacppLoads() throws Exception {
    // javacpp alone: its own default, which the watcher's formula reproduces
    long[] alone = probe(List.of());
    assertTrue(alone[0] > 0);
    assertEquals(alone[0], NativeMemory.defaultLimit(alone[1], alone[2]));
    assertEquals(0, alone[3], "no watcher");

    // installed first: javacpp's look is off and the watcher checks javacpp's default limit
    long[] installed = probe(List.of(), "install");
    assertEquals(0, installed[0]);
    assertEquals(alone[0], installed[3]);

    // a limit the user set (either spelling, javacpp's syntax) is the watcher's
    long[] userSet = probe(List.of("-D" + NativeMemory.LIMIT_PROPERTY + "=1g"), "install");
    assertEquals(0, userSet[0]);
    assertEquals(1L << 30, userSet[3]);
    long[] lowerCase = probe(List.of("-Dorg.bytedeco.javacpp.maxphysicalbytes=300m"), "install");
    assertEquals(0, lowerCase[0]);
    assertEquals(300L << 20, lowerCase[3]);

    // checks turned off by the user stay off
    long[] off = probe(List.of("-D" + NativeMemory.LIMIT_PROPERTY + "=0"), "install");
    assertEquals(0, off[0]);
    assertEquals(0, off[3]);
    long[] noGc = probe(List.of("-Dorg.bytedeco.javacpp.noPointerGC=true"), "install");
    assertEquals(0, noGc[3]);

    // the watcher switched off: javacpp checks its default limit itself, as without install
    long[] switchedOff = probe(List.of("-D" + NativeMemory.SWITCH_PROPERTY + "=false"), "install");
    assertEquals(alone[0], switchedOff[0]);
    assertEquals(0, switchedOff[3]);
  }
}
