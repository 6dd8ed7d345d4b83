package org.optimbench.jobs.collective;

import java.io.Closeable;
import java.io.IOException;

/** Closing sockets and selectors on paths that are already failing or done. */
final class Io {
  private Io() {}

  static void closeQuietly(Closeable c) {
    if (c == null) return;
    try {
      c.close();
    } catch (IOException ignored) {
      // best effort
    }
  }
}
