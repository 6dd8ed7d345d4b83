package org.optimbench.optim.hypergrad;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU pass of {@link MuSgd}'s tangent update ({@link Fused}): one pass instead of up to
 * eight ND4J ops. (The SGD step itself is {@link org.optimbench.optim.baseline.Sgd#update}, on
 * either path, so that with hyper_lr = 0 the trajectory stays bit for bit the {@code sgd}
 * optimizer's, as MartheTest checks.)
 *
 * <pre>
 * Tangent: operands g, [q, unless restart], [buf] (read), z, [z_b] (updated; written on a restart)
 *   restart:  z = -g - momentum buf;  z_b = 0
 *   else:     z = mu (z - lr0 q - lr0 momentum z_b) - g - momentum buf;  z_b = mu (momentum z_b + q)
 * </pre>
 */
final class MuSgdKernel {
  private MuSgdKernel() {}

  record Tangent(boolean restart, boolean withMomentum, double lr0, double momentum, double mu)
      implements Fused.Kernel {
    /** Outside a restart (a restart's pass writes z without reading it: the chunked loops). */
    @Override
    public Fused.Direct direct() {
      return restart ? null : new TangentDirect(this);
    }

    @Override
    public void floats(float[][] c, int len, float[][] acc) {
      float[] g = c[0];
      int i = 1;
      float[] q = restart ? null : c[i++];
      float[] buf = withMomentum ? c[i++] : null;
      float[] z = c[i++];
      float[] zb = withMomentum ? c[i] : null;
      float a = (float) -lr0;
      float b = (float) (-lr0 * momentum);
      float m = (float) mu;
      float cm = (float) -momentum;
      float mom = (float) momentum;
      if (restart) {
        if (withMomentum) {
          for (int j = 0; j < len; j++) {
            z[j] = -g[j] + cm * buf[j];
            zb[j] = 0;
          }
        } else {
          for (int j = 0; j < len; j++) z[j] = -g[j];
        }
      } else if (withMomentum) {
        for (int j = 0; j < len; j++) {
          float qj = q[j];
          float zj = (z[j] + a * qj + b * zb[j]) * m - g[j];
          z[j] = zj + cm * buf[j];
          zb[j] = (zb[j] * mom + qj) * m;
        }
      } else {
        for (int j = 0; j < len; j++) z[j] = (z[j] + a * q[j]) * m - g[j];
      }
    }

    @Override
    public void doubles(double[][] c, int len, double[][] acc) {
      double[] g = c[0];
      int i = 1;
      double[] q = restart ? null : c[i++];
      double[] buf = withMomentum ? c[i++] : null;
      double[] z = c[i++];
      double[] zb = withMomentum ? c[i] : null;
      double a = -lr0;
      double b = -lr0 * momentum;
      double m = mu;
      double cm = -momentum;
      double mom = momentum;
      if (restart) {
        if (withMomentum) {
          for (int j = 0; j < len; j++) {
            z[j] = -g[j] + cm * buf[j];
            zb[j] = 0;
          }
        } else {
          for (int j = 0; j < len; j++) z[j] = -g[j];
        }
      } else if (withMomentum) {
        for (int j = 0; j < len; j++) {
          double qj = q[j];
          double zj = (z[j] + a * qj + b * zb[j]) * m - g[j];
          z[j] = zj + cm * buf[j];
          zb[j] = (zb[j] * mom + qj) * m;
        }
      } else {
        for (int j = 0; j < len; j++) z[j] = (z[j] + a * q[j]) * m - g[j];
      }
    }
  }
}
