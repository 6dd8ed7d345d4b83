package org.optimbench.optim.graft;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU part of {@link Graft}'s step after its two inner steps ({@link Fused}), in two
 * passes per group (segment, or the whole vector) split where the reduced norms decide the ratio.
 *
 * <pre>
 * Norms: operands x, x_M, x_D (read: the params and the two stepped copies);
 *   sums ‖x_M − x‖², ‖x_D − x‖²
 * Step: operands x_D (read), x (updated):  x = x + ratio (x_D − x)
 * </pre>
 *
 * {@link LayerScaled} rescales a segment's update with {@code Step} too (x_D: the segment before
 * the base step, ratio 1 − c).
 */
final class GraftKernel {
  private GraftKernel() {}

  record Norms() implements Fused.Kernel {
    @Override
    public Fused.Direct direct() {
      return new GraftDirect.Norms();
    }

    @Override
    public int sums() {
      return 2;
    }

    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      float[] x = c[0];
      float[] xm = c[1];
      float[] xd = c[2];
      float[] sm = acc[0];
      float[] sd = acc[1];
      for (int j = 0; j < len; j++) {
        float um = xm[j] - x[j];
        float ud = xd[j] - x[j];
        sm[j] += um * um;
        sd[j] += ud * ud;
      }
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      double[] x = c[0];
      double[] xm = c[1];
      double[] xd = c[2];
      double[] sm = acc[0];
      double[] sd = acc[1];
      for (int j = 0; j < len; j++) {
        double um = xm[j] - x[j];
        double ud = xd[j] - x[j];
        sm[j] += um * um;
        sd[j] += ud * ud;
      }
    }
  }

  record Step(double ratio) implements Fused.Kernel {
    @Override
    public Fused.Direct direct() {
      return new GraftDirect(this);
    }

    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      float[] xd = c[0];
      float[] x = c[1];
      float a = (float) ratio;
      for (int j = 0; j < len; j++) x[j] = x[j] + a * (xd[j] - x[j]);
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      double[] xd = c[0];
      double[] x = c[1];
      double a = ratio;
      for (int j = 0; j < len; j++) x[j] = x[j] + a * (xd[j] - x[j]);
    }
  }
}
