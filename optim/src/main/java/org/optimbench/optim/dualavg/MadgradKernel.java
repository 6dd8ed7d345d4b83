package org.optimbench.optim.dualavg;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU step of {@link Madgrad} ({@link Fused}) in one pass (no global sums). Operands: g
 * (read), nu, s (updated), [x0 (read) with momentum], p (updated); 3 scratch.
 *
 * <pre>
 * d = g + weight_decay * p                              (coupled decay)
 * x0 = momentum == 0 ? p + s / (cbrt(nu) + eps) : x0    (old nu, s)
 * nu = nu + lambda d^2;  s = s + lambda d;  z = x0 - s / rms(nu)
 * p = momentum == 0 ? z - decay p : (1 - c - decay) p + c z
 * </pre>
 */
record MadgradKernel(
    boolean coupled,
    double weightDecay,
    boolean withX0,
    double lambda,
    double eps,
    double keep,
    double ck,
    double decay)
    implements Fused.Kernel {
  @Override
  public void floats(float[][] c, int len, float[][] acc) {
    int o = withX0 ? 1 : 0;
    float[] nu = c[1];
    float[] s = c[2];
    float[] p = c[o + 3];
    float[] g = Fused.decayed(c[0], (float) weightDecay, coupled ? p : null, c[o + 4], len);
    float[] rms = c[o + 5];
    float[] x0 = withX0 ? c[3] : c[o + 6];
    float e = (float) eps;
    if (!withX0) {
      DualOps.cubeRootPlus(nu, e, false, rms, len);
      for (int j = 0; j < len; j++) x0[j] = s[j] / rms[j] + p[j];
    }
    float lamb = (float) lambda;
    for (int j = 0; j < len; j++) {
      float gj = g[j];
      nu[j] = nu[j] + lamb * (gj * gj);
      s[j] = s[j] + lamb * gj;
    }
    DualOps.cubeRootPlus(nu, e, true, rms, len);
    if (!withX0) {
      float dc = (float) -decay;
      if (decay != 0) {
        for (int j = 0; j < len; j++) p[j] = p[j] * dc + (x0[j] - s[j] / rms[j]);
      } else {
        for (int j = 0; j < len; j++) p[j] = x0[j] - s[j] / rms[j];
      }
    } else {
      float kp = (float) keep;
      float a = (float) ck;
      for (int j = 0; j < len; j++) p[j] = p[j] * kp + a * (x0[j] - s[j] / rms[j]);
    }
  }

  @Override
  public void doubles(double[][] c, int len, double[][] acc) {
    int o = withX0 ? 1 : 0;
    double[] nu = c[1];
    double[] s = c[2];
    double[] p = c[o + 3];
    double[] g = Fused.decayed(c[0], weightDecay, coupled ? p : null, c[o + 4], len);
    double[] rms = c[o + 5];
    double[] x0 = withX0 ? c[3] : c[o + 6];
    double e = eps;
    if (!withX0) {
      DualOps.cubeRootPlus(nu, e, false, rms, len);
      for (int j = 0; j < len; j++) x0[j] = s[j] / rms[j] + p[j];
    }
    double lamb = lambda;
    for (int j = 0; j < len; j++) {
      double gj = g[j];
      nu[j] = nu[j] + lamb * (gj * gj);
      s[j] = s[j] + lamb * gj;
    }
    DualOps.cubeRootPlus(nu, e, true, rms, len);
    if (!withX0) {
      double dc = -decay;
      if (decay != 0) {
        for (int j = 0; j < len; j++) p[j] = p[j] * dc + (x0[j] - s[j] / rms[j]);
      } else {
        for (int j = 0; j < len; j++) p[j] = x0[j] - s[j] / rms[j];
      }
    } else {
      double kp = keep;
      double a = ck;
      for (int j = 0; j < len; j++) p[j] = p[j] * kp + a * (x0[j] - s[j] / rms[j]);
    }
  }
}
