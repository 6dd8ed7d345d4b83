package org.optimbench.optim.polyak;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU step of {@link MomoAdam} ({@link Fused}) in two passes, split where the reduced
 * sums decide the step size τ.
 *
 * <pre>
 * Moments (per segment): operands g, x (read), m, v (updated);
 *   sums &lt;x, g&gt;, &lt;x, m_new&gt;, &lt;m_new, m_new / D&gt;
 *   m = β1 m + (1 − β1) g;  v = β2 v + (1 − β2) g²;  D = sqrt(v · (1 / bc2)) + eps
 * Update: operands m, v (read), x (updated)
 *   x = (pre · x − τ m / D) · (1 / post)     (pre, post: the two weight-decay forms, 1 when unused)
 * </pre>
 *
 * The two divisions by step constants are multiplications by their reciprocals (within an ulp of
 * the reference's division): with its two square roots and two divisions per element left, the step
 * is bound by that arithmetic more than by its memory traffic (BENCHMARKS.md, optimizer step).
 */
final class MomoAdamKernel {
  private MomoAdamKernel() {}

  record Moments(double beta1, double beta2, double bc2, double eps) implements Fused.Kernel {
    @Override
    public Fused.Direct direct() {
      return new PolyakDirect.MomoAdamMoments(this);
    }

    @Override
    public int sums() {
      return 3;
    }

    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      float[] g = c[0];
      float[] x = c[1];
      float[] m = c[2];
      float[] v = c[3];
      float b1 = (float) beta1;
      float a1 = (float) (1 - beta1);
      float b2 = (float) beta2;
      float a2 = (float) (1 - beta2);
      float ibc = (float) (1 / bc2);
      float e = (float) eps;
      float[] xg = acc[0];
      float[] xm = acc[1];
      float[] mr = acc[2];
      for (int j = 0; j < len; j++) {
        float gj = g[j];
        xg[j] += x[j] * gj;
        m[j] = b1 * m[j] + a1 * gj;
        v[j] = b2 * v[j] + a2 * (gj * gj);
      }
      for (int j = 0; j < len; j++) {
        float mj = m[j];
        xm[j] += x[j] * mj;
        mr[j] += mj * (mj / ((float) Math.sqrt(v[j] * ibc) + e));
      }
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      double[] g = c[0];
      double[] x = c[1];
      double[] m = c[2];
      double[] v = c[3];
      double b1 = beta1;
      double a1 = 1 - beta1;
      double b2 = beta2;
      double a2 = 1 - beta2;
      double ibc = 1 / bc2;
      double e = eps;
      double[] xg = acc[0];
      double[] xm = acc[1];
      double[] mr = acc[2];
      for (int j = 0; j < len; j++) {
        double gj = g[j];
        xg[j] += x[j] * gj;
        m[j] = b1 * m[j] + a1 * gj;
        v[j] = b2 * v[j] + a2 * (gj * gj);
      }
      for (int j = 0; j < len; j++) {
        double mj = m[j];
        xm[j] += x[j] * mj;
        mr[j] += mj * (mj / (Math.sqrt(v[j] * ibc) + e));
      }
    }
  }

  record Update(double pre, double tau, double post, double bc2, double eps)
      implements Fused.Kernel {
    @Override
    public Fused.Direct direct() {
      return new PolyakDirect.MomoAdamUpdate(this);
    }

    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      float[] m = c[0];
      float[] v = c[1];
      float[] x = c[2];
      float dc = (float) pre;
      float step = (float) -tau;
      float ipost = (float) (1 / post);
      float ibc = (float) (1 / bc2);
      float e = (float) eps;
      if (post == 1) {
        for (int j = 0; j < len; j++)
          x[j] = x[j] * dc + step * (m[j] / ((float) Math.sqrt(v[j] * ibc) + e));
      } else {
        for (int j = 0; j < len; j++)
          x[j] = (x[j] * dc + step * (m[j] / ((float) Math.sqrt(v[j] * ibc) + e))) * ipost;
      }
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      double[] m = c[0];
      double[] v = c[1];
      double[] x = c[2];
      double dc = pre;
      double step = -tau;
      double ipost = 1 / post;
      double ibc = 1 / bc2;
      double e = eps;
      if (post == 1) {
        for (int j = 0; j < len; j++)
          x[j] = x[j] * dc + step * (m[j] / (Math.sqrt(v[j] * ibc) + e));
      } else {
        for (int j = 0; j < len; j++)
          x[j] = (x[j] * dc + step * (m[j] / (Math.sqrt(v[j] * ibc) + e))) * ipost;
      }
    }
  }
}
