package org.optimbench.optim.baseline;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU step of {@link Sgd} ({@link Fused}), the formulas of {@link Sgd#update} in one pass.
 * Operands: g (read), [buf (written on the first step, else updated) with momentum], p (updated),
 * [dir (written) when the direction is wanted], [1 scratch with weight decay].
 * <pre>
 * d = g + weight_decay * p
 * buf = d (first step)  or  momentum * buf + (1 - dampening) * d
 * dir = nesterov ? d + momentum * buf : buf                 (dir = d without momentum)
 * p = p - lr * dir
 * </pre>
 */
record SgdKernel(double lr, double momentum, double dampening, double weightDecay, boolean nesterov, boolean first, boolean direction) implements Fused.Kernel {
  @Override
  public void floats(float[][] c, int len, double[] sums) {
    boolean mom = momentum != 0;
    int i = 1;
    float[] buf = mom ? c[i++] : null;
    float[] p = c[i++];
    float[] dir = direction ? c[i++] : null;
    float[] d = Fused.decayed(c[0], (float) weightDecay, weightDecay != 0 ? p : null, weightDecay != 0 ? c[i] : null, len);
    float a = (float) -lr;
    float m = (float) momentum;
    float k = (float) (1 - dampening);
    if (!mom) {
      for (int j = 0; j < len; j++) p[j] = p[j] + a * d[j];
    } else if (first) {
      if (nesterov) {
        for (int j = 0; j < len; j++) {
          float dj = d[j];
          buf[j] = dj;
          p[j] = p[j] + a * (dj + m * dj);
        }
      } else {
        for (int j = 0; j < len; j++) {
          float dj = d[j];
          buf[j] = dj;
          p[j] = p[j] + a * dj;
        }
      }
    } else if (nesterov) {
      for (int j = 0; j < len; j++) {
        float dj = d[j];
        float b = m * buf[j] + k * dj;
        buf[j] = b;
        p[j] = p[j] + a * (dj + m * b);
      }
    } else {
      for (int j = 0; j < len; j++) {
        float b = m * buf[j] + k * d[j];
        buf[j] = b;
        p[j] = p[j] + a * b;
      }
    }
    if (dir != null) {
      if (!mom) System.arraycopy(d, 0, dir, 0, len);
      else if (!nesterov) System.arraycopy(buf, 0, dir, 0, len);
      else for (int j = 0; j < len; j++) dir[j] = d[j] + m * buf[j];
    }
  }

  @Override
  public void doubles(double[][] c, int len, double[] sums) {
    boolean mom = momentum != 0;
    int i = 1;
    double[] buf = mom ? c[i++] : null;
    double[] p = c[i++];
    double[] dir = direction ? c[i++] : null;
    double[] d = Fused.decayed(c[0], weightDecay, weightDecay != 0 ? p : null, weightDecay != 0 ? c[i] : null, len);
    double a = -lr;
    double m = momentum;
    double k = 1 - dampening;
    if (!mom) {
      for (int j = 0; j < len; j++) p[j] = p[j] + a * d[j];
    } else if (first) {
      if (nesterov) {
        for (int j = 0; j < len; j++) {
          double dj = d[j];
          buf[j] = dj;
          p[j] = p[j] + a * (dj + m * dj);
        }
      } else {
        for (int j = 0; j < len; j++) {
          double dj = d[j];
          buf[j] = dj;
          p[j] = p[j] + a * dj;
        }
      }
    } else if (nesterov) {
      for (int j = 0; j < len; j++) {
        double dj = d[j];
        double b = m * buf[j] + k * dj;
        buf[j] = b;
        p[j] = p[j] + a * (dj + m * b);
      }
    } else {
      for (int j = 0; j < len; j++) {
        double b = m * buf[j] + k * d[j];
        buf[j] = b;
        p[j] = p[j] + a * b;
      }
    }
    if (dir != null) {
      if (!mom) System.arraycopy(d, 0, dir, 0, len);
      else if (!nesterov) System.arraycopy(buf, 0, dir, 0, len);
      else for (int j = 0; j < len; j++) dir[j] = d[j] + m * buf[j];
    }
  }
}
