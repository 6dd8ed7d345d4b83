package org.optimbench.jobs.train;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.apache.spark.SparkConf;
import org.optimbench.jobs.collective.RingSecret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rank 0's console lines (progress, evaluations, how the run ended), relayed to the driver, which
 * prints them: on a cluster rank 0 runs in an executor whose output lands in that executor's log,
 * so without the relay a client-mode run would print nothing where its user looks. The driver
 * listens on its own host; rank 0 connects and proves, with an HMAC of a fresh challenge under the
 * run's secret (which reached it in the task closure), that it belongs to this run, within a few
 * seconds, or is dropped. Then each line it prints reaches the driver's console.
 *
 * <p>Not for data: a lost relay connection costs progress lines, never the run (rank 0 falls back
 * to its own output).
 */
final class ProgressRelay implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressRelay.class);
  private static final String PURPOSE = "optimbench progress relay";
  private static final int CHALLENGE_BYTES = 32;
  private static final int HANDSHAKE_MILLIS = 5_000;

  /** Where rank 0 connects, and the secret it proves. */
  record Address(String host, int port, RingSecret secret) implements Serializable {}

  private final ServerSocket server;
  private final Address address;
  private final PrintStream console;
  private final Thread acceptor;
  private final SecureRandom random = new SecureRandom();

  /** Relay connections that passed the proof and have not ended yet. */
  private int active;

  private ProgressRelay(ServerSocket server, Address address, PrintStream console) {
    this.server = server;
    this.address = address;
    this.console = console;
    this.acceptor = new Thread(this::acceptLoop, "optimbench-progress-relay");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * The driver's address to listen on and the one rank 0 is given: Spark's {@code
   * spark.driver.bindAddress} when the application sets a specific one, else {@code
   * spark.driver.host}. On Kubernetes in cluster mode the host is the driver's service, which
   * cannot be bound and forwards only Spark's own ports, while the bind address is the driver pod's
   * IP, which executors reach directly.
   */
  record Endpoint(String bind, String advertised) {
    static Endpoint of(SparkConf conf) {
      String host = conf.get("spark.driver.host", "127.0.0.1");
      String bind = conf.get("spark.driver.bindAddress", host);
      boolean wildcard = bind.equals("0.0.0.0") || bind.equals("::") || bind.equals("[::]");
      return new Endpoint(bind, wildcard ? host : bind);
    }
  }

  /** Listens at {@code at} and prints relayed lines to {@code console}. */
  static ProgressRelay open(Endpoint at, RingSecret secret, PrintStream console)
      throws IOException {
    ServerSocket s = new ServerSocket();
    try {
      s.bind(new InetSocketAddress(InetAddress.getByName(at.bind()), 0), 16);
    } catch (IOException e) {
      s.close();
      throw e;
    }
    return new ProgressRelay(s, new Address(at.advertised(), s.getLocalPort(), secret), console);
  }

  /**
   * {@link #open}, or null with a warning when the driver cannot listen there: the run goes on and
   * rank 0's lines go to its executor's output.
   */
  static ProgressRelay openOrNull(Endpoint at, RingSecret secret, PrintStream console) {
    try {
      return open(at, secret, console);
    } catch (IOException e) {
      LOG.warn(
          "progress relay: cannot listen on {} ({}); rank 0's progress goes to its executor's"
              + " output",
          at.bind(),
          e.toString());
      return null;
    }
  }

  Address address() {
    return address;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket c;
      try {
        c = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      Thread t = new Thread(() -> serve(c), "optimbench-progress-relay-" + c.getPort());
      t.setDaemon(true);
      t.start();
    }
  }

  private void serve(Socket c) {
    try (c) {
      c.setSoTimeout(HANDSHAKE_MILLIS);
      byte[] challenge = new byte[CHALLENGE_BYTES];
      random.nextBytes(challenge);
      c.getOutputStream().write(challenge);
      c.getOutputStream().flush();
      byte[] proof = new byte[32];
      new DataInputStream(c.getInputStream()).readFully(proof);
      if (!address.secret().verify(PURPOSE, challenge, proof)) {
        LOG.warn("progress relay: dropped {}: wrong proof", c.getRemoteSocketAddress());
        return;
      }
      // counted before rank 0 learns it was accepted, so a drain() after its last line waits for it
      synchronized (this) {
        active++;
      }
      try {
        c.getOutputStream().write(1);
        c.getOutputStream().flush();
        c.setSoTimeout(0); // lines come as the run goes
        BufferedReader in =
            new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
          synchronized (console) {
            console.println(line);
          }
        }
      } finally {
        synchronized (this) {
          active--;
          notifyAll();
        }
      }
    } catch (SocketTimeoutException e) {
      LOG.warn("progress relay: dropped {}: no proof in time", c.getRemoteSocketAddress());
    } catch (IOException e) {
      LOG.info(
          "progress relay: connection from {} ended: {}", c.getRemoteSocketAddress(), e.toString());
    }
  }

  /**
   * Rank 0's console: a stream whose lines reach the driver at {@code address}, or {@code fallback}
   * (with a warning in the log) when the driver cannot be reached or refuses the proof.
   */
  static PrintStream connect(Address address, PrintStream fallback) {
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress(address.host(), address.port()), HANDSHAKE_MILLIS);
      s.setSoTimeout(HANDSHAKE_MILLIS);
      byte[] challenge = new byte[CHALLENGE_BYTES];
      DataInputStream in = new DataInputStream(s.getInputStream());
      in.readFully(challenge);
      OutputStream out = s.getOutputStream();
      out.write(address.secret().prove(PURPOSE, challenge));
      out.flush();
      if (in.read() != 1) throw new IOException("the driver refused the proof");
      return new PrintStream(out, true, StandardCharsets.UTF_8) {
        @Override
        public void close() {
          super.close();
          try {
            s.close();
          } catch (IOException e) {
            // closing a finished relay connection: nothing left to lose
          }
        }
      };
    } catch (IOException e) {
      LOG.warn(
          "progress relay: cannot reach the driver at {}:{} ({}); progress goes to this executor's"
              + " output",
          address.host(),
          address.port(),
          e.toString());
      try {
        s.close();
      } catch (IOException ignored) {
        // the connection failed already
      }
      return fallback;
    }
  }

  /**
   * Waits, up to {@code millis}, until every relayed connection has ended, so the lines rank 0
   * printed before its task returned are on the console before the driver prints its own.
   */
  synchronized void drain(long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    try {
      while (active > 0) {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) return;
        wait(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      LOG.info("progress relay: closing: {}", e.toString());
    }
  }
}
