package org.optimbench.optim.polyak;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU step of {@link Momo} ({@link Fused}) in two passes, split where the reduced sums
 * decide the step size τ.
 * <pre>
 * Average (per segment): operands g, x (read), d (updated; written on a first step without bias correction)
 *   sums &lt;x, g&gt;, &lt;x, d_new&gt;, &lt;d_new, d_new&gt;
 *   d = β (first ? g : d) + (1 − β) g
 * Update: operands d (read), x (updated)
 *   x = (x − τ d) / post      (post = 1 + lr λ; the division is skipped without weight decay)
 * </pre>
 */
final class MomoKernel {
  private MomoKernel() {}

  record Average(double beta, boolean first) implements Fused.Kernel {
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
        for (int j = 0; j < len; j++) d[j] = b * g[j] + a * g[j];
      } else {
        for (int j = 0; j < len; j++) d[j] = b * d[j] + a * g[j];
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
        for (int j = 0; j < len; j++) d[j] = b * g[j] + a * g[j];
      } else {
        for (int j = 0; j < len; j++) d[j] = b * d[j] + a * g[j];
      }
      sums[1] += Fused.dot(x, d, len);
      sums[2] += Fused.dot(d, d, len);
    }
  }

  record Update(double tau, double post) implements Fused.Kernel {
    @Override
    public void floats(float[][] c, int len, double[] sums) {
      float[] d = c[0];
      float[] x = c[1];
      float t = (float) -tau;
      float q = (float) post;
      if (post == 1) {
        for (int j = 0; j < len; j++) x[j] = x[j] + t * d[j];
      } else {
        for (int j = 0; j < len; j++) x[j] = (x[j] + t * d[j]) / q;
      }
    }

    @Override
    public void doubles(double[][] c, int len, double[] sums) {
      double[] d = c[0];
      double[] x = c[1];
      double t = -tau;
      double q = post;
      if (post == 1) {
        for (int j = 0; j < len; j++) x[j] = x[j] + t * d[j];
      } else {
        for (int j = 0; j < len; j++) x[j] = (x[j] + t * d[j]) / q;
      }
    }
  }
}
