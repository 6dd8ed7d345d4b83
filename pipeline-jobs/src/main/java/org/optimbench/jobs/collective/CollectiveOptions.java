package org.optimbench.jobs.collective;

import java.io.Serializable;
import java.util.Objects;

/**
 * Settings of the TCP ring, secret included. Immutable; use the {@code with...} methods. Create it
 * on the driver, once per run: the workers must all hold the same {@link #secret()}, which reaches
 * them inside the task closure ({@link BarrierRunner} ships it there).
 *
 * @param rendezvousTimeoutMillis how long a worker waits for its ring to form: its right neighbour
 *     accepting the connection and completing the handshake, and its left neighbour connecting with
 *     a valid one. Conf key {@code collective.rendezvous_timeout_s}.
 * @param stepTimeoutMillis how long one collective call (a step's all-reduce) may go with no byte
 *     moving to or from the neighbours before it fails with {@link CollectiveTimeoutException}: the
 *     longest a worker may wait for the slowest one to arrive at the same call (a checkpoint, an
 *     evaluation done by rank 0 alone). An idle timeout: a large transfer that keeps moving is
 *     never cut short. Conf key {@code collective.step_timeout_s}.
 * @param handshakeTimeoutMillis how long one incoming or outgoing connection may take to complete
 *     the authentication handshake before it is dropped (an incoming one) or retried (an outgoing
 *     one). Short, so that silent or slow connections cost little; the rendezvous never waits on
 *     them. Conf key {@code collective.handshake_timeout_s}.
 * @param segmentBytes the reduce-scatter receives each chunk in segments of this size and adds each
 *     into place as soon as it is complete: bounded receive memory, and the add overlaps the
 *     transfer
 * @param smallBytes arrays up to this size take the latency path: all-gather of the whole arrays
 *     (N-1 hops instead of the ring's 2(N-1)) and every worker sums them in rank order
 * @param socketBufferBytes SO_SNDBUF / SO_RCVBUF of the ring connections (0 keeps the OS default)
 * @param encryption whether every byte after the handshake travels encrypted and authenticated
 *     (AES-256-GCM frames, per-connection keys). Off by default: the handshake authenticates the
 *     peers either way, encryption adds confidentiality and integrity of the data at a cost in
 *     throughput (COLLECTIVE.md). Every worker must use the same value. Conf key {@code
 *     collective.encryption}.
 * @param secret the run's shared key; {@link #defaults()} generates a fresh one
 */
public record CollectiveOptions(
    long rendezvousTimeoutMillis,
    long stepTimeoutMillis,
    long handshakeTimeoutMillis,
    int segmentBytes,
    long smallBytes,
    int socketBufferBytes,
    boolean encryption,
    RingSecret secret)
    implements Serializable {

  /** 10 minutes: executors of a busy cluster can be slow to reach the rendezvous. */
  public static final long DEFAULT_RENDEZVOUS_TIMEOUT_MILLIS = 600_000;

  /**
   * 30 minutes (torch.distributed's default for the same wait): a step's all-reduce may wait for a
   * worker that alone evaluates or writes a checkpoint; a worker that died is detected at once by
   * its closed connections, not by this timeout.
   */
  public static final long DEFAULT_STEP_TIMEOUT_MILLIS = 1_800_000;

  /** 5 seconds: the handshake is two round trips of under 100 bytes. */
  public static final long DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 5_000;

  public CollectiveOptions {
    positive("rendezvousTimeoutMillis", rendezvousTimeoutMillis);
    positive("stepTimeoutMillis", stepTimeoutMillis);
    positive("handshakeTimeoutMillis", handshakeTimeoutMillis);
    if (segmentBytes < 1024)
      throw new IllegalArgumentException("segmentBytes must be >= 1024: " + segmentBytes);
    if (smallBytes < 0)
      throw new IllegalArgumentException("smallBytes must be >= 0: " + smallBytes);
    if (socketBufferBytes < 0)
      throw new IllegalArgumentException("socketBufferBytes must be >= 0: " + socketBufferBytes);
    Objects.requireNonNull(secret, "secret (RingSecret.generate() on the driver)");
  }

  private static void positive(String name, long millis) {
    if (millis <= 0) throw new IllegalArgumentException(name + " must be > 0: " + millis);
  }

  /**
   * Rendezvous 10 min, step 30 min, handshake 5 s, 4 MiB segments, latency path up to 64 KiB, 4 MiB
   * socket buffers, no encryption, and a fresh {@link RingSecret#generate() secret}: every call
   * returns a different secret, so call it once per run on the driver and pass that one value to
   * every worker (as {@link BarrierRunner} does).
   */
  public static CollectiveOptions defaults() {
    return new CollectiveOptions(
        DEFAULT_RENDEZVOUS_TIMEOUT_MILLIS,
        DEFAULT_STEP_TIMEOUT_MILLIS,
        DEFAULT_HANDSHAKE_TIMEOUT_MILLIS,
        4 << 20,
        64 << 10,
        4 << 20,
        false,
        RingSecret.generate());
  }

  /** The per-call (step) timeout, {@link #stepTimeoutMillis()}. */
  public long timeoutMillis() {
    return stepTimeoutMillis;
  }

  /**
   * Sets both waits on peers, the rendezvous and the step timeout, to {@code v}; the handshake
   * timeout is capped at {@code v}. For tests and short jobs that want one bound on everything.
   */
  public CollectiveOptions withTimeoutMillis(long v) {
    return new CollectiveOptions(
        v,
        v,
        Math.min(handshakeTimeoutMillis, v),
        segmentBytes,
        smallBytes,
        socketBufferBytes,
        encryption,
        secret);
  }

  public CollectiveOptions withRendezvousTimeoutMillis(long v) {
    return new CollectiveOptions(
        v,
        stepTimeoutMillis,
        handshakeTimeoutMillis,
        segmentBytes,
        smallBytes,
        socketBufferBytes,
        encryption,
        secret);
  }

  public CollectiveOptions withStepTimeoutMillis(long v) {
    return new CollectiveOptions(
        rendezvousTimeoutMillis,
        v,
        handshakeTimeoutMillis,
        segmentBytes,
        smallBytes,
        socketBufferBytes,
        encryption,
        secret);
  }

  public CollectiveOptions withHandshakeTimeoutMillis(long v) {
    return new CollectiveOptions(
        rendezvousTimeoutMillis,
        stepTimeoutMillis,
        v,
        segmentBytes,
        smallBytes,
        socketBufferBytes,
        encryption,
        secret);
  }

  public CollectiveOptions withSegmentBytes(int v) {
    return new CollectiveOptions(
        rendezvousTimeoutMillis,
        stepTimeoutMillis,
        handshakeTimeoutMillis,
        v,
        smallBytes,
        socketBufferBytes,
        encryption,
        secret);
  }

  public CollectiveOptions withSmallBytes(long v) {
    return new CollectiveOptions(
        rendezvousTimeoutMillis,
        stepTimeoutMillis,
        handshakeTimeoutMillis,
        segmentBytes,
        v,
        socketBufferBytes,
        encryption,
        secret);
  }

  public CollectiveOptions withSocketBufferBytes(int v) {
    return new CollectiveOptions(
        rendezvousTimeoutMillis,
        stepTimeoutMillis,
        handshakeTimeoutMillis,
        segmentBytes,
        smallBytes,
        v,
        encryption,
        secret);
  }

  public CollectiveOptions withEncryption(boolean v) {
    return new CollectiveOptions(
        rendezvousTimeoutMillis,
        stepTimeoutMillis,
        handshakeTimeoutMillis,
        segmentBytes,
        smallBytes,
        socketBufferBytes,
        v,
        secret);
  }

  /** The same settings with another secret, e.g. one derived from a key the cluster manages. */
  public CollectiveOptions withSecret(RingSecret v) {
    return new CollectiveOptions(
        rendezvousTimeoutMillis,
        stepTimeoutMillis,
        handshakeTimeoutMillis,
        segmentBytes,
        smallBytes,
        socketBufferBytes,
        encryption,
        v);
  }
}
