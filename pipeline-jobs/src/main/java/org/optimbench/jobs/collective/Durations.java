package org.optimbench.jobs.collective;

import java.util.Locale;

/** Timeouts in error messages, in the unit they were most likely set in. */
final class Durations {
  private Durations() {}

  /** 300 ms, 5 s, 2.5 s, 600 s: whole seconds as seconds, the rest as given. */
  static String describe(long millis) {
    if (millis % 1000 == 0) return (millis / 1000) + " s";
    if (millis < 1000) return millis + " ms";
    return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
  }
}
