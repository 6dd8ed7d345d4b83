package org.optimbench.jobs.collective;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.function.Supplier;

/**
 * Blocking-with-deadline reads and writes for the handshake (the per-step path has its own loop).
 */
final class Io {
  private Io() {}

  static void readFully(
      SocketChannel ch,
      ByteBuffer b,
      long deadlineNanos,
      Runnable cancelCheck,
      Supplier<String> what)
      throws IOException {
    transfer(ch, b, deadlineNanos, cancelCheck, what, false);
  }

  static void writeFully(
      SocketChannel ch,
      ByteBuffer b,
      long deadlineNanos,
      Runnable cancelCheck,
      Supplier<String> what)
      throws IOException {
    transfer(ch, b, deadlineNanos, cancelCheck, what, true);
  }

  private static void transfer(
      SocketChannel ch,
      ByteBuffer b,
      long deadlineNanos,
      Runnable cancelCheck,
      Supplier<String> what,
      boolean write)
      throws IOException {
    boolean wasBlocking = ch.isBlocking();
    ch.configureBlocking(false);
    try (Selector sel = Selector.open()) {
      SelectionKey key = ch.register(sel, write ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
      while (b.hasRemaining()) {
        int n = write ? ch.write(b) : ch.read(b);
        if (n < 0) throw new CollectiveException(what.get() + ": connection closed by the peer");
        if (n > 0) continue;
        long waitMs = (deadlineNanos - System.nanoTime()) / 1_000_000L;
        if (waitMs <= 0) throw new CollectiveTimeoutException(what.get() + ": timed out");
        sel.select(Math.min(waitMs, 500));
        sel.selectedKeys().clear();
        if (cancelCheck != null) cancelCheck.run();
      }
      key.cancel();
      sel.selectNow(); // deregisters, so the channel may go back to blocking mode
    }
    ch.configureBlocking(wasBlocking);
  }

  static void closeQuietly(Closeable c) {
    if (c == null) return;
    try {
      c.close();
    } catch (IOException ignored) {
      // best effort
    }
  }
}
