package org.optimbench.optim.baseline;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU step of Adam and AdamW ({@link Fused}), the formulas of {@link Adam#momentStep} in
 * one pass. Operands: g (read), m, v, [v_max with AMSGrad], p (updated).
 *
 * <pre>
 * p = decay * p                      (AdamW's decoupled decay; decay = 1 for Adam)
 * d = c * g + l2 * p                 (c: the view's gradient scale, 1 unless clipped; c * g is
 *                                     rounded to the dtype first, as the scaled copy would be;
 *                                     Adam's coupled decay; l2 = 0 for AdamW)
 * m = beta1 m + (1 - beta1) d;  v = beta2 v + (1 - beta2) d^2;  [v_max = max(v_max, v)]
 * p = p - step_size * m / (sqrt(v or v_max) / bc2_sqrt + eps)
 * </pre>
 */
record AdamKernel(
    double gradScale,
    double decay,
    double l2,
    double beta1,
    double beta2,
    double bc2Sqrt,
    double eps,
    double stepSize,
    boolean amsgrad)
    implements Fused.Kernel {
  @Override
  public Fused.Direct direct() {
    return new AdamDirect(this);
  }

  @Override
  public void floats(float[][] c, int len, float[][] acc) {
    float[] g = c[0];
    float[] m = c[1];
    float[] v = c[2];
    float[] vmax = amsgrad ? c[3] : null;
    float[] p = c[amsgrad ? 4 : 3];
    float gs = (float) gradScale;
    float dc = (float) decay;
    float wd = (float) l2;
    float b1 = (float) beta1;
    float a1 = (float) (1 - beta1);
    float b2 = (float) beta2;
    float a2 = (float) (1 - beta2);
    float bc = (float) bc2Sqrt;
    float e = (float) eps;
    float step = (float) -stepSize;
    if (!amsgrad) {
      for (int j = 0; j < len; j++) {
        float pj = p[j] * dc;
        float gj = gs * g[j] + wd * pj;
        float mj = b1 * m[j] + a1 * gj;
        float vj = b2 * v[j] + a2 * (gj * gj);
        m[j] = mj;
        v[j] = vj;
        p[j] = pj + step * (mj / ((float) Math.sqrt(vj) / bc + e));
      }
    } else {
      for (int j = 0; j < len; j++) {
        float pj = p[j] * dc;
        float gj = gs * g[j] + wd * pj;
        float mj = b1 * m[j] + a1 * gj;
        float vj = b2 * v[j] + a2 * (gj * gj);
        float hj = Math.max(vmax[j], vj);
        m[j] = mj;
        v[j] = vj;
        vmax[j] = hj;
        p[j] = pj + step * (mj / ((float) Math.sqrt(hj) / bc + e));
      }
    }
  }

  @Override
  public void doubles(double[][] c, int len, double[][] acc) {
    double[] g = c[0];
    double[] m = c[1];
    double[] v = c[2];
    double[] vmax = amsgrad ? c[3] : null;
    double[] p = c[amsgrad ? 4 : 3];
    double gs = gradScale;
    double dc = decay;
    double wd = l2;
    double b1 = beta1;
    double a1 = 1 - beta1;
    double b2 = beta2;
    double a2 = 1 - beta2;
    double bc = bc2Sqrt;
    double e = eps;
    double step = -stepSize;
    if (!amsgrad) {
      for (int j = 0; j < len; j++) {
        double pj = p[j] * dc;
        double gj = gs * g[j] + wd * pj;
        double mj = b1 * m[j] + a1 * gj;
        double vj = b2 * v[j] + a2 * (gj * gj);
        m[j] = mj;
        v[j] = vj;
        p[j] = pj + step * (mj / (Math.sqrt(vj) / bc + e));
      }
    } else {
      for (int j = 0; j < len; j++) {
        double pj = p[j] * dc;
        double gj = gs * g[j] + wd * pj;
        double mj = b1 * m[j] + a1 * gj;
        double vj = b2 * v[j] + a2 * (gj * gj);
        double hj = Math.max(vmax[j], vj);
        m[j] = mj;
        v[j] = vj;
        vmax[j] = hj;
        p[j] = pj + step * (mj / (Math.sqrt(hj) / bc + e));
      }
    }
  }
}
