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
  public void floats(ByteBuffer[] b, int at, int len) {
    float a = (float) k.scale();
    int j = 0;
    for (int end = F.loopBound(len); j < end; j += F.length()) {
      int o = 4 * j;
      FloatVector delta = FloatVector.fromByteBuffer(F, b[0], at + o, NATIVE);
      FloatVector ref = FloatVector.fromByteBuffer(F, b[1], at + o, NATIVE);
      delta.mul(a).add(ref).intoByteBuffer(b[2], at + o, NATIVE);
    }
    for (; j < len; j++) {
      int o = 4 * j;
      b[2].putFloat(at + o, b[0].getFloat(at + o) * a + b[1].getFloat(at + o));
    }
  }

  @Override
  public void doubles(ByteBuffer[] b, int at, int len) {
    double a = k.scale();
    int j = 0;
    for (int end = D.loopBound(len); j < end; j += D.length()) {
      int o = 8 * j;
      DoubleVector delta = DoubleVector.fromByteBuffer(D, b[0], at + o, NATIVE);
      DoubleVector ref = DoubleVector.fromByteBuffer(D, b[1], at + o, NATIVE);
      delta.mul(a).add(ref).intoByteBuffer(b[2], at + o, NATIVE);
    }
    for (; j < len; j++) {
      int o = 8 * j;
      b[2].putDouble(at + o, b[0].getDouble(at + o) * a + b[1].getDouble(at + o));
    }
  }

  /** {@link MechanicKernel.Accumulate}'s direct form, with its four sums. */
  record Accumulate(MechanicKernel.Accumulate k) implements Fused.Direct {
    @Override
    public void floats(ByteBuffer[] b, int at, int len, float[][] acc) {
      boolean stored = k.storeDelta();
      int out = stored ? 3 : 2;
      float d = (float) k.den();
      float[] gg = acc[0];
      float[] pp = acc[1];
      float[] dg = acc[2];
      float[] dp = acc[3];
      int j = 0;
      for (int end = F.loopBound(len); j < end; j += F.length()) {
        int o = 4 * j;
        int q = j % 128;
        FloatVector g = FloatVector.fromByteBuffer(F, b[0], at + o, NATIVE);
        FloatVector p = FloatVector.fromByteBuffer(F, b[1], at + o, NATIVE);
        FloatVector x = FloatVector.fromByteBuffer(F, b[2], at + o, NATIVE);
        FloatVector e = FloatVector.fromByteBuffer(F, b[3], at + o, NATIVE);
        FloatVector delta = stored ? e : x.sub(e).div(d);
        FloatVector.fromArray(F, gg, q).add(g.mul(g)).intoArray(gg, q);
        FloatVector.fromArray(F, pp, q).add(p.mul(p)).intoArray(pp, q);
        FloatVector.fromArray(F, dg, q).add(delta.mul(g)).intoArray(dg, q);
        FloatVector.fromArray(F, dp, q).add(delta.mul(p)).intoArray(dp, q);
        delta.add(p.sub(x)).intoByteBuffer(b[out], at + o, NATIVE);
      }
      for (; j < len; j++) {
        int o = 4 * j;
        int q = j % 128;
        float g = b[0].getFloat(at + o);
        float p = b[1].getFloat(at + o);
        float x = b[2].getFloat(at + o);
        float e = b[3].getFloat(at + o);
        float delta = stored ? e : (x - e) / d;
        gg[q] += g * g;
        pp[q] += p * p;
        dg[q] += delta * g;
        dp[q] += delta * p;
        b[out].putFloat(at + o, delta + (p - x));
      }
    }

    @Override
    public void doubles(ByteBuffer[] b, int at, int len, double[][] acc) {
      boolean stored = k.storeDelta();
      int out = stored ? 3 : 2;
      double d = k.den();
      double[] gg = acc[0];
      double[] pp = acc[1];
      double[] dg = acc[2];
      double[] dp = acc[3];
      int j = 0;
      for (int end = D.loopBound(len); j < end; j += D.length()) {
        int o = 8 * j;
        int q = j % 128;
        DoubleVector g = DoubleVector.fromByteBuffer(D, b[0], at + o, NATIVE);
        DoubleVector p = DoubleVector.fromByteBuffer(D, b[1], at + o, NATIVE);
        DoubleVector x = DoubleVector.fromByteBuffer(D, b[2], at + o, NATIVE);
        DoubleVector e = DoubleVector.fromByteBuffer(D, b[3], at + o, NATIVE);
        DoubleVector delta = stored ? e : x.sub(e).div(d);
        DoubleVector.fromArray(D, gg, q).add(g.mul(g)).intoArray(gg, q);
        DoubleVector.fromArray(D, pp, q).add(p.mul(p)).intoArray(pp, q);
        DoubleVector.fromArray(D, dg, q).add(delta.mul(g)).intoArray(dg, q);
        DoubleVector.fromArray(D, dp, q).add(delta.mul(p)).intoArray(dp, q);
        delta.add(p.sub(x)).intoByteBuffer(b[out], at + o, NATIVE);
      }
      for (; j < len; j++) {
        int o = 8 * j;
        int q = j % 128;
        double g = b[0].getDouble(at + o);
        double p = b[1].getDouble(at + o);
        double x = b[2].getDouble(at + o);
        double e = b[3].getDouble(at + o);
        double delta = stored ? e : (x - e) / d;
        gg[q] += g * g;
        pp[q] += p * p;
        dg[q] += delta * g;
        dp[q] += delta * p;
        b[out].putDouble(at + o, delta + (p - x));
      }
    }
  }
}
