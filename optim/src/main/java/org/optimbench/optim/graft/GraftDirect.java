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
  public void floats(ByteBuffer[] b, int at, int len) {
    float a = (float) k.ratio();
    int j = 0;
    for (int end = F.loopBound(len); j < end; j += F.length()) {
      int o = 4 * j;
      FloatVector xd = FloatVector.fromByteBuffer(F, b[0], at + o, NATIVE);
      FloatVector x = FloatVector.fromByteBuffer(F, b[1], at + o, NATIVE);
      x.add(xd.sub(x).mul(a)).intoByteBuffer(b[1], at + o, NATIVE);
    }
    for (; j < len; j++) {
      int o = 4 * j;
      float x = b[1].getFloat(at + o);
      b[1].putFloat(at + o, x + a * (b[0].getFloat(at + o) - x));
    }
  }

  @Override
  public void doubles(ByteBuffer[] b, int at, int len) {
    double a = k.ratio();
    int j = 0;
    for (int end = D.loopBound(len); j < end; j += D.length()) {
      int o = 8 * j;
      DoubleVector xd = DoubleVector.fromByteBuffer(D, b[0], at + o, NATIVE);
      DoubleVector x = DoubleVector.fromByteBuffer(D, b[1], at + o, NATIVE);
      x.add(xd.sub(x).mul(a)).intoByteBuffer(b[1], at + o, NATIVE);
    }
    for (; j < len; j++) {
      int o = 8 * j;
      double x = b[1].getDouble(at + o);
      b[1].putDouble(at + o, x + a * (b[0].getDouble(at + o) - x));
    }
  }

  /** {@link GraftKernel.Norms}' direct form, with its two sums. */
  record Norms() implements Fused.Direct {
    @Override
    public void floats(ByteBuffer[] b, int at, int len, float[][] acc) {
      float[] sm = acc[0];
      float[] sd = acc[1];
      int j = 0;
      for (int end = F.loopBound(len); j < end; j += F.length()) {
        int o = 4 * j;
        int q = j % 128;
        FloatVector x = FloatVector.fromByteBuffer(F, b[0], at + o, NATIVE);
        FloatVector um = FloatVector.fromByteBuffer(F, b[1], at + o, NATIVE).sub(x);
        FloatVector ud = FloatVector.fromByteBuffer(F, b[2], at + o, NATIVE).sub(x);
        FloatVector.fromArray(F, sm, q).add(um.mul(um)).intoArray(sm, q);
        FloatVector.fromArray(F, sd, q).add(ud.mul(ud)).intoArray(sd, q);
      }
      for (; j < len; j++) {
        int o = 4 * j;
        int q = j % 128;
        float x = b[0].getFloat(at + o);
        float um = b[1].getFloat(at + o) - x;
        float ud = b[2].getFloat(at + o) - x;
        sm[q] += um * um;
        sd[q] += ud * ud;
      }
    }

    @Override
    public void doubles(ByteBuffer[] b, int at, int len, double[][] acc) {
      double[] sm = acc[0];
      double[] sd = acc[1];
      int j = 0;
      for (int end = D.loopBound(len); j < end; j += D.length()) {
        int o = 8 * j;
        int q = j % 128;
        DoubleVector x = DoubleVector.fromByteBuffer(D, b[0], at + o, NATIVE);
        DoubleVector um = DoubleVector.fromByteBuffer(D, b[1], at + o, NATIVE).sub(x);
        DoubleVector ud = DoubleVector.fromByteBuffer(D, b[2], at + o, NATIVE).sub(x);
        DoubleVector.fromArray(D, sm, q).add(um.mul(um)).intoArray(sm, q);
        DoubleVector.fromArray(D, sd, q).add(ud.mul(ud)).intoArray(sd, q);
      }
      for (; j < len; j++) {
        int o = 8 * j;
        int q = j % 128;
        double x = b[0].getDouble(at + o);
        double um = b[1].getDouble(at + o) - x;
        double ud = b[2].getDouble(at + o) - x;
        sm[q] += um * um;
        sd[q] += ud * ud;
      }
    }
  }
}
