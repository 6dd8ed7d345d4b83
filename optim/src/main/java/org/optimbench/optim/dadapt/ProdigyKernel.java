package org.optimbench.optim.dadapt;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU step of {@link Prodigy} with {@code slice_p = 1} ({@link Fused}) in two passes,
 * split where the reducer's sums decide the update.
 *
 * <pre>
 * Accumulate: operands g, p, p0 (read), [m if beta1 &gt; 0], v, s (updated), 1 scratch;
 *   sums &lt;d, p0 - p&gt; and ||s_new||_1
 *   d = g + weight_decay * p (coupled);  m = beta1 m + cm d;  v = beta2 v + cv d^2;  s = beta3 s + cs d
 * Update: operands v, u (read: m, or g when beta1 = 0), p (updated), 1 scratch
 *   u = g + weight_decay * p when beta1 = 0 and the decay is coupled
 *   p = decay * p + coef * u / (sqrt(v) + eps_d)
 * </pre>
 */
final class ProdigyKernel {
  private ProdigyKernel() {}

  record Accumulate(
      boolean coupled,
      double weightDecay,
      boolean hasM,
      double beta1,
      double cm,
      double beta2,
      double cv,
      double beta3,
      double cs)
      implements Fused.Kernel {
    @Override
    public int sums() {
      return 2;
    }

    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      int o = hasM ? 1 : 0;
      float[] p = c[1];
      float[] g = Fused.decayed(c[0], (float) weightDecay, coupled ? p : null, c[o + 5], len);
      float[] x0 = c[2];
      float[] v = c[o + 3];
      float[] s = c[o + 4];
      float[] dot = acc[0];
      if (hasM) {
        float[] m = c[3];
        float b1 = (float) beta1;
        float a1 = (float) cm;
        for (int j = 0; j < len; j++) m[j] = b1 * m[j] + a1 * g[j];
      }
      float b2 = (float) beta2;
      float a2 = (float) cv;
      float b3 = (float) beta3;
      float a3 = (float) cs;
      for (int j = 0; j < len; j++) {
        float gj = g[j];
        dot[j] += gj * (x0[j] - p[j]);
        v[j] = b2 * v[j] + a2 * (gj * gj);
        s[j] = b3 * s[j] + a3 * gj;
      }
      Fused.addAbs(acc[1], s, len);
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      int o = hasM ? 1 : 0;
      double[] p = c[1];
      double[] g = Fused.decayed(c[0], weightDecay, coupled ? p : null, c[o + 5], len);
      double[] x0 = c[2];
      double[] v = c[o + 3];
      double[] s = c[o + 4];
      double[] dot = acc[0];
      if (hasM) {
        double[] m = c[3];
        double b1 = beta1;
        double a1 = cm;
        for (int j = 0; j < len; j++) m[j] = b1 * m[j] + a1 * g[j];
      }
      double b2 = beta2;
      double a2 = cv;
      double b3 = beta3;
      double a3 = cs;
      for (int j = 0; j < len; j++) {
        double gj = g[j];
        dot[j] += gj * (x0[j] - p[j]);
        v[j] = b2 * v[j] + a2 * (gj * gj);
        s[j] = b3 * s[j] + a3 * gj;
      }
      Fused.addAbs(acc[1], s, len);
    }
  }

  record Update(boolean coupled, double weightDecay, double decay, double coef, double epsD)
      implements Fused.Kernel {
    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      float[] v = c[0];
      float[] p = c[2];
      float[] u = Fused.decayed(c[1], (float) weightDecay, coupled ? p : null, c[3], len);
      float dc = (float) decay;
      float a = (float) coef;
      float e = (float) epsD;
      for (int j = 0; j < len; j++) p[j] = p[j] * dc + a * (u[j] / ((float) Math.sqrt(v[j]) + e));
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      double[] v = c[0];
      double[] p = c[2];
      double[] u = Fused.decayed(c[1], weightDecay, coupled ? p : null, c[3], len);
      double dc = decay;
      double a = coef;
      double e = epsD;
      for (int j = 0; j < len; j++) p[j] = p[j] * dc + a * (u[j] / (Math.sqrt(v[j]) + e));
    }
  }
}
