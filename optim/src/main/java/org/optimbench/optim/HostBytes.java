package org.optimbench.optim;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.ndarray.INDArray;

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
    long bytes = a.length() * a.dataType().width();
    if (bytes > Integer.MAX_VALUE)
      throw new IllegalArgumentException(
          "arrays over 2 GiB cannot be addressed on the host (" + bytes + " bytes); split them");
    long skip = (a.offset() - a.data().offset()) * a.dataType().width();
    BytePointer p = new BytePointer(a.data().addressPointer());
    p.position(0).capacity(skip + bytes).limit(skip + bytes);
    return p.asByteBuffer().position((int) skip).slice().order(ByteOrder.nativeOrder());
  }
}
