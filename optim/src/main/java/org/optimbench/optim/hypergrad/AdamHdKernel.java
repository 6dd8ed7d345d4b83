package org.optimbench.optim.hypergrad;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU step of {@link AdamHd} ({@link Fused}) in two passes per segment, split where the
 * reduced hypergradients decide each segment's rate.
 *
 * <pre>
 * Moments: operands g, [p with weight decay] (read), m, v (updated), 1 scratch; sum (when withDot)
 *   &lt;d, m / (sqrt(v) + eps)&gt; over the previous m, v
 *   d = g + weight_decay * p;  m = beta1 m + (1 - beta1) d;  v = beta2 v + (1 - beta2) d^2
 * Update: operands m, v (read), p (updated)
 *   p = p + coef * m / (sqrt(v) + eps)
 * </pre>
 */
final class AdamHdKernel {
  private AdamHdKernel() {}

  record Moments(
      boolean withDot, boolean decayed, double weightDecay, double beta1, double beta2, double eps)
      implements Fused.Kernel {
    @Override
    public int sums() {
      return 1;
    }

    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      int o = decayed ? 1 : 0;
      float[] g = Fused.decayed(c[0], (float) weightDecay, decayed ? c[1] : null, c[o + 3], len);
      float[] m = c[o + 1];
      float[] v = c[o + 2];
      float e = (float) eps;
      if (withDot) {
        float[] dot = acc[0];
        for (int j = 0; j < len; j++) dot[j] += g[j] * (m[j] / ((float) Math.sqrt(v[j]) + e));
      }
      float b1 = (float) beta1;
      float a1 = (float) (1 - beta1);
      float b2 = (float) beta2;
      float a2 = (float) (1 - beta2);
      for (int j = 0; j < len; j++) {
        float gj = g[j];
        m[j] = b1 * m[j] + a1 * gj;
        v[j] = b2 * v[j] + a2 * (gj * gj);
      }
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      int o = decayed ? 1 : 0;
      double[] g = Fused.decayed(c[0], weightDecay, decayed ? c[1] : null, c[o + 3], len);
      double[] m = c[o + 1];
      double[] v = c[o + 2];
      double e = eps;
      if (withDot) {
        double[] dot = acc[0];
        for (int j = 0; j < len; j++) dot[j] += g[j] * (m[j] / (Math.sqrt(v[j]) + e));
      }
      double b1 = beta1;
      double a1 = 1 - beta1;
      double b2 = beta2;
      double a2 = 1 - beta2;
      for (int j = 0; j < len; j++) {
        double gj = g[j];
        m[j] = b1 * m[j] + a1 * gj;
        v[j] = b2 * v[j] + a2 * (gj * gj);
      }
    }
  }

  record Update(double coef, double eps) implements Fused.Kernel {
    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      float[] m = c[0];
      float[] v = c[1];
      float[] p = c[2];
      float a = (float) coef;
      float e = (float) eps;
      for (int j = 0; j < len; j++) p[j] = p[j] + a * (m[j] / ((float) Math.sqrt(v[j]) + e));
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      double[] m = c[0];
      double[] v = c[1];
      double[] p = c[2];
      double a = coef;
      double e = eps;
      for (int j = 0; j < len; j++) p[j] = p[j] + a * (m[j] / (Math.sqrt(v[j]) + e));
    }
  }
}
