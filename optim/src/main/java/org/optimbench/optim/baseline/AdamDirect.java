package org.optimbench.optim.baseline;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.optimbench.optim.internal.Fused;

/**
 * {@link AdamKernel}'s arithmetic on the operands' native memory with the JDK's vector API ({@link
 * Fused.Direct}): the same operations in the same order on each element, so the same bits.
 */
final class AdamDirect implements Fused.Direct {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
  private final AdamKernel k;

  AdamDirect(AdamKernel k) {
    this.k = k;
  }

  @Override
  public void floats(ByteBuffer[] b, int at, int len) {
    boolean ams = k.amsgrad();
    ByteBuffer g = b[0];
    ByteBuffer m = b[1];
    ByteBuffer v = b[2];
    ByteBuffer vmax = ams ? b[3] : null;
    int pi = ams ? 4 : 3;
    ByteBuffer p = b[pi];
    float gs = (float) k.gradScale();
    float dc = (float) k.decay();
    float wd = (float) k.l2();
    float b1 = (float) k.beta1();
    float a1 = (float) (1 - k.beta1());
    float b2 = (float) k.beta2();
    float a2 = (float) (1 - k.beta2());
    float bc = (float) k.bc2Sqrt();
    float e = (float) k.eps();
    float step = (float) -k.stepSize();
    int j = 0;
    for (int end = F.loopBound(len); j < end; j += F.length()) {
      int o = 4 * j;
      FloatVector pj = FloatVector.fromByteBuffer(F, p, at + o, NATIVE).mul(dc);
      FloatVector gj = FloatVector.fromByteBuffer(F, g, at + o, NATIVE).mul(gs).add(pj.mul(wd));
      FloatVector mj = FloatVector.fromByteBuffer(F, m, at + o, NATIVE).mul(b1).add(gj.mul(a1));
      FloatVector vj =
          FloatVector.fromByteBuffer(F, v, at + o, NATIVE).mul(b2).add(gj.mul(gj).mul(a2));
      mj.intoByteBuffer(m, at + o, NATIVE);
      vj.intoByteBuffer(v, at + o, NATIVE);
      FloatVector hj = vj;
      if (ams) {
        hj = FloatVector.fromByteBuffer(F, vmax, at + o, NATIVE).max(vj);
        hj.intoByteBuffer(vmax, at + o, NATIVE);
      }
      pj.add(mj.div(hj.sqrt().div(bc).add(e)).mul(step)).intoByteBuffer(p, at + o, NATIVE);
    }
    for (; j < len; j++) {
      int o = 4 * j;
      float pj = p.getFloat(at + o) * dc;
      float gj = gs * g.getFloat(at + o) + wd * pj;
      float mj = b1 * m.getFloat(at + o) + a1 * gj;
      float vj = b2 * v.getFloat(at + o) + a2 * (gj * gj);
      m.putFloat(at + o, mj);
      v.putFloat(at + o, vj);
      float hj = vj;
      if (ams) {
        hj = Math.max(vmax.getFloat(at + o), vj);
        vmax.putFloat(at + o, hj);
      }
      p.putFloat(at + o, pj + step * (mj / ((float) Math.sqrt(hj) / bc + e)));
    }
  }

  @Override
  public void doubles(ByteBuffer[] b, int at, int len) {
    boolean ams = k.amsgrad();
    ByteBuffer g = b[0];
    ByteBuffer m = b[1];
    ByteBuffer v = b[2];
    ByteBuffer vmax = ams ? b[3] : null;
    int pi = ams ? 4 : 3;
    ByteBuffer p = b[pi];
    double gs = k.gradScale();
    double dc = k.decay();
    double wd = k.l2();
    double b1 = k.beta1();
    double a1 = 1 - k.beta1();
    double b2 = k.beta2();
    double a2 = 1 - k.beta2();
    double bc = k.bc2Sqrt();
    double e = k.eps();
    double step = -k.stepSize();
    int j = 0;
    for (int end = D.loopBound(len); j < end; j += D.length()) {
      int o = 8 * j;
      DoubleVector pj = DoubleVector.fromByteBuffer(D, p, at + o, NATIVE).mul(dc);
      DoubleVector gj = DoubleVector.fromByteBuffer(D, g, at + o, NATIVE).mul(gs).add(pj.mul(wd));
      DoubleVector mj = DoubleVector.fromByteBuffer(D, m, at + o, NATIVE).mul(b1).add(gj.mul(a1));
      DoubleVector vj =
          DoubleVector.fromByteBuffer(D, v, at + o, NATIVE).mul(b2).add(gj.mul(gj).mul(a2));
      mj.intoByteBuffer(m, at + o, NATIVE);
      vj.intoByteBuffer(v, at + o, NATIVE);
      DoubleVector hj = vj;
      if (ams) {
        hj = DoubleVector.fromByteBuffer(D, vmax, at + o, NATIVE).max(vj);
        hj.intoByteBuffer(vmax, at + o, NATIVE);
      }
      pj.add(mj.div(hj.sqrt().div(bc).add(e)).mul(step)).intoByteBuffer(p, at + o, NATIVE);
    }
    for (; j < len; j++) {
      int o = 8 * j;
      double pj = p.getDouble(at + o) * dc;
      double gj = gs * g.getDouble(at + o) + wd * pj;
      double mj = b1 * m.getDouble(at + o) + a1 * gj;
      double vj = b2 * v.getDouble(at + o) + a2 * (gj * gj);
      m.putDouble(at + o, mj);
      v.putDouble(at + o, vj);
      double hj = vj;
      if (ams) {
        hj = Math.max(vmax.getDouble(at + o), vj);
        vmax.putDouble(at + o, hj);
      }
      p.putDouble(at + o, pj + step * (mj / (Math.sqrt(hj) / bc + e)));
    }
  }
}
