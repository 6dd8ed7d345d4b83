package org.optimbench.optim.schedulefree;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU step of {@link ScheduleFreeAdamW} ({@link Fused}) in one pass. Operands: g (read),
 * z, x, v, [m with inner momentum] (updated), y = the parameters (updated when the decay reads
 * them, else written).
 *
 * <pre>
 * z = z_decay z + y_decay y                      (weight decay at z or at y; 1 and 0 when unused)
 * v = beta2 v + (1 - beta2) g^2;  [m = im m + (1 - im) g]
 * z = z + step * (m or g) / (sqrt(v / bc2) + eps)
 * x = (1 - c) x + c z;  y = beta1 x + (1 - beta1) z
 * </pre>
 */
record ScheduleFreeAdamWKernel(
    double zDecay,
    double yDecay,
    double beta2,
    double bc2,
    double eps,
    boolean hasM,
    double innerMomentum,
    double step,
    double ckp1,
    double beta1)
    implements Fused.Kernel {
  @Override
  public void floats(float[][] c, int len, float[][] acc) {
    int o = hasM ? 1 : 0;
    float[] g = c[0];
    float[] z = c[1];
    float[] x = c[2];
    float[] v = c[3];
    float[] y = c[o + 4];
    if (yDecay != 0) {
      float a = (float) yDecay;
      for (int j = 0; j < len; j++) z[j] = z[j] + a * y[j];
    } else if (zDecay != 1) {
      float dc = (float) zDecay;
      for (int j = 0; j < len; j++) z[j] = z[j] * dc;
    }
    float[] num = g;
    if (hasM) {
      num = c[4];
      float im = (float) innerMomentum;
      float a = (float) (1 - innerMomentum);
      for (int j = 0; j < len; j++) num[j] = im * num[j] + a * g[j];
    }
    float b2 = (float) beta2;
    float a2 = (float) (1 - beta2);
    float bc = (float) bc2;
    float e = (float) eps;
    float st = (float) step;
    float keep = (float) (1 - ckp1);
    float ck = (float) ckp1;
    float b1 = (float) beta1;
    float a1 = (float) (1 - beta1);
    for (int j = 0; j < len; j++) {
      float gj = g[j];
      float vj = b2 * v[j] + a2 * (gj * gj);
      v[j] = vj;
      float zj = z[j] + st * (num[j] / ((float) Math.sqrt(vj / bc) + e));
      float xj = x[j] * keep + ck * zj;
      z[j] = zj;
      x[j] = xj;
      y[j] = xj * b1 + a1 * zj;
    }
  }

  @Override
  public void doubles(double[][] c, int len, double[][] acc) {
    int o = hasM ? 1 : 0;
    double[] g = c[0];
    double[] z = c[1];
    double[] x = c[2];
    double[] v = c[3];
    double[] y = c[o + 4];
    if (yDecay != 0) {
      double a = yDecay;
      for (int j = 0; j < len; j++) z[j] = z[j] + a * y[j];
    } else if (zDecay != 1) {
      double dc = zDecay;
      for (int j = 0; j < len; j++) z[j] = z[j] * dc;
    }
    double[] num = g;
    if (hasM) {
      num = c[4];
      double im = innerMomentum;
      double a = 1 - innerMomentum;
      for (int j = 0; j < len; j++) num[j] = im * num[j] + a * g[j];
    }
    double b2 = beta2;
    double a2 = 1 - beta2;
    double bc = bc2;
    double e = eps;
    double st = step;
    double keep = 1 - ckp1;
    double ck = ckp1;
    double b1 = beta1;
    double a1 = 1 - beta1;
    for (int j = 0; j < len; j++) {
      double gj = g[j];
      double vj = b2 * v[j] + a2 * (gj * gj);
      v[j] = vj;
      double zj = z[j] + st * (num[j] / (Math.sqrt(vj / bc) + e));
      double xj = x[j] * keep + ck * zj;
      z[j] = zj;
      x[j] = xj;
      y[j] = xj * b1 + a1 * zj;
    }
  }
}
