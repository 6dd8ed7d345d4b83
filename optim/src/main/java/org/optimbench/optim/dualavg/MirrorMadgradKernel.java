package org.optimbench.optim.dualavg;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU step of {@link MirrorMadgrad} ({@link Fused}) in one pass (no global sums).
 * Operands: g (read), nu, z, p (updated); 2 scratch.
 *
 * <pre>
 * z = z_decay z;  d = g + weight_decay * p               (decoupled or coupled decay)
 * nu = ratio nu + d^2;  z = z - step d / rms(nu);  p = (1 - c) p + c z
 * </pre>
 */
record MirrorMadgradKernel(
    double zDecay,
    boolean coupled,
    double weightDecay,
    double ratio,
    double eps,
    double step,
    double keep,
    double ck)
    implements Fused.Kernel {
  @Override
  public void floats(float[][] c, int len, float[][] acc) {
    float[] nu = c[1];
    float[] z = c[2];
    float[] p = c[3];
    float[] g = Fused.decayed(c[0], (float) weightDecay, coupled ? p : null, c[4], len);
    float[] rms = c[5];
    if (zDecay != 1) {
      float dc = (float) zDecay;
      for (int j = 0; j < len; j++) z[j] = z[j] * dc;
    }
    float r = (float) ratio;
    for (int j = 0; j < len; j++) nu[j] = nu[j] * r + g[j] * g[j];
    DualOps.cubeRootPlus(nu, (float) eps, true, rms, len);
    float st = (float) -step;
    float kp = (float) keep;
    float a = (float) ck;
    for (int j = 0; j < len; j++) {
      float zj = z[j] + st * (g[j] / rms[j]);
      z[j] = zj;
      p[j] = p[j] * kp + a * zj;
    }
  }

  @Override
  public void doubles(double[][] c, int len, double[][] acc) {
    double[] nu = c[1];
    double[] z = c[2];
    double[] p = c[3];
    double[] g = Fused.decayed(c[0], weightDecay, coupled ? p : null, c[4], len);
    double[] rms = c[5];
    if (zDecay != 1) {
      double dc = zDecay;
      for (int j = 0; j < len; j++) z[j] = z[j] * dc;
    }
    double r = ratio;
    for (int j = 0; j < len; j++) nu[j] = nu[j] * r + g[j] * g[j];
    DualOps.cubeRootPlus(nu, eps, true, rms, len);
    double st = -step;
    double kp = keep;
    double a = ck;
    for (int j = 0; j < len; j++) {
      double zj = z[j] + st * (g[j] / rms[j]);
      z[j] = zj;
      p[j] = p[j] * kp + a * zj;
    }
  }
}
