package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.optimbench.jobs.collective.RingSecret;

class ProgressRelayTest {
  private static SparkConf conf(String host, String bindAddress) {
    SparkConf c = new SparkConf(false).set("spark.driver.host", host);
    return bindAddress == null ? c : c.set("spark.driver.bindAddress", bindAddress);
  }

  @Test
  void theDriverListensAndIsReachedWhereSparkBindsIt() {
    // YARN, standalone: no bind address, the driver's host for both
    assertEquals(
        new ProgressRelay.Endpoint("10.0.0.5", "10.0.0.5"),
        ProgressRelay.Endpoint.of(conf("10.0.0.5", null)));
    // Kubernetes in cluster mode: the host is the driver's service, the bind address its pod's IP
    assertEquals(
        new ProgressRelay.Endpoint("10.1.2.3", "10.1.2.3"),
        ProgressRelay.Endpoint.of(conf("app-driver-svc.ns.svc", "10.1.2.3")));
    // every interface: rank 0 is given the host
    assertEquals(
        new ProgressRelay.Endpoint("0.0.0.0", "driver.example"),
        ProgressRelay.Endpoint.of(conf("driver.example", "0.0.0.0")));
  }

  @Test
  void rank0sLinesReachTheDriversConsoleWhenTheHostCannotBeBound() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream console = new PrintStream(printed, true, StandardCharsets.UTF_8);
    RingSecret secret = RingSecret.generate();
    ProgressRelay.Endpoint at =
        ProgressRelay.Endpoint.of(conf("app-driver-svc.ns.invalid", "127.0.0.1"));
    try (ProgressRelay relay = ProgressRelay.open(at, secret, console)) {
      PrintStream fallback = new PrintStream(new ByteArrayOutputStream());
      PrintStream out = ProgressRelay.connect(relay.address(), fallback);
      out.println("run: step 10/20  loss 0.5");
      out.close();
      relay.drain(5_000);
    }
    assertEquals("run: step 10/20  loss 0.5\n", printed.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aWorkerWithoutTheRunsSecretPrintsToItsOwnOutput() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream console = new PrintStream(printed, true, StandardCharsets.UTF_8);
    ProgressRelay.Endpoint at = ProgressRelay.Endpoint.of(conf("127.0.0.1", null));
    try (ProgressRelay relay = ProgressRelay.open(at, RingSecret.generate(), console)) {
      ProgressRelay.Address stranger =
          new ProgressRelay.Address(
              relay.address().host(), relay.address().port(), RingSecret.generate());
      PrintStream fallback = new PrintStream(new ByteArrayOutputStream());
      assertSame(fallback, ProgressRelay.connect(stranger, fallback));
    }
    assertEquals("", printed.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aDriverThatCannotListenRunsWithoutTheRelay() {
    PrintStream console = new PrintStream(new ByteArrayOutputStream());
    assertNull(
        ProgressRelay.openOrNull(
            new ProgressRelay.Endpoint("no-such-host.invalid", "no-such-host.invalid"),
            RingSecret.generate(),
            console));
    ProgressRelay relay =
        ProgressRelay.openOrNull(
            ProgressRelay.Endpoint.of(conf("127.0.0.1", null)), RingSecret.generate(), console);
    assertNotNull(relay);
    relay.close();
  }

  @Test
  void aSilentConnectionBlocksNobody() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream console = new PrintStream(printed, true, StandardCharsets.UTF_8);
    ProgressRelay.Endpoint at = ProgressRelay.Endpoint.of(conf("127.0.0.1", null));
    try (ProgressRelay relay = ProgressRelay.open(at, RingSecret.generate(), console)) {
      ProgressRelay.Address address = relay.address();
      try (Socket silent = new Socket(address.host(), address.port())) {
        long t0 = System.nanoTime();
        PrintStream out = ProgressRelay.connect(address, System.out);
        assertTrue((System.nanoTime() - t0) / 1e9 < 3, "connected at once, not after a timeout");
        out.println("still relayed");
        out.close();
        relay.drain(5_000);
      }
    }
    assertEquals("still relayed\n", printed.toString(StandardCharsets.UTF_8).replace("\r\n", "\n"));
  }
}
