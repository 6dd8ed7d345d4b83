package org.optimbench.optim.wrap;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU part of {@link Mechanic}'s step around its base optimizer ({@link Fused}), in two
 * passes split where the reduced sums decide the scale.
 *
 * <pre>
 * Accumulate: operands g, p (read: the params after the base step), X (the params before it;
 *   without store_delta updated to Δ_new), x_ref (read) or, with store_delta, Δ (updated); 1 scratch
 *   Δ = store_delta ? Δ : (X − x_ref) / den;  sums ‖g‖², ‖p‖², ⟨Δ, g⟩, ⟨Δ, p⟩;  Δ_new = Δ + (p − X)
 * Apply: operands Δ_new, x_ref (read), p (written):  p = Δ_new · scale + x_ref
 * </pre>
 */
final class MechanicKernel {
  private MechanicKernel() {}

  record Accumulate(boolean storeDelta, double den) implements Fused.Kernel {
    @Override
    public Fused.Direct direct() {
      return new MechanicDirect.Accumulate(this);
    }

    @Override
    public int sums() {
      return 4;
    }

    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      float[] g = c[0];
      float[] p = c[1];
      float[] x = c[2];
      float[] delta = c[storeDelta ? 3 : 4];
      float[] out = c[storeDelta ? 3 : 2];
      if (!storeDelta) {
        float[] xRef = c[3];
        float d = (float) den;
        for (int j = 0; j < len; j++) delta[j] = (x[j] - xRef[j]) / d;
      }
      float[] gg = acc[0];
      float[] pp = acc[1];
      float[] dg = acc[2];
      float[] dp = acc[3];
      for (int j = 0; j < len; j++) {
        float gj = g[j];
        float pj = p[j];
        gg[j] += gj * gj;
        pp[j] += pj * pj;
      }
      for (int j = 0; j < len; j++) {
        float dj = delta[j];
        dg[j] += dj * g[j];
        dp[j] += dj * p[j];
      }
      for (int j = 0; j < len; j++) out[j] = delta[j] + (p[j] - x[j]);
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      double[] g = c[0];
      double[] p = c[1];
      double[] x = c[2];
      double[] delta = c[storeDelta ? 3 : 4];
      double[] out = c[storeDelta ? 3 : 2];
      if (!storeDelta) {
        double[] xRef = c[3];
        double d = den;
        for (int j = 0; j < len; j++) delta[j] = (x[j] - xRef[j]) / d;
      }
      double[] gg = acc[0];
      double[] pp = acc[1];
      double[] dg = acc[2];
      double[] dp = acc[3];
      for (int j = 0; j < len; j++) {
        double gj = g[j];
        double pj = p[j];
        gg[j] += gj * gj;
        pp[j] += pj * pj;
      }
      for (int j = 0; j < len; j++) {
        double dj = delta[j];
        dg[j] += dj * g[j];
        dp[j] += dj * p[j];
      }
      for (int j = 0; j < len; j++) out[j] = delta[j] + (p[j] - x[j]);
    }
  }

  record Apply(double scale) implements Fused.Kernel {
    @Override
    public Fused.Direct direct() {
      return new MechanicDirect(this);
    }

    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      float[] delta = c[0];
      float[] xRef = c[1];
      float[] p = c[2];
      float a = (float) scale;
      for (int j = 0; j < len; j++) p[j] = delta[j] * a + xRef[j];
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      double[] delta = c[0];
      double[] xRef = c[1];
      double[] p = c[2];
      double a = scale;
      for (int j = 0; j < len; j++) p[j] = delta[j] * a + xRef[j];
    }
  }
}
