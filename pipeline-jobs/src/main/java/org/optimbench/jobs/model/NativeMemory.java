package org.optimbench.jobs.model;

import java.util.Locale;
import java.util.function.LongSupplier;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * javacpp's physical-memory limit, checked every {@value #PERIOD_MILLIS} ms by a watcher thread
 * instead of on every native allocation.
 *
 * <p>Why. ND4J frees an array's native memory only after the garbage collector finds its Java
 * object unreachable, so a process whose heap is large and quiet can pile up native garbage.
 * javacpp guards against that: when the process's resident memory is above {@code maxPhysicalBytes}
 * (by default its {@code maxBytes}, the heap's maximum, plus three times the heap's maximum), it
 * collects garbage, waits and looks again, up to ten times, then throws {@link OutOfMemoryError}.
 * It looks on every allocation that registers a deallocator, and ND4J makes one for the shape
 * information of nearly every array it creates, so a small model's training step reads {@code
 * /proc/self/statm} dozens of times: a sizeable share of a step of a few hundred microseconds, more
 * with two workers in one process (BENCHMARKS.md, "Measurements behind code choices").
 *
 * <p>What. {@link #install()}, called before ND4J loads, switches javacpp's own look off ({@code
 * org.bytedeco.javacpp.maxPhysicalBytes=0}) and starts a daemon thread that makes the same check
 * with the same limit (the user's value of that property, else javacpp's default), collects garbage
 * the same way, and records a failure when the process stays above the limit; {@link #check()},
 * called by every training step, throws it as an {@link IllegalStateException}: a failed task,
 * which the run's restarts handle and report in one line, where javacpp's {@link OutOfMemoryError}
 * is fatal to a Spark executor (in local mode, to the whole job). javacpp's {@code maxBytes} check
 * (the bytes it allocated itself) is untouched. A limit of 0 or {@code noPointerGC} (the user
 * turning the checks off) starts no watcher; in a process where javacpp was loaded before {@link
 * #install()} ran, or with {@code -Doptimbench.nativeMemoryWatcher=false}, javacpp keeps checking
 * on every allocation and the watcher does not start.
 */
public final class NativeMemory {
  private static final Logger LOG = LoggerFactory.getLogger(NativeMemory.class);

  /** javacpp's property (it also reads the lower-case spelling) for the physical-memory limit. */
  static final String LIMIT_PROPERTY = "org.bytedeco.javacpp.maxPhysicalBytes";

  /**
   * {@code -Doptimbench.nativeMemoryWatcher=false}: no watcher, javacpp checks every allocation.
   */
  public static final String SWITCH_PROPERTY = "optimbench.nativeMemoryWatcher";

  static final long PERIOD_MILLIS = 50;

  /** As javacpp: this many collections, each followed by a pause, before the limit fails. */
  static final int RETRIES = 10;

  static final long PAUSE_MILLIS = 100;

  private static boolean installed;
  private static volatile Watch watch;

  private NativeMemory() {}

  /**
   * In this process, hands javacpp's physical-memory check to the watcher, with the limit javacpp
   * would have used (the user's {@code org.bytedeco.javacpp.maxPhysicalBytes}, else its default),
   * unless the user turned javacpp's memory checks off or javacpp is already loaded. Idempotent;
   * call it before anything touches ND4J.
   */
  public static synchronized void install() {
    if (installed) return;
    installed = true;
    if (!Boolean.parseBoolean(System.getProperty(SWITCH_PROPERTY, "true"))) return;
    String noGc =
        System.getProperty(
            "org.bytedeco.javacpp.noPointerGC",
            System.getProperty("org.bytedeco.javacpp.nopointergc", "false"));
    if (noGc.equalsIgnoreCase("true") || noGc.equalsIgnoreCase("t") || noGc.isEmpty()) return;
    String lower = LIMIT_PROPERTY.toLowerCase(Locale.ROOT);
    String camelSet = System.getProperty(LIMIT_PROPERTY);
    String lowerSet = System.getProperty(lower);
    String userLimit = camelSet != null ? camelSet : lowerSet; // javacpp's precedence
    System.setProperty(LIMIT_PROPERTY, "0");
    System.clearProperty(lower);
    if (Pointer.maxPhysicalBytes() > 0) {
      restore(LIMIT_PROPERTY, camelSet);
      restore(lower, lowerSet);
      LOG.info(
          "javacpp was loaded before the native-memory watcher; it checks on every allocation");
      return;
    }
    long heap = Runtime.getRuntime().maxMemory();
    long limit;
    if (userLimit == null || userLimit.isEmpty()) {
      limit = defaultLimit(Pointer.maxBytes(), heap);
    } else {
      try {
        limit = Pointer.parseBytes(userLimit, heap);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "-D" + LIMIT_PROPERTY + "=" + userLimit + " is not a size in bytes (e.g. 8g)", e);
      }
    }
    if (limit <= 0) return;
    Watch w =
        new Watch(
            limit, () -> Pointer.physicalBytesInaccurate(limit), NativeMemory::collect, RETRIES);
    watch = w;
    Thread t =
        new Thread(
            () -> {
              while (true) {
                try {
                  Thread.sleep(PERIOD_MILLIS);
                } catch (InterruptedException e) {
                  return;
                }
                boolean failedBefore = w.pending() != null;
                String failed = w.poll();
                if (failed != null && !failedBefore) LOG.error(failed);
                if (failed == null && failedBefore) LOG.info("native memory back under the limit");
              }
            },
            "optimbench-native-memory");
    t.setDaemon(true);
    t.start();
    LOG.info(
        "native memory checked every {} ms against {} bytes (javacpp's per-allocation check off)",
        PERIOD_MILLIS,
        limit);
  }

  private static void restore(String key, String value) {
    if (value == null) System.clearProperty(key);
    else System.setProperty(key, value);
  }

  /** The watcher's limit in bytes; 0 when it does not run. */
  public static long limit() {
    Watch w = watch;
    return w == null ? 0 : w.limit;
  }

  /**
   * Throws the watcher's failure (the process stayed above its physical-memory limit after
   * collecting garbage) to every step that asks while it stands; it stands until the watcher finds
   * the process back under the limit, so a restarted attempt goes on once the failed one's memory
   * is collected. A volatile read otherwise.
   */
  public static void check() {
    Watch w = watch;
    if (w != null) w.check();
  }

  /**
   * javacpp's default physical-memory limit: {@code maxBytes} plus three times the heap's maximum,
   * or none (0) when {@code maxBytes} is not positive (javacpp 1.5.7, {@code Pointer}'s static
   * initializer).
   */
  static long defaultLimit(long maxBytes, long heapMax) {
    return maxBytes > 0 ? maxBytes + 3 * heapMax : 0;
  }

  /** What javacpp does between two looks: collect, pause, return freed memory to the system. */
  private static void collect() {
    System.gc();
    try {
      Thread.sleep(PAUSE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (TRIM != null) {
      try {
        TRIM.invoke(null);
      } catch (ReflectiveOperationException e) {
        LOG.debug("javacpp's trimMemory failed", e);
      }
    }
  }

  /**
   * javacpp's {@code Pointer.trimMemory} (glibc's {@code malloc_trim}: freed memory back to the
   * system, so the next look sees what the collection freed), private in javacpp 1.5.7; null where
   * it cannot be reached.
   */
  private static final java.lang.reflect.Method TRIM = trimMethod();

  private static java.lang.reflect.Method trimMethod() {
    try {
      java.lang.reflect.Method m = Pointer.class.getDeclaredMethod("trimMemory");
      m.setAccessible(true);
      return m;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** The watcher's logic, apart from its thread and from javacpp (for tests). */
  static final class Watch {
    private final long limit;
    private final LongSupplier physical;
    private final Runnable collect;
    private final int retries;

    /** Looks (of {@link #PERIOD_MILLIS}) between two collections while a failure stands: 1 s. */
    static final int RECHECK_POLLS = 20;

    private final java.util.concurrent.atomic.AtomicReference<String> failure =
        new java.util.concurrent.atomic.AtomicReference<>();
    private int quiet;

    Watch(long limit, LongSupplier physical, Runnable collect, int retries) {
      this.limit = limit;
      this.physical = physical;
      this.collect = collect;
      this.retries = retries;
    }

    /**
     * One look: while the process is above the limit, collect and look again, up to {@code retries}
     * times; still above, the failure is recorded and returned. While a failure stands, every
     * {@value #RECHECK_POLLS}th look collects once and clears it if the process is back under the
     * limit (the failed attempt's arrays are garbage by then); the others return it unchanged.
     */
    String poll() {
      String before = failure.get();
      if (before != null) {
        if (++quiet < RECHECK_POLLS) return before;
        quiet = 0;
        collect.run();
        if (physical.getAsLong() > limit) return before;
        failure.set(null);
        return null;
      }
      long bytes = physical.getAsLong();
      for (int i = 0; i < retries && bytes > limit; i++) {
        collect.run();
        bytes = physical.getAsLong();
      }
      if (bytes <= limit) return null;
      String failed =
          String.format(
              Locale.ROOT,
              "native memory: the process's physical memory (%d bytes) stayed above the limit"
                  + " (%d bytes; -D%s=BYTES sets it, by default javacpp's maxBytes plus 3 x -Xmx)"
                  + " after %d garbage collections",
              bytes,
              limit,
              LIMIT_PROPERTY,
              retries);
      failure.set(failed);
      return failed;
    }

    /** The standing failure, or null. */
    String pending() {
      return failure.get();
    }

    /** Throws the standing failure; nothing when there is none. */
    void check() {
      String failed = failure.get();
      if (failed != null) throw new IllegalStateException(failed);
    }
  }
}
