package org.optimbench.optim.hypergrad;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.optimbench.optim.internal.Fused;

/**
 * {@link MuSgdKernel.Tangent}'s {@link Fused.Direct} form outside a restart (operands g, q, [buf]
 * read, z, [z_b] updated): the kernel's operations in its order on the native buffers, so the same
 * bits.
 */
record TangentDirect(MuSgdKernel.Tangent k) implements Fused.Direct {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  @Override
  public void floats(ByteBuffer[] b, int at, int len) {
    float a = (float) -k.lr0();
    float bb = (float) (-k.lr0() * k.momentum());
    float m = (float) k.mu();
    float cm = (float) -k.momentum();
    float mom = (float) k.momentum();
    boolean withMomentum = k.withMomentum();
    int zi = withMomentum ? 3 : 2;
    int j = 0;
    for (int end = F.loopBound(len); j < end; j += F.length()) {
      int o = 4 * j;
      FloatVector g = FloatVector.fromByteBuffer(F, b[0], at + o, NATIVE);
      FloatVector q = FloatVector.fromByteBuffer(F, b[1], at + o, NATIVE);
      FloatVector z = FloatVector.fromByteBuffer(F, b[zi], at + o, NATIVE);
      if (withMomentum) {
        FloatVector buf = FloatVector.fromByteBuffer(F, b[2], at + o, NATIVE);
        FloatVector zb = FloatVector.fromByteBuffer(F, b[4], at + o, NATIVE);
        FloatVector zj = z.add(q.mul(a)).add(zb.mul(bb)).mul(m).sub(g);
        zj.add(buf.mul(cm)).intoByteBuffer(b[3], at + o, NATIVE);
        zb.mul(mom).add(q).mul(m).intoByteBuffer(b[4], at + o, NATIVE);
      } else {
        z.add(q.mul(a)).mul(m).sub(g).intoByteBuffer(b[2], at + o, NATIVE);
      }
    }
    for (; j < len; j++) {
      int o = 4 * j;
      float g = b[0].getFloat(at + o);
      float q = b[1].getFloat(at + o);
      float z = b[zi].getFloat(at + o);
      if (withMomentum) {
        float zb = b[4].getFloat(at + o);
        float zj = (z + a * q + bb * zb) * m - g;
        b[3].putFloat(at + o, zj + cm * b[2].getFloat(at + o));
        b[4].putFloat(at + o, (zb * mom + q) * m);
      } else {
        b[2].putFloat(at + o, (z + a * q) * m - g);
      }
    }
  }

  @Override
  public void doubles(ByteBuffer[] b, int at, int len) {
    double a = -k.lr0();
    double bb = -k.lr0() * k.momentum();
    double m = k.mu();
    double cm = -k.momentum();
    double mom = k.momentum();
    boolean withMomentum = k.withMomentum();
    int zi = withMomentum ? 3 : 2;
    int j = 0;
    for (int end = D.loopBound(len); j < end; j += D.length()) {
      int o = 8 * j;
      DoubleVector g = DoubleVector.fromByteBuffer(D, b[0], at + o, NATIVE);
      DoubleVector q = DoubleVector.fromByteBuffer(D, b[1], at + o, NATIVE);
      DoubleVector z = DoubleVector.fromByteBuffer(D, b[zi], at + o, NATIVE);
      if (withMomentum) {
        DoubleVector buf = DoubleVector.fromByteBuffer(D, b[2], at + o, NATIVE);
        DoubleVector zb = DoubleVector.fromByteBuffer(D, b[4], at + o, NATIVE);
        DoubleVector zj = z.add(q.mul(a)).add(zb.mul(bb)).mul(m).sub(g);
        zj.add(buf.mul(cm)).intoByteBuffer(b[3], at + o, NATIVE);
        zb.mul(mom).add(q).mul(m).intoByteBuffer(b[4], at + o, NATIVE);
      } else {
        z.add(q.mul(a)).mul(m).sub(g).intoByteBuffer(b[2], at + o, NATIVE);
      }
    }
    for (; j < len; j++) {
      int o = 8 * j;
      double g = b[0].getDouble(at + o);
      double q = b[1].getDouble(at + o);
      double z = b[zi].getDouble(at + o);
      if (withMomentum) {
        double zb = b[4].getDouble(at + o);
        double zj = (z + a * q + bb * zb) * m - g;
        b[3].putDouble(at + o, zj + cm * b[2].getDouble(at + o));
        b[4].putDouble(at + o, (zb * mom + q) * m);
      } else {
        b[2].putDouble(at + o, (z + a * q) * m - g);
      }
    }
  }
}
