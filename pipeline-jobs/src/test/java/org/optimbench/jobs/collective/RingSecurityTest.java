package org.optimbench.jobs.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Who may join a ring, what a stranger costs it, and the encrypted data path, over loopback with
 * the workers as threads of this JVM. Strangers are raw sockets, a worker with another secret,
 * replayed recordings of a real handshake, and a proxy that records or alters a real connection.
 */
class RingSecurityTest {
  private static final ExecutorService POOL = Executors.newCachedThreadPool();
  private static final InetAddress LO = InetAddress.getLoopbackAddress();

  private final Warnings warnings = new Warnings();

  @AfterAll
  static void shutdown() {
    POOL.shutdownNow();
  }

  @BeforeEach
  void captureWarnings() {
    warnings.attach();
  }

  @AfterEach
  void releaseWarnings() {
    warnings.detach();
  }

  @Test
  void aWorkerWithAnotherSecretIsRefusedAtOnceAndTheRingStillForms() throws Exception {
    CollectiveOptions opts = CollectiveOptions.defaults();
    List<ServerSocketChannel> servers = listen(3);
    List<InetSocketAddress> addrs = addresses(servers);
    // a complete worker that claims rank 0 and dials rank 1, with a secret of its own
    ServerSocketChannel impostorServer = listen(1).get(0);
    List<InetSocketAddress> impostorPeers =
        List.of(addresses(List.of(impostorServer)).get(0), addrs.get(1), addrs.get(2));
    // The real rank 0 starts only after the impostor's refusal: a rank whose ring has formed
    // closes the handshakes still pending, and the impostor would then just see its connection go.
    long t0 = System.nanoTime();
    Future<AllReduce> impostor =
        join(0, impostorPeers, impostorServer, 42, 0, CollectiveOptions.defaults());
    List<Future<AllReduce>> ring = new ArrayList<>();
    ring.add(null);
    for (int r = 1; r < 3; r++) ring.add(join(r, addrs, servers.get(r), 42, 0, opts));

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> impostor.get(10, TimeUnit.SECONDS));
    double s = (System.nanoTime() - t0) / 1e9;
    assertTrue(s < 2, "refused after " + s + " s, not at once");
    String msg = e.getCause().getMessage();
    assertTrue(e.getCause() instanceof CollectiveException, String.valueOf(e.getCause()));
    assertTrue(
        msg.startsWith("rank 0: handshake with its right neighbour rank 1 at ")
            && msg.contains("wrong proof of the ring secret"),
        msg);

    ring.set(0, join(0, addrs, servers.get(0), 42, 0, opts));
    List<AllReduce> formed = get(ring);
    try {
      assertEquals(List.of(6.0, 6.0, 6.0), sumOfRankPlusOne(formed));
    } finally {
      formed.forEach(AllReduce::close);
    }
    assertTrue(
        warnings.any("rank 1: dropped connection from /127.0.0.1:", "wrong proof"),
        "no WARN naming the stranger's address: " + warnings.lines);
  }

  @Test
  void silentConnectionsNeitherDelayTheRendezvousNorOutliveTheirHandshakeTimeout()
      throws Exception {
    CollectiveOptions opts = CollectiveOptions.defaults().withHandshakeTimeoutMillis(2_000);

    // Silent connections queued ahead of the real neighbours on every rank's port: the ring forms
    // as fast as without them, not after their handshake timeout.
    List<ServerSocketChannel> servers = listen(3);
    List<InetSocketAddress> addrs = addresses(servers);
    List<Socket> silent = new ArrayList<>();
    for (InetSocketAddress a : addrs)
      for (int i = 0; i < 4; i++) silent.add(new Socket(LO, a.getPort()));
    long t0 = System.nanoTime();
    List<Future<AllReduce>> joining = new ArrayList<>();
    for (int r = 0; r < 3; r++) joining.add(join(r, addrs, servers.get(r), 1, 0, opts));
    List<AllReduce> ring = get(joining);
    double formedAfter = (System.nanoTime() - t0) / 1e9;
    try {
      assertTrue(formedAfter < 1.5, "ring formed after " + formedAfter + " s");
      assertEquals(List.of(6.0, 6.0, 6.0), sumOfRankPlusOne(ring));
    } finally {
      ring.forEach(AllReduce::close);
      for (Socket s : silent) s.close();
    }

    // While rank 1 waits for a late left neighbour, a silent connection to it is dropped at its
    // own handshake deadline; the neighbour that comes after that still joins.
    servers = listen(3);
    addrs = addresses(servers);
    Socket quiet = new Socket(LO, addrs.get(1).getPort());
    quiet.setSoTimeout(10_000);
    t0 = System.nanoTime();
    Future<AllReduce> r1 = join(1, addrs, servers.get(1), 2, 0, opts);
    Future<AllReduce> r2 = join(2, addrs, servers.get(2), 2, 0, opts);
    assertEquals(-1, quiet.getInputStream().read(), "the silent connection was not closed");
    double droppedAfter = (System.nanoTime() - t0) / 1e9;
    quiet.close();
    assertTrue(droppedAfter >= 1.9 && droppedAfter < 4, "dropped after " + droppedAfter + " s");
    assertFalse(r1.isDone(), "rank 1 must still be waiting for rank 0");
    Future<AllReduce> r0 = join(0, addrs, servers.get(0), 2, 0, opts);
    ring = get(List.of(r0, r1, r2));
    try {
      assertEquals(List.of(6.0, 6.0, 6.0), sumOfRankPlusOne(ring));
    } finally {
      ring.forEach(AllReduce::close);
    }
    assertTrue(
        warnings.any("rank 1: dropped connection from /127.0.0.1:", "no complete handshake"),
        "no WARN for the silent connection: " + warnings.lines);
  }

  @Test
  void aRecordedHandshakeReplayedIntoAnotherRingOrAttemptIsRefused() throws Exception {
    CollectiveOptions opts = CollectiveOptions.defaults();
    // Record what rank 0 sends rank 1 in a real ring (ring 7, stage attempt 0) through a proxy.
    List<ServerSocketChannel> servers = listen(2);
    List<InetSocketAddress> addrs = addresses(servers);
    try (Proxy proxy = new Proxy(addrs.get(1), -1)) {
      List<InetSocketAddress> viaProxy = List.of(addrs.get(0), proxy.address());
      List<AllReduce> ring =
          get(
              List.of(
                  join(0, viaProxy, servers.get(0), 7, 0, opts),
                  join(1, addrs, servers.get(1), 7, 0, opts)));
      try {
        assertEquals(List.of(3.0, 3.0), sumOfRankPlusOne(ring));
      } finally {
        ring.forEach(AllReduce::close);
      }
      byte[] sent = proxy.recorded();
      byte[] hello = java.util.Arrays.copyOfRange(sent, 0, RingHandshake.HELLO_BYTES);
      byte[] proof =
          java.util.Arrays.copyOfRange(sent, RingHandshake.HELLO_BYTES, RingHandshake.DIALER_BYTES);

      // The same secret (Spark reruns a stage with the same closure) in: the same ring again,
      // the next attempt, another ring; the HELLO as recorded and with its claims rewritten to
      // match, so that only the proof can tell.
      record Target(long ringId, int attempt, int expectedAsRecorded) {}
      for (Target t :
          List.of(
              new Target(7, 0, RingHandshake.BAD_PROOF),
              new Target(7, 1, RingHandshake.WRONG_RING),
              new Target(8, 0, RingHandshake.WRONG_RING))) {
        for (boolean rewrite : new boolean[] {false, true}) {
          List<ServerSocketChannel> fresh = listen(2);
          List<InetSocketAddress> at = addresses(fresh);
          byte[] h = hello.clone();
          if (rewrite) ByteBuffer.wrap(h).putLong(8, t.ringId()).putInt(16, t.attempt());
          String what = "ring " + t.ringId() + " attempt " + t.attempt() + " rewritten " + rewrite;
          // rank 0 only after the verdict, so rank 1 is still accepting when the replay ends
          Future<Integer> replay = POOL.submit(() -> replay(at.get(1), h, proof));
          Future<AllReduce> rank1 = join(1, at, fresh.get(1), t.ringId(), t.attempt(), opts);
          int status = replay.get(10, TimeUnit.SECONDS);
          assertEquals(rewrite ? RingHandshake.BAD_PROOF : t.expectedAsRecorded(), status, what);
          List<Future<AllReduce>> fs =
              List.of(join(0, at, fresh.get(0), t.ringId(), t.attempt(), opts), rank1);
          ring = get(fs);
          try {
            assertEquals(List.of(3.0, 3.0), sumOfRankPlusOne(ring), what);
          } finally {
            ring.forEach(AllReduce::close);
          }
        }
      }
    }
  }

  @Test
  void aLiveWorkerOfAFailedAttemptIsRefusedEvenWhenItsClaimsAreRewritten() throws Exception {
    // A task of stage attempt 0 (same closure, same secret) dials rank 1 of attempt 1 through a
    // proxy that rewrites its HELLO to claim attempt 1 (bit 0 of byte 19, the attempt's last).
    // The clear claims then match; only the attempt inside the MACs tells them apart.
    CollectiveOptions opts = CollectiveOptions.defaults();
    List<ServerSocketChannel> servers = listen(2);
    List<InetSocketAddress> addrs = addresses(servers);
    ServerSocketChannel zombieServer = listen(1).get(0);
    try (Proxy proxy = new Proxy(addrs.get(1), 19)) {
      Future<AllReduce> zombie =
          join(
              0,
              List.of(addresses(List.of(zombieServer)).get(0), proxy.address()),
              zombieServer,
              11,
              0,
              opts);
      // rank 0 only after the zombie's refusal, so rank 1 is still accepting when it comes
      Future<AllReduce> rank1 = join(1, addrs, servers.get(1), 11, 1, opts);
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> zombie.get(10, TimeUnit.SECONDS));
      assertTrue(
          e.getCause().getMessage().contains("wrong proof of the ring secret"),
          e.getCause().getMessage());
      List<AllReduce> ring = get(List.of(join(0, addrs, servers.get(0), 11, 1, opts), rank1));
      try {
        assertEquals(List.of(3.0, 3.0), sumOfRankPlusOne(ring));
      } finally {
        ring.forEach(AllReduce::close);
      }
    }
  }

  @Test
  void encryptedSumsAndGathersEqualPlainOnesBitForBit() throws Exception {
    CollectiveOptions base = CollectiveOptions.defaults();
    // default sizes (payload frames aligned with the 4 MiB segments), and 1 KiB segments with
    // the ring forced, so that frames straddle segments and go through the cipher's own buffer
    for (CollectiveOptions variant : List.of(base, base.withSmallBytes(0).withSegmentBytes(1024))) {
      List<List<byte[]>> results = new ArrayList<>();
      for (boolean encryption : new boolean[] {false, true}) {
        List<AllReduce> ring = LoopbackRing.open(3, variant.withEncryption(encryption));
        try {
          results.add(
              LoopbackRing.onAll(
                  ring,
                  ar -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    int call = 0;
                    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
                      for (long n : new long[] {1, 1001, 300_007}) {
                        INDArray x = RingAllReduceTest.input(ar.rank(), call++, n, type, false);
                        double[] s = ar.sumInPlace(x, new double[] {ar.rank() * Math.PI, 1e-3});
                        out.write(RingAllReduceTest.bytes(x));
                        out.write(ByteBuffer.allocate(16).putDouble(s[0]).putDouble(s[1]).array());
                      }
                    }
                    long[] bounds = {0, 70_000, 70_001, 200_000};
                    INDArray g = Nd4j.zeros(DataType.FLOAT, 200_000);
                    g.get(
                            org.nd4j.linalg.indexing.NDArrayIndex.interval(
                                bounds[ar.rank()], bounds[ar.rank() + 1]))
                        .assign(ar.rank() + 0.25);
                    ar.allGatherInPlace(g, bounds);
                    out.write(RingAllReduceTest.bytes(g));
                    return out.toByteArray();
                  }));
        } finally {
          ring.forEach(AllReduce::close);
        }
      }
      for (int r = 0; r < 3; r++) {
        assertArrayEquals(
            results.get(0).get(r),
            results.get(1).get(r),
            "rank " + r + ", smallBytes " + variant.smallBytes());
      }
      assertArrayEquals(results.get(1).get(0), results.get(1).get(2), "replicas differ");
    }
  }

  @Test
  void aTamperedEncryptedFrameFailsTheCallOnBothWorkers() throws Exception {
    // one bit flipped in the first frame (the message header) or deep inside the payload
    for (long offset : new long[] {10, 200_000}) {
      CollectiveOptions opts = CollectiveOptions.defaults().withEncryption(true);
      List<ServerSocketChannel> servers = listen(2);
      List<InetSocketAddress> addrs = addresses(servers);
      try (Proxy proxy = new Proxy(addrs.get(1), RingHandshake.DIALER_BYTES + offset)) {
        List<AllReduce> ring =
            get(
                List.of(
                    join(0, List.of(addrs.get(0), proxy.address()), servers.get(0), 3, 0, opts),
                    join(1, addrs, servers.get(1), 3, 0, opts)));
        List<Future<Exception>> fs = new ArrayList<>();
        for (AllReduce ar : ring) {
          fs.add(
              POOL.submit(
                  () -> {
                    try {
                      ar.sumInPlace(Nd4j.ones(DataType.FLOAT, 1_000_000));
                      return null;
                    } catch (Exception e) {
                      return e;
                    } finally {
                      ar.close();
                    }
                  }));
        }
        Exception atRank1 = fs.get(1).get(20, TimeUnit.SECONDS);
        Exception atRank0 = fs.get(0).get(20, TimeUnit.SECONDS);
        assertTrue(atRank1 instanceof CollectiveException, "offset " + offset + ": " + atRank1);
        assertTrue(
            atRank1
                    .getMessage()
                    .startsWith("rank 1 of 2, all-reduce call #1 (reduce-scatter hop 0)")
                && atRank1.getMessage().contains("from left neighbour rank 0")
                && atRank1.getMessage().contains("failed authentication"),
            atRank1.getMessage());
        assertTrue(atRank0 instanceof CollectiveException, "offset " + offset + ": " + atRank0);
      }
    }
  }

  @Test
  void workersThatDisagreeOnEncryptionFailWithTheSettingNamed() throws Exception {
    // The first worker refused fails at once and leaves; the other can then only time out (in
    // Spark the failed task ends the stage at once).
    CollectiveOptions opts = CollectiveOptions.defaults().withRendezvousTimeoutMillis(3_000);
    List<ServerSocketChannel> servers = listen(2);
    List<InetSocketAddress> addrs = addresses(servers);
    long t0 = System.nanoTime();
    List<Future<AllReduce>> fs =
        List.of(
            join(0, addrs, servers.get(0), 5, 0, opts.withEncryption(true)),
            join(1, addrs, servers.get(1), 5, 0, opts));
    List<String> named = new ArrayList<>();
    for (Future<AllReduce> f : fs) {
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof CollectiveException, String.valueOf(e.getCause()));
      if (e.getCause()
          .getMessage()
          .contains("a different encryption setting (collective.encryption)"))
        named.add(e.getCause().getMessage());
    }
    assertFalse(named.isEmpty(), "no worker said why");
    double s = (System.nanoTime() - t0) / 1e9;
    assertTrue(s < 6, "took " + s + " s");
  }

  @Test
  void timeoutsNameTheRankThePeerAndThePhase() throws Exception {
    // rendezvous: rank 1 listens but never joins; rank 0 can neither connect nor be connected to
    CollectiveOptions opts =
        CollectiveOptions.defaults()
            .withRendezvousTimeoutMillis(1_500)
            .withHandshakeTimeoutMillis(400);
    List<ServerSocketChannel> servers = listen(2);
    List<InetSocketAddress> addrs = addresses(servers);
    long t0 = System.nanoTime();
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> join(0, addrs, servers.get(0), 9, 0, opts).get(10, TimeUnit.SECONDS));
    double s = (System.nanoTime() - t0) / 1e9;
    servers.get(1).close();
    assertTrue(e.getCause() instanceof CollectiveTimeoutException, String.valueOf(e.getCause()));
    String msg = e.getCause().getMessage();
    assertTrue(s >= 1.4 && s < 5, "timed out after " + s + " s");
    assertTrue(
        msg.startsWith("rank 0: timed out after 1.5 s waiting for rank 1 in rendezvous: ")
            && msg.contains("left neighbour rank 1 never connected")
            && msg.contains("right neighbour rank 1 at " + addrs.get(1))
            && msg.contains("no complete handshake within 400 ms"),
        msg);

    // a step: rank 1 never makes the call; the ring path is in its reduce-scatter
    List<AllReduce> ring =
        LoopbackRing.open(
            2, CollectiveOptions.defaults().withStepTimeoutMillis(300).withSmallBytes(0));
    try {
      CollectiveTimeoutException te =
          assertThrows(
              CollectiveTimeoutException.class,
              () -> ring.get(1).sumInPlace(Nd4j.ones(DataType.FLOAT, 100)));
      assertTrue(
          te.getMessage()
              .startsWith(
                  "rank 1: timed out after 300 ms waiting for rank 0 in all-reduce call #1"
                      + " (reduce-scatter hop 0): nothing received from left neighbour rank 0 at "),
          te.getMessage());
    } finally {
      ring.forEach(AllReduce::close);
    }
  }

  @Test
  void optionsKeepTheSecretOutOfSightAndAcrossSerialization() throws Exception {
    CollectiveOptions a = CollectiveOptions.defaults();
    CollectiveOptions b = CollectiveOptions.defaults();
    assertNotEquals(a.secret(), b.secret(), "defaults() must make a fresh secret");
    assertEquals(RingSecret.BYTES, a.secret().key().length);
    String hex = HexFormat.of().formatHex(a.secret().key());
    assertFalse(a.toString().contains(hex.substring(0, 16)), a.toString());
    assertTrue(a.toString().contains("redacted"), a.toString());
    // the task closure is Java-serialized: the secret must arrive intact
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(a.withEncryption(true));
    }
    CollectiveOptions back;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      back = (CollectiveOptions) in.readObject();
    }
    assertEquals(a.withEncryption(true), back);
    assertEquals(a.secret(), back.secret());
    // settings are checked where they are made
    assertThrows(IllegalArgumentException.class, () -> a.withHandshakeTimeoutMillis(0));
    assertThrows(IllegalArgumentException.class, () -> a.withStepTimeoutMillis(-1));
    assertThrows(IllegalArgumentException.class, () -> a.withRendezvousTimeoutMillis(0));
    assertThrows(IllegalArgumentException.class, () -> RingSecret.of(new byte[16]));
    assertThrows(NullPointerException.class, () -> a.withSecret(null));
    assertEquals(300, a.withTimeoutMillis(300).handshakeTimeoutMillis());
    assertEquals(300, a.withTimeoutMillis(300).rendezvousTimeoutMillis());
  }

  // ---- helpers ----

  static List<ServerSocketChannel> listen(int n) throws IOException {
    List<ServerSocketChannel> out = new ArrayList<>();
    for (int i = 0; i < n; i++)
      out.add(ServerSocketChannel.open().bind(new InetSocketAddress(LO, 0)));
    return out;
  }

  static List<InetSocketAddress> addresses(List<ServerSocketChannel> servers) throws IOException {
    List<InetSocketAddress> out = new ArrayList<>();
    for (ServerSocketChannel s : servers) out.add((InetSocketAddress) s.getLocalAddress());
    return out;
  }

  static Future<AllReduce> join(
      int rank,
      List<InetSocketAddress> peers,
      ServerSocketChannel server,
      long ringId,
      int attempt,
      CollectiveOptions opts) {
    return POOL.submit(
        () -> RingAllReduce.connect(rank, peers, server, ringId, attempt, opts, null));
  }

  static List<AllReduce> get(List<Future<AllReduce>> fs) throws Exception {
    List<AllReduce> out = new ArrayList<>();
    for (Future<AllReduce> f : fs) out.add(f.get(20, TimeUnit.SECONDS));
    return out;
  }

  /** Each worker contributes rank + 1: proof that the ring formed and carries data. */
  static List<Double> sumOfRankPlusOne(List<AllReduce> ring) throws Exception {
    return LoopbackRing.onAll(ring, ar -> ar.sumInPlace(new double[] {ar.rank() + 1})[0]);
  }

  /**
   * Plays a recorded dialer: sends the HELLO, and the PROOF if the acceptor answers OK. Returns the
   * acceptor's refusal code, or OK if it accepted.
   */
  static int replay(InetSocketAddress target, byte[] hello, byte[] proof) throws IOException {
    try (Socket s = new Socket(target.getAddress(), target.getPort())) {
      s.setSoTimeout(10_000);
      DataInputStream in = new DataInputStream(s.getInputStream());
      s.getOutputStream().write(hello);
      int status = in.readInt();
      in.readFully(new byte[32]);
      if (status != RingHandshake.OK) return status;
      s.getOutputStream().write(proof);
      status = in.readInt();
      if (status != RingHandshake.OK) return status;
      in.readFully(new byte[32]);
      return RingHandshake.OK;
    }
  }

  /**
   * One connection forwarded to {@code target}; the first bytes from the client are recorded, and
   * the byte at {@code flipAt} (counted from the start of the client's stream; -1: none) has its
   * lowest bit flipped on the way.
   */
  static final class Proxy implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 1, LO);
    private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    Proxy(InetSocketAddress target, long flipAt) throws IOException {
      POOL.submit(
          () -> {
            try (Socket client = server.accept();
                Socket upstream = new Socket(target.getAddress(), target.getPort())) {
              sockets.add(client);
              sockets.add(upstream);
              Future<?> back = POOL.submit(() -> pump(upstream, client, -1, null));
              pump(client, upstream, flipAt, recorded);
              back.get();
            }
            return null;
          });
    }

    InetSocketAddress address() {
      return new InetSocketAddress(LO, server.getLocalPort());
    }

    byte[] recorded() {
      synchronized (recorded) {
        return recorded.toByteArray();
      }
    }

    private static Void pump(Socket from, Socket to, long flipAt, ByteArrayOutputStream record) {
      byte[] buf = new byte[64 << 10];
      long at = 0;
      try (InputStream in = from.getInputStream();
          OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) > 0) {
          if (flipAt >= at && flipAt < at + n) buf[(int) (flipAt - at)] ^= 1;
          if (record != null && at < 4096) {
            synchronized (record) {
              record.write(buf, 0, (int) Math.min(n, 4096 - at));
            }
          }
          out.write(buf, 0, n);
          at += n;
        }
      } catch (IOException e) {
        // one side closed: the other follows
      } finally {
        try {
          from.close();
          to.close();
        } catch (IOException ignored) {
          // closing
        }
      }
      return null;
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : sockets) s.close();
    }
  }

  /** WARN lines of the collective package, through log4j2 (slf4j's backend in these tests). */
  static final class Warnings {
    private static final String LOGGER = "org.optimbench.jobs.collective";
    final List<String> lines = new CopyOnWriteArrayList<>();
    private AbstractAppender appender;

    void attach() {
      appender =
          new AbstractAppender("collective-warnings", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
              if (event.getLevel().isMoreSpecificThan(Level.WARN))
                lines.add(event.getMessage().getFormattedMessage());
            }
          };
      appender.start();
      LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
      Configuration cfg = ctx.getConfiguration();
      LoggerConfig lc = new LoggerConfig(LOGGER, Level.WARN, false);
      lc.addAppender(appender, Level.WARN, null);
      cfg.addLogger(LOGGER, lc);
      ctx.updateLoggers();
    }

    void detach() {
      LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
      ctx.getConfiguration().removeLogger(LOGGER);
      ctx.updateLoggers();
      appender.stop();
    }

    boolean any(String... parts) {
      for (String l : lines) {
        boolean all = true;
        for (String p : parts) all &= l.contains(p);
        if (all) return true;
      }
      return false;
    }
  }
}
