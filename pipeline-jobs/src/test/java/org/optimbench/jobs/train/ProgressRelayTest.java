package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.optimbench.jobs.collective.RingSecret;

/**
 * Rank 0's lines reach the driver's console through the relay; a connection that cannot prove the
 * run's secret is refused (and falls back to its own output), and a silent one does not block the
 * relay for anyone else.
 */
class ProgressRelayTest {
  @Test
  void rankZerosLinesReachTheDriversConsole() throws Exception {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    RingSecret secret = RingSecret.generate();
    try (ProgressRelay relay =
        ProgressRelay.open(
            "127.0.0.1", secret, new PrintStream(console, true, StandardCharsets.UTF_8))) {
      PrintStream out = ProgressRelay.connect(relay.address(), System.out);
      out.println("run-a: step 10/20  loss 0.5");
      out.println("run-a: completed 20 steps");
      out.close();
      relay.drain(5_000);
    }
    assertEquals(
        "run-a: step 10/20  loss 0.5\nrun-a: completed 20 steps\n",
        console.toString(StandardCharsets.UTF_8).replace("\r\n", "\n"));
  }

  @Test
  void aClientWithoutTheSecretIsRefusedAndASilentOneBlocksNobody() throws Exception {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    ByteArrayOutputStream fallback = new ByteArrayOutputStream();
    PrintStream own = new PrintStream(fallback, true, StandardCharsets.UTF_8);
    try (ProgressRelay relay =
        ProgressRelay.open(
            "127.0.0.1",
            RingSecret.generate(),
            new PrintStream(console, true, StandardCharsets.UTF_8))) {
      ProgressRelay.Address address = relay.address();
      try (Socket silent = new Socket(address.host(), address.port())) {
        ProgressRelay.Address forged =
            new ProgressRelay.Address(address.host(), address.port(), RingSecret.generate());
        long t0 = System.nanoTime();
        PrintStream out = ProgressRelay.connect(forged, own);
        assertSame(own, out, "a wrong proof is refused and the worker keeps its own output");
        assertTrue((System.nanoTime() - t0) / 1e9 < 3, "refused at once, not after a timeout");
        PrintStream real = ProgressRelay.connect(address, System.out);
        real.println("still relayed");
        real.close();
        relay.drain(5_000);
      }
    }
    assertEquals("still relayed\n", console.toString(StandardCharsets.UTF_8).replace("\r\n", "\n"));
  }
}
