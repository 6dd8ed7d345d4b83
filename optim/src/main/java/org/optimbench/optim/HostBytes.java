package org.optimbench.optim;

import java.nio.ByteBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.internal.NativeBytes;

/**
 * The memory of an array as a {@link ByteBuffer}, for element-at-a-time work that ND4J ops would do
 * one op call (and its fixed cost) at a time: row-sparse tables, the ring all-reduce's transport.
 */
public final class HostBytes {
  private HostBytes() {}

  /**
   * {@code a}'s bytes from its first element, {@code length() x width} of them, in native order:
   * the elements in memory order, which is the array's element order only when it is dense (unit
   * stride). CPU backend: on a device backend the caller synchronizes the host copy first.
   *
   * <p>The buffer does not keep {@code a} alive: the caller holds {@code a} for as long as it uses
   * the buffer (a field, or {@link java.lang.ref.Reference#reachabilityFence} after the last use),
   * or the array may be collected and its memory freed while the buffer still reads and writes it.
   */
  public static ByteBuffer of(INDArray a) {
    return NativeBytes.of(a);
  }
}
