package org.optimbench.optim.dadapt;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU step of {@link DAdaptAdaGrad} ({@link Fused}) in two passes, split where the
 * reducer's sums decide the update.
 *
 * <pre>
 * Accumulate: operands g, [p with weight decay] (read), alpha, s (updated), 1 scratch;
 *   sums sum(d^2 / w), sum(s^2 / w), ||s||_1 over the new alpha and s
 *   d = g + weight_decay * p;  alpha = alpha + d^2;  w = sqrt(alpha) + eps;  s = s + dlr d
 * Update: operands s, alpha, x0 (read), p (updated; written only, with momentum 0)
 *   z = x0 - s / (sqrt(alpha) + eps);  p = momentum == 0 ? z : (1 - c) p + c z
 * Norms (reconcile): operands s, alpha (read); the Accumulate pass's sum(s^2 / w) and
 *   ||s||_1, computed the same way
 * </pre>
 */
final class DAdaptAdaGradKernel {
  private DAdaptAdaGradKernel() {}

  record Accumulate(boolean decayed, double weightDecay, double dlr, double eps)
      implements Fused.Kernel {
    @Override
    public int sums() {
      return 3;
    }

    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      int o = decayed ? 1 : 0;
      float[] g = Fused.decayed(c[0], (float) weightDecay, decayed ? c[1] : null, c[o + 3], len);
      float[] alpha = c[o + 1];
      float[] s = c[o + 2];
      float[] gsq = acc[0];
      float[] ssq = acc[1];
      float a = (float) dlr;
      float e = (float) eps;
      for (int j = 0; j < len; j++) {
        float gj = g[j];
        float sq = gj * gj;
        float aj = alpha[j] + sq;
        float w = (float) Math.sqrt(aj) + e;
        float sj = s[j] + a * gj;
        alpha[j] = aj;
        s[j] = sj;
        gsq[j] += sq / w;
        ssq[j] += sj * sj / w;
      }
      Fused.addAbs(acc[2], s, len);
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      int o = decayed ? 1 : 0;
      double[] g = Fused.decayed(c[0], weightDecay, decayed ? c[1] : null, c[o + 3], len);
      double[] alpha = c[o + 1];
      double[] s = c[o + 2];
      double[] gsq = acc[0];
      double[] ssq = acc[1];
      double a = dlr;
      double e = eps;
      for (int j = 0; j < len; j++) {
        double gj = g[j];
        double sq = gj * gj;
        double aj = alpha[j] + sq;
        double w = Math.sqrt(aj) + e;
        double sj = s[j] + a * gj;
        alpha[j] = aj;
        s[j] = sj;
        gsq[j] += sq / w;
        ssq[j] += sj * sj / w;
      }
      Fused.addAbs(acc[2], s, len);
    }
  }

  record Update(double momentum, double eps) implements Fused.Kernel {
    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      float[] s = c[0];
      float[] alpha = c[1];
      float[] x0 = c[2];
      float[] p = c[3];
      float e = (float) eps;
      if (momentum == 0) {
        for (int j = 0; j < len; j++) p[j] = x0[j] - s[j] / ((float) Math.sqrt(alpha[j]) + e);
      } else {
        float ck = (float) (1 - momentum);
        float keep = (float) (1 - (1 - momentum));
        for (int j = 0; j < len; j++)
          p[j] = p[j] * keep + ck * (x0[j] - s[j] / ((float) Math.sqrt(alpha[j]) + e));
      }
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      double[] s = c[0];
      double[] alpha = c[1];
      double[] x0 = c[2];
      double[] p = c[3];
      double e = eps;
      if (momentum == 0) {
        for (int j = 0; j < len; j++) p[j] = x0[j] - s[j] / (Math.sqrt(alpha[j]) + e);
      } else {
        double ck = 1 - momentum;
        double keep = 1 - ck;
        for (int j = 0; j < len; j++)
          p[j] = p[j] * keep + ck * (x0[j] - s[j] / (Math.sqrt(alpha[j]) + e));
      }
    }
  }

  record Norms(double eps) implements Fused.Kernel {
    @Override
    public int sums() {
      return 2;
    }

    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      float[] s = c[0];
      float[] alpha = c[1];
      float[] ssq = acc[0];
      float e = (float) eps;
      for (int j = 0; j < len; j++) {
        float sj = s[j];
        ssq[j] += sj * sj / ((float) Math.sqrt(alpha[j]) + e);
      }
      Fused.addAbs(acc[1], s, len);
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      double[] s = c[0];
      double[] alpha = c[1];
      double[] ssq = acc[0];
      double e = eps;
      for (int j = 0; j < len; j++) {
        double sj = s[j];
        ssq[j] += sj * sj / (Math.sqrt(alpha[j]) + e);
      }
      Fused.addAbs(acc[1], s, len);
    }
  }
}
