package org.optimbench.optim.dadapt;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU step of {@link DAdaptAdam} ({@link Fused}) in two passes, split where the reducer's
 * sums decide the update.
 *
 * <pre>
 * Accumulate: operands g, [p with coupled decay] (read), s, m, v (updated), 1 scratch; sums &lt;d, s / (sqrt(v) + eps)&gt; and ||s_new||_1
 *   d = g + weight_decay * p;  m = beta1 m + dlr (1 - beta1) d;  v = beta2 v + (1 - beta2) d^2;  s = beta3 s + dlr (1 - beta3) d
 * Update: operands m, v (read), p (updated)
 *   p = decay * p - m / (sqrt(v) + eps)
 * </pre>
 */
final class DAdaptAdamKernel {
  private DAdaptAdamKernel() {}

  record Accumulate(
      boolean coupled,
      double weightDecay,
      double beta1,
      double beta2,
      double beta3,
      double dlr,
      double eps)
      implements Fused.Kernel {
    @Override
    public int sums() {
      return 2;
    }

    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      int o = coupled ? 1 : 0;
      float[] g = Fused.decayed(c[0], (float) weightDecay, coupled ? c[1] : null, c[o + 4], len);
      float[] s = c[o + 1];
      float[] m = c[o + 2];
      float[] v = c[o + 3];
      float[] inner = acc[0];
      float b1 = (float) beta1;
      float am = (float) (dlr * (1 - beta1));
      float b2 = (float) beta2;
      float a2 = (float) (1 - beta2);
      float b3 = (float) beta3;
      float as = (float) (dlr * (1 - beta3));
      float e = (float) eps;
      for (int j = 0; j < len; j++) {
        float gj = g[j];
        float sj = s[j];
        inner[j] += gj * (sj / ((float) Math.sqrt(v[j]) + e));
        m[j] = b1 * m[j] + am * gj;
        v[j] = b2 * v[j] + a2 * (gj * gj);
        sj = b3 * sj + as * gj;
        s[j] = sj;
      }
      Fused.addAbs(acc[1], s, len);
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      int o = coupled ? 1 : 0;
      double[] g = Fused.decayed(c[0], weightDecay, coupled ? c[1] : null, c[o + 4], len);
      double[] s = c[o + 1];
      double[] m = c[o + 2];
      double[] v = c[o + 3];
      double[] inner = acc[0];
      double b1 = beta1;
      double am = dlr * (1 - beta1);
      double b2 = beta2;
      double a2 = 1 - beta2;
      double b3 = beta3;
      double as = dlr * (1 - beta3);
      double e = eps;
      for (int j = 0; j < len; j++) {
        double gj = g[j];
        double sj = s[j];
        inner[j] += gj * (sj / (Math.sqrt(v[j]) + e));
        m[j] = b1 * m[j] + am * gj;
        v[j] = b2 * v[j] + a2 * (gj * gj);
        sj = b3 * sj + as * gj;
        s[j] = sj;
      }
      Fused.addAbs(acc[1], s, len);
    }
  }

  record Update(double decay, double eps) implements Fused.Kernel {
    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      float[] m = c[0];
      float[] v = c[1];
      float[] p = c[2];
      float dc = (float) decay;
      float e = (float) eps;
      for (int j = 0; j < len; j++) p[j] = p[j] * dc - m[j] / ((float) Math.sqrt(v[j]) + e);
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      double[] m = c[0];
      double[] v = c[1];
      double[] p = c[2];
      double dc = decay;
      double e = eps;
      for (int j = 0; j < len; j++) p[j] = p[j] * dc - m[j] / (Math.sqrt(v[j]) + e);
    }
  }
}
