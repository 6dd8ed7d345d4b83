package org.optimbench.optim.polyak;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.optimbench.optim.internal.Fused;

/**
 * The {@link Fused.Direct} forms of the MoMo update passes: each kernel's operations in its order,
 * on the native buffers, so the same bits. Each loop is one method (a vector handed to a call the
 * JIT does not inline is boxed on the heap).
 */
final class PolyakDirect {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  private PolyakDirect() {}

  /** {@link MomoAdamKernel.Update}: operands m, v (read), x (updated). */
  record MomoAdamUpdate(MomoAdamKernel.Update k) implements Fused.Direct {
    @Override
    public void floats(ByteBuffer[] b, int[] at, int len) {
      float dc = (float) k.pre();
      float step = (float) -k.tau();
      boolean scaled = k.post() != 1;
      float ipost = (float) (1 / k.post());
      float ibc = (float) (1 / k.bc2());
      float e = (float) k.eps();
      int j = 0;
      for (int end = F.loopBound(len); j < end; j += F.length()) {
        int o = 4 * j;
        FloatVector m = FloatVector.fromByteBuffer(F, b[0], at[0] + o, NATIVE);
        FloatVector v = FloatVector.fromByteBuffer(F, b[1], at[1] + o, NATIVE);
        FloatVector x = FloatVector.fromByteBuffer(F, b[2], at[2] + o, NATIVE);
        FloatVector r = x.mul(dc).add(m.div(v.mul(ibc).sqrt().add(e)).mul(step));
        if (scaled) r = r.mul(ipost);
        r.intoByteBuffer(b[2], at[2] + o, NATIVE);
      }
      for (; j < len; j++) {
        int o = 4 * j;
        float m = b[0].getFloat(at[0] + o);
        float v = b[1].getFloat(at[1] + o);
        float r = b[2].getFloat(at[2] + o) * dc + step * (m / ((float) Math.sqrt(v * ibc) + e));
        b[2].putFloat(at[2] + o, scaled ? r * ipost : r);
      }
    }

    @Override
    public void doubles(ByteBuffer[] b, int[] at, int len) {
      double dc = k.pre();
      double step = -k.tau();
      boolean scaled = k.post() != 1;
      double ipost = 1 / k.post();
      double ibc = 1 / k.bc2();
      double e = k.eps();
      int j = 0;
      for (int end = D.loopBound(len); j < end; j += D.length()) {
        int o = 8 * j;
        DoubleVector m = DoubleVector.fromByteBuffer(D, b[0], at[0] + o, NATIVE);
        DoubleVector v = DoubleVector.fromByteBuffer(D, b[1], at[1] + o, NATIVE);
        DoubleVector x = DoubleVector.fromByteBuffer(D, b[2], at[2] + o, NATIVE);
        DoubleVector r = x.mul(dc).add(m.div(v.mul(ibc).sqrt().add(e)).mul(step));
        if (scaled) r = r.mul(ipost);
        r.intoByteBuffer(b[2], at[2] + o, NATIVE);
      }
      for (; j < len; j++) {
        int o = 8 * j;
        double m = b[0].getDouble(at[0] + o);
        double v = b[1].getDouble(at[1] + o);
        double r = b[2].getDouble(at[2] + o) * dc + step * (m / (Math.sqrt(v * ibc) + e));
        b[2].putDouble(at[2] + o, scaled ? r * ipost : r);
      }
    }
  }

  /** {@link MomoKernel.Update}: operands d (read), x (updated). */
  record MomoUpdate(MomoKernel.Update k) implements Fused.Direct {
    @Override
    public void floats(ByteBuffer[] b, int[] at, int len) {
      float step = (float) -k.tau();
      boolean divided = k.div() != 1;
      float a = (float) k.div();
      int j = 0;
      for (int end = F.loopBound(len); j < end; j += F.length()) {
        int o = 4 * j;
        FloatVector d = FloatVector.fromByteBuffer(F, b[0], at[0] + o, NATIVE);
        FloatVector x = FloatVector.fromByteBuffer(F, b[1], at[1] + o, NATIVE);
        FloatVector r = x.add(d.mul(step));
        if (divided) r = r.div(a);
        r.intoByteBuffer(b[1], at[1] + o, NATIVE);
      }
      for (; j < len; j++) {
        int o = 4 * j;
        float r = b[1].getFloat(at[1] + o) + step * b[0].getFloat(at[0] + o);
        b[1].putFloat(at[1] + o, divided ? r / a : r);
      }
    }

    @Override
    public void doubles(ByteBuffer[] b, int[] at, int len) {
      double step = -k.tau();
      boolean divided = k.div() != 1;
      double a = k.div();
      int j = 0;
      for (int end = D.loopBound(len); j < end; j += D.length()) {
        int o = 8 * j;
        DoubleVector d = DoubleVector.fromByteBuffer(D, b[0], at[0] + o, NATIVE);
        DoubleVector x = DoubleVector.fromByteBuffer(D, b[1], at[1] + o, NATIVE);
        DoubleVector r = x.add(d.mul(step));
        if (divided) r = r.div(a);
        r.intoByteBuffer(b[1], at[1] + o, NATIVE);
      }
      for (; j < len; j++) {
        int o = 8 * j;
        double r = b[1].getDouble(at[1] + o) + step * b[0].getDouble(at[0] + o);
        b[1].putDouble(at[1] + o, divided ? r / a : r);
      }
    }
  }
}
