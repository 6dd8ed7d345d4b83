package org.optimbench.jobs.collective;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import org.optimbench.jobs.collective.RingHandshake.Ends;
import org.optimbench.jobs.collective.RingHandshake.Hello;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forms one worker's place in the ring: dials the right neighbour and accepts the left one, each
 * connection authenticated by {@link RingHandshake}. Everything runs on one selector in the
 * caller's thread, so the outgoing handshake and any number of incoming ones progress together: the
 * ring cannot deadlock on every worker dialing first, and a silent, slow or hostile connection only
 * holds its own slot until its handshake deadline, never the acceptance of the real neighbour.
 *
 * <p>An incoming connection that fails the handshake is dropped and logged at WARN with its remote
 * address. The outgoing connection is retried when it is refused, dropped or slow (the neighbour
 * may not accept yet, or paused), and fails at once when the neighbour refuses our proof or cannot
 * prove its own: waiting would not change a wrong secret.
 */
final class RingConnector {
  private static final Logger LOG = LoggerFactory.getLogger(RingConnector.class);

  /**
   * Incoming handshakes in progress at once. Beyond it the oldest is dropped: the real neighbour
   * completes its handshake within round trips of connecting, so the oldest is the likeliest stray.
   */
  static final int MAX_PENDING = 32;

  private static final long SLICE_MS = 500;
  private static final long RETRY_MS = 50;

  /** The connected, authenticated ends of one worker. */
  record Links(SocketChannel toRight, SocketChannel fromLeft, byte[] sendKey, byte[] receiveKey) {}

  private final int rank;
  private final int size;
  private final int left;
  private final int right;
  private final InetSocketAddress rightAddr;
  private final ServerSocketChannel server;
  private final CollectiveOptions opts;
  private final Runnable cancelCheck;
  private final Ends outEnds;
  private final Ends inEnds;
  private final byte[] secret;
  private final Deque<Greeter> pending = new ArrayDeque<>();

  private Selector selector;
  private Dialer dialer;
  private long nextDialNanos;
  private String lastDialError = "none";
  private SocketChannel out;
  private byte[] sendKey;
  private Greeter in;

  RingConnector(
      int rank,
      InetSocketAddress rightAddr,
      int size,
      ServerSocketChannel server,
      long ringId,
      int attempt,
      CollectiveOptions opts,
      Runnable cancelCheck) {
    this.rank = rank;
    this.size = size;
    this.left = (rank + size - 1) % size;
    this.right = (rank + 1) % size;
    this.rightAddr = rightAddr;
    this.server = server;
    this.opts = opts;
    this.cancelCheck = cancelCheck == null ? () -> {} : cancelCheck;
    this.outEnds = new Ends(ringId, attempt, size, rank, right, opts.encryption());
    this.inEnds = new Ends(ringId, attempt, size, left, rank, opts.encryption());
    this.secret = opts.secret().key();
  }

  Links connect() throws IOException {
    long start = System.nanoTime();
    long deadline = start + opts.rendezvousTimeoutMillis() * 1_000_000L;
    try (Selector sel = Selector.open()) {
      selector = sel;
      server.configureBlocking(false);
      server.register(sel, SelectionKey.OP_ACCEPT);
      nextDialNanos = start;
      while (out == null || in == null) {
        cancelCheck.run();
        if (Thread.currentThread().isInterrupted())
          throw new CollectiveException("rank " + rank + ": interrupted in the rendezvous");
        long now = System.nanoTime();
        if (now - deadline >= 0) throw rendezvousTimeout();
        if (out == null && dialer == null && now - nextDialNanos >= 0) new Dialer(now).start();
        long wake = Math.min(deadline, now + SLICE_MS * 1_000_000L);
        if (dialer != null) wake = Math.min(wake, dialer.deadline);
        else if (out == null) wake = Math.min(wake, nextDialNanos);
        for (Greeter g : pending) wake = Math.min(wake, g.deadline);
        long waitMs = Math.max(1, (wake - now + 999_999) / 1_000_000L);
        sel.select(waitMs);
        for (SelectionKey k : sel.selectedKeys()) {
          if (!k.isValid()) continue;
          if (k.channel() == server) acceptAll();
          else if (k.attachment() instanceof Dialer d) d.step();
          else if (k.attachment() instanceof Greeter g) g.step();
        }
        sel.selectedKeys().clear();
        expire(System.nanoTime());
      }
      // the ring's own selector takes over the two channels
      for (SelectionKey k : sel.keys()) k.cancel();
      sel.selectNow();
      return new Links(out, in.channel, sendKey, in.dataKey);
    } catch (IOException | RuntimeException e) {
      Io.closeQuietly(out);
      if (in != null) Io.closeQuietly(in.channel);
      if (dialer != null) Io.closeQuietly(dialer.channel);
      throw e;
    } finally {
      String why =
          out != null && in != null
              ? "the ring formed before its handshake completed"
              : "the rendezvous failed before its handshake completed";
      for (Greeter g : pending) {
        if (g != in) drop(g, why);
      }
      pending.clear();
      Io.closeQuietly(server);
    }
  }

  /** Names the neighbour that is missing (the left one when both are) and what was waited for. */
  private CollectiveTimeoutException rendezvousTimeout() throws IOException {
    String leftPart =
        String.format(
            Locale.ROOT,
            "its left neighbour rank %d never connected to %s with a valid handshake",
            left,
            server.getLocalAddress());
    String rightPart =
        String.format(
            Locale.ROOT,
            "it could not connect to its right neighbour rank %d at %s (last error: %s)",
            right,
            rightAddr,
            lastDialError);
    int peer = in == null ? left : right;
    String detail =
        in == null && out == null
            ? leftPart + "; and " + rightPart
            : in == null ? leftPart : rightPart;
    return new CollectiveTimeoutException(
        String.format(
            Locale.ROOT,
            "rank %d: timed out after %s waiting for rank %d in rendezvous: %s",
            rank,
            Durations.describe(opts.rendezvousTimeoutMillis()),
            peer,
            detail));
  }

  private void expire(long now) {
    if (dialer != null && now - dialer.deadline >= 0) {
      dialer.retry(
          "no complete handshake within "
              + Durations.describe(opts.handshakeTimeoutMillis())
              + " ("
              + dialer.state
              + ")");
    }
    for (var it = pending.iterator(); it.hasNext(); ) {
      Greeter g = it.next();
      if (now - g.deadline >= 0) {
        it.remove();
        drop(
            g,
            "no complete handshake within "
                + Durations.describe(opts.handshakeTimeoutMillis())
                + " ("
                + g.state
                + ")");
      }
    }
  }

  private void acceptAll() throws IOException {
    SocketChannel ch;
    while ((ch = server.accept()) != null) {
      Greeter g;
      try {
        configure(ch, opts);
        ch.configureBlocking(false);
        g = new Greeter(ch);
        ch.register(selector, SelectionKey.OP_READ, g);
      } catch (IOException e) {
        LOG.warn("rank {}: dropped connection from {}: {}", rank, remote(ch), e.toString());
        Io.closeQuietly(ch);
        continue;
      }
      pending.addLast(g);
      if (pending.size() > MAX_PENDING) {
        drop(pending.removeFirst(), "more than " + MAX_PENDING + " handshakes pending at once");
      }
    }
  }

  private void drop(Greeter g, String why) {
    LOG.warn(
        "rank {}: dropped connection from {}{}: {}",
        rank,
        g.remote,
        g.claims == null ? "" : " (claiming " + g.claims + ")",
        why);
    Io.closeQuietly(g.channel);
  }

  static void configure(SocketChannel ch, CollectiveOptions opts) throws IOException {
    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
    ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
    if (opts.socketBufferBytes() > 0) {
      ch.setOption(StandardSocketOptions.SO_SNDBUF, opts.socketBufferBytes());
      ch.setOption(StandardSocketOptions.SO_RCVBUF, opts.socketBufferBytes());
    }
  }

  private static String remote(SocketChannel ch) {
    try {
      SocketAddress a = ch.getRemoteAddress();
      return String.valueOf(a);
    } catch (IOException e) {
      return "an unknown address";
    }
  }

  /**
   * Reads or writes {@code b} as far as the socket allows; true when it is complete. EOF throws.
   */
  private static boolean transfer(SocketChannel ch, ByteBuffer b, boolean write)
      throws IOException {
    while (b.hasRemaining()) {
      int n = write ? ch.write(b) : ch.read(b);
      if (n < 0) throw new IOException("connection closed by the peer");
      if (n == 0) return false;
    }
    return true;
  }

  /** A handshake the peer answered with a rejection, or a peer that failed to prove itself. */
  private static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }

  /** The outgoing connection to the right neighbour, from TCP connect to its verified proof. */
  private final class Dialer {
    final SocketChannel channel;
    final long deadline;
    final byte[] nonce = RingHandshake.nonce();
    byte[] theirNonce;
    SelectionKey key;
    ByteBuffer buf;
    String state = "connecting";

    Dialer(long now) throws IOException {
      deadline = now + opts.handshakeTimeoutMillis() * 1_000_000L;
      channel = SocketChannel.open();
    }

    /** Becomes the current dialer, or schedules the next try when connecting fails at once. */
    void start() {
      dialer = this;
      try {
        channel.configureBlocking(false);
        configure(channel, opts);
        boolean done = channel.connect(rightAddr);
        key = channel.register(selector, SelectionKey.OP_CONNECT, this);
        if (done) connected();
      } catch (IOException e) {
        // refused at once (nothing listens yet) or the address is unusable: try again shortly
        retry(e.toString());
      }
    }

    void step() {
      try {
        switch (state) {
          case "connecting" -> {
            if (channel.finishConnect()) connected();
          }
          case "sending hello", "sending proof" -> send();
          case "waiting for the challenge" -> {
            if (!transfer(channel, buf, false)) return;
            buf.flip();
            int status = buf.getInt();
            if (status != RingHandshake.OK) throw refused(status);
            theirNonce = new byte[RingHandshake.NONCE_BYTES];
            buf.get(theirNonce);
            buf = ByteBuffer.wrap(RingHandshake.dialerProof(secret, outEnds, nonce, theirNonce));
            state = "sending proof";
            key.interestOps(SelectionKey.OP_WRITE);
            send();
          }
          case "waiting for acceptance" -> {
            if (!transfer(channel, buf, false)) return;
            buf.flip();
            int status = buf.getInt();
            if (status != RingHandshake.OK) throw refused(status);
            byte[] proof = new byte[RingHandshake.MAC_BYTES];
            buf.get(proof);
            byte[] expected = RingHandshake.acceptorProof(secret, outEnds, nonce, theirNonce);
            if (!RingHandshake.same(proof, expected)) {
              throw new Refused(
                  "the peer did not prove the ring secret, so it is not rank "
                      + right
                      + " of this ring (another process on that port, or another run)");
            }
            key.interestOps(0);
            out = channel;
            sendKey =
                opts.encryption()
                    ? RingHandshake.dataKey(secret, outEnds, nonce, theirNonce)
                    : null;
            dialer = null;
          }
          default -> throw new IllegalStateException(state);
        }
      } catch (Refused e) {
        Io.closeQuietly(channel);
        dialer = null;
        throw new CollectiveException(
            String.format(
                Locale.ROOT,
                "rank %d: handshake with its right neighbour rank %d at %s failed: %s",
                rank,
                right,
                rightAddr,
                e.getMessage()));
      } catch (IOException e) {
        retry(e.toString() + " (" + state + ")");
      }
    }

    private Refused refused(int status) {
      return new Refused("it refused this connection for " + RingHandshake.describe(status));
    }

    private void connected() throws IOException {
      buf = RingHandshake.hello(outEnds, nonce);
      state = "sending hello";
      key.interestOps(SelectionKey.OP_WRITE);
      send();
    }

    private void send() throws IOException {
      if (!transfer(channel, buf, true)) return;
      buf = ByteBuffer.allocate(RingHandshake.REPLY_BYTES);
      state =
          state.equals("sending hello") ? "waiting for the challenge" : "waiting for acceptance";
      key.interestOps(SelectionKey.OP_READ);
    }

    void retry(String why) {
      Io.closeQuietly(channel);
      lastDialError = why;
      dialer = null;
      nextDialNanos = System.nanoTime() + RETRY_MS * 1_000_000L;
    }
  }

  /** One incoming connection until it proves to be the left neighbour, or is dropped. */
  private final class Greeter {
    final SocketChannel channel;
    final String remote;
    final long deadline;
    final byte[] nonce = RingHandshake.nonce();
    ByteBuffer buf = ByteBuffer.allocate(RingHandshake.HELLO_BYTES);
    Hello hello;
    String claims;
    byte[] dataKey;
    String state = "waiting for the hello";

    Greeter(SocketChannel channel) {
      this.channel = channel;
      this.remote = remote(channel);
      this.deadline = System.nanoTime() + opts.handshakeTimeoutMillis() * 1_000_000L;
    }

    void step() {
      SelectionKey key = channel.keyFor(selector);
      try {
        switch (state) {
          case "waiting for the hello" -> {
            if (!transfer(channel, buf, false)) return;
            buf.flip();
            hello = Hello.parse(buf);
            if (hello.magic() != RingHandshake.MAGIC) {
              reject(-1, "not a ring handshake");
              return;
            }
            claims = hello.toString();
            int verdict = RingHandshake.check(hello, inEnds);
            if (verdict != RingHandshake.OK) {
              reject(verdict, "it is for " + RingHandshake.describe(verdict));
              return;
            }
            buf = RingHandshake.reply(RingHandshake.OK, nonce);
            state = "sending the challenge";
            key.interestOps(SelectionKey.OP_WRITE);
            send(key);
          }
          case "sending the challenge", "sending acceptance" -> send(key);
          case "waiting for the proof" -> {
            if (!transfer(channel, buf, false)) return;
            byte[] proof = buf.array();
            byte[] expected = RingHandshake.dialerProof(secret, inEnds, hello.nonce(), nonce);
            if (!RingHandshake.same(proof, expected)) {
              reject(
                  RingHandshake.BAD_PROOF,
                  "wrong proof of the ring secret (a stranger, or a replayed handshake)");
              return;
            }
            buf =
                RingHandshake.reply(
                    RingHandshake.OK,
                    RingHandshake.acceptorProof(secret, inEnds, hello.nonce(), nonce));
            state = "sending acceptance";
            key.interestOps(SelectionKey.OP_WRITE);
            send(key);
          }
          default -> throw new IllegalStateException(state);
        }
      } catch (IOException e) {
        pending.remove(this);
        drop(this, e.toString() + " (" + state + ")");
      }
    }

    private void send(SelectionKey key) throws IOException {
      if (!transfer(channel, buf, true)) return;
      if (state.equals("sending the challenge")) {
        buf = ByteBuffer.allocate(RingHandshake.PROOF_BYTES);
        state = "waiting for the proof";
        key.interestOps(SelectionKey.OP_READ);
        return;
      }
      // authenticated: this is the left neighbour. A newer authenticated connection from it
      // replaces an older one, which it gave up on (its handshake timeout) and closed.
      key.interestOps(0);
      pending.remove(this);
      if (in != null) Io.closeQuietly(in.channel);
      in = this;
      dataKey =
          opts.encryption() ? RingHandshake.dataKey(secret, inEnds, hello.nonce(), nonce) : null;
    }

    /** Tells the peer why (best effort, the reply is tiny) and drops the connection. */
    private void reject(int status, String why) {
      if (status >= 0) {
        try {
          channel.write(RingHandshake.reply(status, null));
        } catch (IOException ignored) {
          // the peer is gone already; dropping it is all that is left
        }
      }
      pending.remove(this);
      drop(this, why);
    }
  }
}
