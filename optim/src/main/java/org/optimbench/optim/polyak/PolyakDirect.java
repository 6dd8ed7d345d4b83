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
    public void floats(ByteBuffer[] b, int at, int len) {
      float dc = (float) k.pre();
      float step = (float) -k.tau();
      boolean scaled = k.post() != 1;
      float ipost = (float) (1 / k.post());
      float ibc = (float) (1 / k.bc2());
      float e = (float) k.eps();
      int j = 0;
      for (int end = F.loopBound(len); j < end; j += F.length()) {
        int o = 4 * j;
        FloatVector m = FloatVector.fromByteBuffer(F, b[0], at + o, NATIVE);
        FloatVector v = FloatVector.fromByteBuffer(F, b[1], at + o, NATIVE);
        FloatVector x = FloatVector.fromByteBuffer(F, b[2], at + o, NATIVE);
        FloatVector r = x.mul(dc).add(m.div(v.mul(ibc).sqrt().add(e)).mul(step));
        if (scaled) r = r.mul(ipost);
        r.intoByteBuffer(b[2], at + o, NATIVE);
      }
      for (; j < len; j++) {
        int o = 4 * j;
        float m = b[0].getFloat(at + o);
        float v = b[1].getFloat(at + o);
        float r = b[2].getFloat(at + o) * dc + step * (m / ((float) Math.sqrt(v * ibc) + e));
        b[2].putFloat(at + o, scaled ? r * ipost : r);
      }
    }

    @Override
    public void doubles(ByteBuffer[] b, int at, int len) {
      double dc = k.pre();
      double step = -k.tau();
      boolean scaled = k.post() != 1;
      double ipost = 1 / k.post();
      double ibc = 1 / k.bc2();
      double e = k.eps();
      int j = 0;
      for (int end = D.loopBound(len); j < end; j += D.length()) {
        int o = 8 * j;
        DoubleVector m = DoubleVector.fromByteBuffer(D, b[0], at + o, NATIVE);
        DoubleVector v = DoubleVector.fromByteBuffer(D, b[1], at + o, NATIVE);
        DoubleVector x = DoubleVector.fromByteBuffer(D, b[2], at + o, NATIVE);
        DoubleVector r = x.mul(dc).add(m.div(v.mul(ibc).sqrt().add(e)).mul(step));
        if (scaled) r = r.mul(ipost);
        r.intoByteBuffer(b[2], at + o, NATIVE);
      }
      for (; j < len; j++) {
        int o = 8 * j;
        double m = b[0].getDouble(at + o);
        double v = b[1].getDouble(at + o);
        double r = b[2].getDouble(at + o) * dc + step * (m / (Math.sqrt(v * ibc) + e));
        b[2].putDouble(at + o, scaled ? r * ipost : r);
      }
    }
  }

  /** {@link MomoKernel.Update}: operands d (read), x (updated). */
  record MomoUpdate(MomoKernel.Update k) implements Fused.Direct {
    @Override
    public void floats(ByteBuffer[] b, int at, int len) {
      float step = (float) -k.tau();
      boolean divided = k.div() != 1;
      float a = (float) k.div();
      int j = 0;
      for (int end = F.loopBound(len); j < end; j += F.length()) {
        int o = 4 * j;
        FloatVector d = FloatVector.fromByteBuffer(F, b[0], at + o, NATIVE);
        FloatVector x = FloatVector.fromByteBuffer(F, b[1], at + o, NATIVE);
        FloatVector r = x.add(d.mul(step));
        if (divided) r = r.div(a);
        r.intoByteBuffer(b[1], at + o, NATIVE);
      }
      for (; j < len; j++) {
        int o = 4 * j;
        float r = b[1].getFloat(at + o) + step * b[0].getFloat(at + o);
        b[1].putFloat(at + o, divided ? r / a : r);
      }
    }

    @Override
    public void doubles(ByteBuffer[] b, int at, int len) {
      double step = -k.tau();
      boolean divided = k.div() != 1;
      double a = k.div();
      int j = 0;
      for (int end = D.loopBound(len); j < end; j += D.length()) {
        int o = 8 * j;
        DoubleVector d = DoubleVector.fromByteBuffer(D, b[0], at + o, NATIVE);
        DoubleVector x = DoubleVector.fromByteBuffer(D, b[1], at + o, NATIVE);
        DoubleVector r = x.add(d.mul(step));
        if (divided) r = r.div(a);
        r.intoByteBuffer(b[1], at + o, NATIVE);
      }
      for (; j < len; j++) {
        int o = 8 * j;
        double r = b[1].getDouble(at + o) + step * b[0].getDouble(at + o);
        b[1].putDouble(at + o, divided ? r / a : r);
      }
    }
  }

  /** {@link MomoKernel.Average}: operands g, x (read), d (updated); sums x·g, x·d, d·d. */
  record MomoAverage(MomoKernel.Average k) implements Fused.Direct {
    @Override
    public void floats(ByteBuffer[] b, int at, int len, float[][] acc) {
      boolean first = k.first();
      float be = (float) k.beta();
      float a = (float) (1 - k.beta());
      float[] xg = acc[0];
      float[] xd = acc[1];
      float[] dd = acc[2];
      int j = 0;
      for (int end = F.loopBound(len); j < end; j += F.length()) {
        int o = 4 * j;
        int q = j % 128;
        FloatVector g = FloatVector.fromByteBuffer(F, b[0], at + o, NATIVE);
        FloatVector x = FloatVector.fromByteBuffer(F, b[1], at + o, NATIVE);
        FloatVector d0 = first ? g : FloatVector.fromByteBuffer(F, b[2], at + o, NATIVE);
        FloatVector d = d0.mul(be).add(g.mul(a));
        d.intoByteBuffer(b[2], at + o, NATIVE);
        FloatVector.fromArray(F, xg, q).add(x.mul(g)).intoArray(xg, q);
        FloatVector.fromArray(F, xd, q).add(x.mul(d)).intoArray(xd, q);
        FloatVector.fromArray(F, dd, q).add(d.mul(d)).intoArray(dd, q);
      }
      for (; j < len; j++) {
        int o = 4 * j;
        int q = j % 128;
        float g = b[0].getFloat(at + o);
        float x = b[1].getFloat(at + o);
        float d = (first ? g : b[2].getFloat(at + o)) * be + a * g;
        b[2].putFloat(at + o, d);
        xg[q] += x * g;
        xd[q] += x * d;
        dd[q] += d * d;
      }
    }

    @Override
    public void doubles(ByteBuffer[] b, int at, int len, double[][] acc) {
      boolean first = k.first();
      double be = k.beta();
      double a = 1 - k.beta();
      double[] xg = acc[0];
      double[] xd = acc[1];
      double[] dd = acc[2];
      int j = 0;
      for (int end = D.loopBound(len); j < end; j += D.length()) {
        int o = 8 * j;
        int q = j % 128;
        DoubleVector g = DoubleVector.fromByteBuffer(D, b[0], at + o, NATIVE);
        DoubleVector x = DoubleVector.fromByteBuffer(D, b[1], at + o, NATIVE);
        DoubleVector d0 = first ? g : DoubleVector.fromByteBuffer(D, b[2], at + o, NATIVE);
        DoubleVector d = d0.mul(be).add(g.mul(a));
        d.intoByteBuffer(b[2], at + o, NATIVE);
        DoubleVector.fromArray(D, xg, q).add(x.mul(g)).intoArray(xg, q);
        DoubleVector.fromArray(D, xd, q).add(x.mul(d)).intoArray(xd, q);
        DoubleVector.fromArray(D, dd, q).add(d.mul(d)).intoArray(dd, q);
      }
      for (; j < len; j++) {
        int o = 8 * j;
        int q = j % 128;
        double g = b[0].getDouble(at + o);
        double x = b[1].getDouble(at + o);
        double d = (first ? g : b[2].getDouble(at + o)) * be + a * g;
        b[2].putDouble(at + o, d);
        xg[q] += x * g;
        xd[q] += x * d;
        dd[q] += d * d;
      }
    }
  }

  /**
   * {@link MomoAdamKernel.Moments}: operands g, x (read), m, v (updated); sums x·g, x·m, m·(m / D).
   */
  record MomoAdamMoments(MomoAdamKernel.Moments k) implements Fused.Direct {
    @Override
    public void floats(ByteBuffer[] b, int at, int len, float[][] acc) {
      float b1 = (float) k.beta1();
      float a1 = (float) (1 - k.beta1());
      float b2 = (float) k.beta2();
      float a2 = (float) (1 - k.beta2());
      float ibc = (float) (1 / k.bc2());
      float e = (float) k.eps();
      float[] xg = acc[0];
      float[] xm = acc[1];
      float[] mr = acc[2];
      int j = 0;
      for (int end = F.loopBound(len); j < end; j += F.length()) {
        int o = 4 * j;
        int q = j % 128;
        FloatVector g = FloatVector.fromByteBuffer(F, b[0], at + o, NATIVE);
        FloatVector x = FloatVector.fromByteBuffer(F, b[1], at + o, NATIVE);
        FloatVector.fromArray(F, xg, q).add(x.mul(g)).intoArray(xg, q);
        FloatVector m = FloatVector.fromByteBuffer(F, b[2], at + o, NATIVE).mul(b1).add(g.mul(a1));
        FloatVector v =
            FloatVector.fromByteBuffer(F, b[3], at + o, NATIVE).mul(b2).add(g.mul(g).mul(a2));
        m.intoByteBuffer(b[2], at + o, NATIVE);
        v.intoByteBuffer(b[3], at + o, NATIVE);
        FloatVector.fromArray(F, xm, q).add(x.mul(m)).intoArray(xm, q);
        FloatVector.fromArray(F, mr, q)
            .add(m.mul(m.div(v.mul(ibc).sqrt().add(e))))
            .intoArray(mr, q);
      }
      for (; j < len; j++) {
        int o = 4 * j;
        int q = j % 128;
        float g = b[0].getFloat(at + o);
        float x = b[1].getFloat(at + o);
        xg[q] += x * g;
        float m = b1 * b[2].getFloat(at + o) + a1 * g;
        float v = b2 * b[3].getFloat(at + o) + a2 * (g * g);
        b[2].putFloat(at + o, m);
        b[3].putFloat(at + o, v);
        xm[q] += x * m;
        mr[q] += m * (m / ((float) Math.sqrt(v * ibc) + e));
      }
    }

    @Override
    public void doubles(ByteBuffer[] b, int at, int len, double[][] acc) {
      double b1 = k.beta1();
      double a1 = 1 - k.beta1();
      double b2 = k.beta2();
      double a2 = 1 - k.beta2();
      double ibc = 1 / k.bc2();
      double e = k.eps();
      double[] xg = acc[0];
      double[] xm = acc[1];
      double[] mr = acc[2];
      int j = 0;
      for (int end = D.loopBound(len); j < end; j += D.length()) {
        int o = 8 * j;
        int q = j % 128;
        DoubleVector g = DoubleVector.fromByteBuffer(D, b[0], at + o, NATIVE);
        DoubleVector x = DoubleVector.fromByteBuffer(D, b[1], at + o, NATIVE);
        DoubleVector.fromArray(D, xg, q).add(x.mul(g)).intoArray(xg, q);
        DoubleVector m =
            DoubleVector.fromByteBuffer(D, b[2], at + o, NATIVE).mul(b1).add(g.mul(a1));
        DoubleVector v =
            DoubleVector.fromByteBuffer(D, b[3], at + o, NATIVE).mul(b2).add(g.mul(g).mul(a2));
        m.intoByteBuffer(b[2], at + o, NATIVE);
        v.intoByteBuffer(b[3], at + o, NATIVE);
        DoubleVector.fromArray(D, xm, q).add(x.mul(m)).intoArray(xm, q);
        DoubleVector.fromArray(D, mr, q)
            .add(m.mul(m.div(v.mul(ibc).sqrt().add(e))))
            .intoArray(mr, q);
      }
      for (; j < len; j++) {
        int o = 8 * j;
        int q = j % 128;
        double g = b[0].getDouble(at + o);
        double x = b[1].getDouble(at + o);
        xg[q] += x * g;
        double m = b1 * b[2].getDouble(at + o) + a1 * g;
        double v = b2 * b[3].getDouble(at + o) + a2 * (g * g);
        b[2].putDouble(at + o, m);
        b[3].putDouble(at + o, v);
        xm[q] += x * m;
        mr[q] += m * (m / (Math.sqrt(v * ibc) + e));
      }
    }
  }
}
