package org.optimbench.optim.polyak;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU step of {@link Momo} ({@link Fused}) in two passes, split where the reduced sums
 * decide the step size τ: 7 vector reads and writes against the 13 of its ND4J ops (the average's
 * scale, two axpys, three dots).
 *
 * <pre>
 * Average (per segment): operands g, x (read), d (updated);  sums &lt;x, g&gt;, &lt;x, d_new&gt;, ‖d_new‖²
 *   first (step 1 without bias correction): d = g;  then d = β d + (1 − β) g
 * Update: operands d (read), x (updated):  x = x − τ d;  with weight decay x = x / a
 * </pre>
 *
 * The same operations in the same order as the ND4J ops ({@code Vec.scaleAdd} is {@code y.muli(b)}
 * then {@code y += a x}); float32 in float with float constants.
 */
final class MomoKernel {
  private MomoKernel() {}

  record Average(boolean first, double beta) implements Fused.Kernel {
    @Override
    public Fused.Direct direct() {
      return new PolyakDirect.MomoAverage(this);
    }

    @Override
    public int sums() {
      return 3;
    }

    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      float[] g = c[0];
      float[] x = c[1];
      float[] d = c[2];
      float b = (float) beta;
      float a = (float) (1 - beta);
      if (first) {
        for (int j = 0; j < len; j++) d[j] = g[j] * b + a * g[j];
      } else {
        for (int j = 0; j < len; j++) d[j] = d[j] * b + a * g[j];
      }
      float[] xg = acc[0];
      float[] xd = acc[1];
      float[] dd = acc[2];
      for (int j = 0; j < len; j++) {
        float xj = x[j];
        float dj = d[j];
        xg[j] += xj * g[j];
        xd[j] += xj * dj;
        dd[j] += dj * dj;
      }
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      double[] g = c[0];
      double[] x = c[1];
      double[] d = c[2];
      double b = beta;
      double a = 1 - beta;
      if (first) {
        for (int j = 0; j < len; j++) d[j] = g[j] * b + a * g[j];
      } else {
        for (int j = 0; j < len; j++) d[j] = d[j] * b + a * g[j];
      }
      double[] xg = acc[0];
      double[] xd = acc[1];
      double[] dd = acc[2];
      for (int j = 0; j < len; j++) {
        double xj = x[j];
        double dj = d[j];
        xg[j] += xj * g[j];
        xd[j] += xj * dj;
        dd[j] += dj * dj;
      }
    }
  }

  /** {@code x = x − τ d}, then divided by {@code div} unless it is 1. */
  record Update(double tau, double div) implements Fused.Kernel {
    @Override
    public Fused.Direct direct() {
      return new PolyakDirect.MomoUpdate(this);
    }

    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      float[] d = c[0];
      float[] x = c[1];
      float step = (float) -tau;
      float a = (float) div;
      if (div == 1) {
        for (int j = 0; j < len; j++) x[j] = x[j] + step * d[j];
      } else {
        for (int j = 0; j < len; j++) x[j] = (x[j] + step * d[j]) / a;
      }
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      double[] d = c[0];
      double[] x = c[1];
      double step = -tau;
      double a = div;
      if (div == 1) {
        for (int j = 0; j < len; j++) x[j] = x[j] + step * d[j];
      } else {
        for (int j = 0; j < len; j++) x[j] = (x[j] + step * d[j]) / a;
      }
    }
  }
}
