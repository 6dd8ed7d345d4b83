package org.optimbench.optim.graft;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.optimbench.optim.internal.Fused;

/**
 * {@link GraftKernel.Step}'s {@link Fused.Direct} form: {@code x = x + ratio (xd - x)} on the
 * native buffers, the kernel's operations in its order, so the same bits.
 */
record GraftDirect(GraftKernel.Step k) implements Fused.Direct {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  @Override
  public void floats(ByteBuffer[] b, int[] at, int len) {
    float a = (float) k.ratio();
    int j = 0;
    for (int end = F.loopBound(len); j < end; j += F.length()) {
      int o = 4 * j;
      FloatVector xd = FloatVector.fromByteBuffer(F, b[0], at[0] + o, NATIVE);
      FloatVector x = FloatVector.fromByteBuffer(F, b[1], at[1] + o, NATIVE);
      x.add(xd.sub(x).mul(a)).intoByteBuffer(b[1], at[1] + o, NATIVE);
    }
    for (; j < len; j++) {
      int o = 4 * j;
      float x = b[1].getFloat(at[1] + o);
      b[1].putFloat(at[1] + o, x + a * (b[0].getFloat(at[0] + o) - x));
    }
  }

  @Override
  public void doubles(ByteBuffer[] b, int[] at, int len) {
    double a = k.ratio();
    int j = 0;
    for (int end = D.loopBound(len); j < end; j += D.length()) {
      int o = 8 * j;
      DoubleVector xd = DoubleVector.fromByteBuffer(D, b[0], at[0] + o, NATIVE);
      DoubleVector x = DoubleVector.fromByteBuffer(D, b[1], at[1] + o, NATIVE);
      x.add(xd.sub(x).mul(a)).intoByteBuffer(b[1], at[1] + o, NATIVE);
    }
    for (; j < len; j++) {
      int o = 8 * j;
      double x = b[1].getDouble(at[1] + o);
      b[1].putDouble(at[1] + o, x + a * (b[0].getDouble(at[0] + o) - x));
    }
  }
}
