package org.optimbench.optim.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An array's memory as a native-order {@link ByteBuffer} from its first element ({@link
 * org.optimbench.optim.HostBytes}, which is the public face of this, says what the caller must
 * hold). Here so that the fused passes ({@link Fused}) can use it without depending on the API
 * package.
 */
public final class NativeBytes {
  private NativeBytes() {}

  /** {@link org.optimbench.optim.HostBytes#of}. */
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
