package org.optimbench.optim.schedule;

/**
 * Schedule refinement from observed gradient norms (Defazio, Cutkosky, Mehta, Mishchenko,
 * "When, Why and How Much? Adaptive Learning Rate Scheduling by Refinement", arXiv 2310.07831;
 * reference: facebookresearch/adaptive_scheduling).
 */
public final class ScheduleRefinement {
  private ScheduleRefinement() {}

  /** Linear interpolation of {@code v} (taken at positions i/(len-1)) onto {@code n} evenly spaced positions. */
  public static double[] interpolate(double[] v, int n) {
    if (n <= 0) throw new IllegalArgumentException("n must be > 0, got " + n);
    double[] out = new double[n];
    if (v.length == 1 || n == 1) {
      java.util.Arrays.fill(out, v[0]);
      if (n == 1) out[0] = v[0];
      return out;
    }
    for (int i = 0; i < n; i++) {
      double x = i * (v.length - 1.0) / (n - 1.0);
      int lo = (int) Math.floor(x);
      if (lo >= v.length - 1) {
        out[i] = v[v.length - 1];
      } else {
        double f = x - lo;
        out[i] = v[lo] + f * (v[lo + 1] - v[lo]);
      }
    }
    return out;
  }
}
