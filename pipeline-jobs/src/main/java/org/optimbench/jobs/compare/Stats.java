package org.optimbench.jobs.compare;

import java.util.Arrays;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * Summary statistics over the seeds of one method on one workload: mean, sample standard deviation
 * (n - 1 in the denominator), standard error std / sqrt(n), and the two-sided 95% Student t
 * interval mean ± t(0.975, n - 1) · SE. With one value there is no spread: std, SE and the interval
 * are NaN (written as empty cells). Non-finite inputs are the caller's to filter.
 */
public record Stats(int n, double mean, double std, double se, double ciLo, double ciHi) {
  /** Two-sided confidence level of {@link #ciLo}/{@link #ciHi}. */
  public static final double LEVEL = 0.95;

  public static Stats of(double... values) {
    int n = values.length;
    if (n == 0) return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    double mean = Arrays.stream(values).sum() / n;
    if (n == 1) return new Stats(1, mean, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    double ss = 0;
    for (double v : values) ss += (v - mean) * (v - mean);
    double std = Math.sqrt(ss / (n - 1));
    double se = std / Math.sqrt(n);
    double half = tQuantile(1 - (1 - LEVEL) / 2, n - 1) * se;
    return new Stats(n, mean, std, se, mean - half, mean + half);
  }

  /** The p-quantile of Student's t distribution with {@code df} degrees of freedom. */
  public static double tQuantile(double p, int df) {
    return new TDistribution(null, df).inverseCumulativeProbability(p);
  }

  /**
   * The median; NaN for no values; +inf values (misses) sort last, so a majority of misses gives
   * +inf.
   */
  public static double median(double... values) {
    if (values.length == 0) return Double.NaN;
    double[] s = values.clone();
    Arrays.sort(s);
    int m = s.length / 2;
    return s.length % 2 == 1 ? s[m] : midpoint(s[m - 1], s[m]);
  }

  private static double midpoint(double a, double b) {
    if (Double.isInfinite(a) || Double.isInfinite(b))
      return a == b ? a : (Double.isInfinite(b) ? b : a);
    return (a + b) / 2;
  }
}
