package org.optimbench.jobs.collective;

import java.io.Serializable;

/**
 * Settings of the TCP ring. Immutable; use the {@code with...} methods.
 *
 * @param timeoutMillis the longest a worker waits without any byte moving to or from its neighbours
 *     (also bounds connecting and the handshake) before failing with {@link
 *     CollectiveTimeoutException}
 * @param segmentBytes the reduce-scatter receives each chunk in segments of this size and adds each
 *     into place as soon as it is complete: bounded receive memory, and the add overlaps the
 *     transfer
 * @param smallBytes arrays up to this size take the latency path: all-gather of the whole arrays
 *     (N-1 hops instead of the ring's 2(N-1)) and every worker sums them in rank order
 * @param socketBufferBytes SO_SNDBUF / SO_RCVBUF of the ring connections (0 keeps the OS default)
 */
public record CollectiveOptions(
    long timeoutMillis, int segmentBytes, long smallBytes, int socketBufferBytes)
    implements Serializable {

  public CollectiveOptions {
    if (timeoutMillis <= 0)
      throw new IllegalArgumentException("timeoutMillis must be > 0: " + timeoutMillis);
    if (segmentBytes < 1024)
      throw new IllegalArgumentException("segmentBytes must be >= 1024: " + segmentBytes);
    if (smallBytes < 0)
      throw new IllegalArgumentException("smallBytes must be >= 0: " + smallBytes);
    if (socketBufferBytes < 0)
      throw new IllegalArgumentException("socketBufferBytes must be >= 0: " + socketBufferBytes);
  }

  /** 120 s timeout, 4 MiB segments, latency path up to 64 KiB, 4 MiB socket buffers. */
  public static CollectiveOptions defaults() {
    return new CollectiveOptions(120_000, 4 << 20, 64 << 10, 4 << 20);
  }

  public CollectiveOptions withTimeoutMillis(long v) {
    return new CollectiveOptions(v, segmentBytes, smallBytes, socketBufferBytes);
  }

  public CollectiveOptions withSegmentBytes(int v) {
    return new CollectiveOptions(timeoutMillis, v, smallBytes, socketBufferBytes);
  }

  public CollectiveOptions withSmallBytes(long v) {
    return new CollectiveOptions(timeoutMillis, segmentBytes, v, socketBufferBytes);
  }

  public CollectiveOptions withSocketBufferBytes(int v) {
    return new CollectiveOptions(timeoutMillis, segmentBytes, smallBytes, v);
  }
}
