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
    public int sums() {
      return 3;
    }

    @Override
    public void floats(float[][] c, int len, double[] sums) {
      float[] g = c[0];
      float[] x = c[1];
      float[] d = c[2];
      float b = (float) beta;
      float a = (float) (1 - beta);
      sums[0] += Fused.dot(x, g, len);
      if (first) {
        for (int j = 0; j < len; j++) d[j] = g[j] * b + a * g[j];
      } else {
        for (int j = 0; j < len; j++) d[j] = d[j] * b + a * g[j];
      }
      sums[1] += Fused.dot(x, d, len);
      sums[2] += Fused.dot(d, d, len);
    }

    @Override
    public void doubles(double[][] c, int len, double[] sums) {
      double[] g = c[0];
      double[] x = c[1];
      double[] d = c[2];
      double b = beta;
      double a = 1 - beta;
      sums[0] += Fused.dot(x, g, len);
      if (first) {
        for (int j = 0; j < len; j++) d[j] = g[j] * b + a * g[j];
      } else {
        for (int j = 0; j < len; j++) d[j] = d[j] * b + a * g[j];
      }
      sums[1] += Fused.dot(x, d, len);
      sums[2] += Fused.dot(d, d, len);
    }
  }

  /** {@code x = x − τ d}, then divided by {@code div} unless it is 1. */
  record Update(double tau, double div) implements Fused.Kernel {
    @Override
    public void floats(float[][] c, int len, double[] sums) {
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
    public void doubles(double[][] c, int len, double[] sums) {
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
