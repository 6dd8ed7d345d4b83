package org.optimbench.optim.wrap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.optimbench.optim.internal.Fused;

/**
 * {@link MechanicKernel.Apply}'s {@link Fused.Direct} form: {@code p = delta * scale + xRef} on the
 * native buffers, the kernel's operations in its order, so the same bits.
 */
record MechanicDirect(MechanicKernel.Apply k) implements Fused.Direct {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  @Override
  public void floats(ByteBuffer[] b, int[] at, int len) {
    float a = (float) k.scale();
    int j = 0;
    for (int end = F.loopBound(len); j < end; j += F.length()) {
      int o = 4 * j;
      FloatVector delta = FloatVector.fromByteBuffer(F, b[0], at[0] + o, NATIVE);
      FloatVector ref = FloatVector.fromByteBuffer(F, b[1], at[1] + o, NATIVE);
      delta.mul(a).add(ref).intoByteBuffer(b[2], at[2] + o, NATIVE);
    }
    for (; j < len; j++) {
      int o = 4 * j;
      b[2].putFloat(at[2] + o, b[0].getFloat(at[0] + o) * a + b[1].getFloat(at[1] + o));
    }
  }

  @Override
  public void doubles(ByteBuffer[] b, int[] at, int len) {
    double a = k.scale();
    int j = 0;
    for (int end = D.loopBound(len); j < end; j += D.length()) {
      int o = 8 * j;
      DoubleVector delta = DoubleVector.fromByteBuffer(D, b[0], at[0] + o, NATIVE);
      DoubleVector ref = DoubleVector.fromByteBuffer(D, b[1], at[1] + o, NATIVE);
      delta.mul(a).add(ref).intoByteBuffer(b[2], at[2] + o, NATIVE);
    }
    for (; j < len; j++) {
      int o = 8 * j;
      b[2].putDouble(at[2] + o, b[0].getDouble(at[0] + o) * a + b[1].getDouble(at[1] + o));
    }
  }
}
