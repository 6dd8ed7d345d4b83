package org.optimbench.optim.baseline;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU step of {@link Adagrad} ({@link Fused}) in one pass. Operands: g (read), sum, p
 * (updated), 1 scratch.
 *
 * <pre>
 * d = g + weight_decay * p;  sum = sum + d^2;  p = p - clr * d / (sqrt(sum) + eps)
 * </pre>
 */
record AdagradKernel(double weightDecay, double clr, double eps) implements Fused.Kernel {
  @Override
  public void floats(float[][] c, int len, float[][] acc) {
    float[] sum = c[1];
    float[] p = c[2];
    float[] g = Fused.decayed(c[0], (float) weightDecay, weightDecay != 0 ? p : null, c[3], len);
    float step = (float) -clr;
    float e = (float) eps;
    for (int j = 0; j < len; j++) {
      float gj = g[j];
      float sj = sum[j] + gj * gj;
      sum[j] = sj;
      p[j] = p[j] + step * (gj / ((float) Math.sqrt(sj) + e));
    }
  }

  @Override
  public void doubles(double[][] c, int len, double[][] acc) {
    double[] sum = c[1];
    double[] p = c[2];
    double[] g = Fused.decayed(c[0], weightDecay, weightDecay != 0 ? p : null, c[3], len);
    double step = -clr;
    double e = eps;
    for (int j = 0; j < len; j++) {
      double gj = g[j];
      double sj = sum[j] + gj * gj;
      sum[j] = sj;
      p[j] = p[j] + step * (gj / (Math.sqrt(sj) + e));
    }
  }
}
