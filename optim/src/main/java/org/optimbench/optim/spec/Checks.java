package org.optimbench.optim.spec;

/**
 * Validation helpers for config records' compact constructors. Each failure is a {@link
 * SpecException} naming the hyperparameter and the value, e.g. {@code betas[1]: 1.2 must be in [0,
 * 1)}.
 */
public final class Checks {
  private Checks() {}

  public static double nonNegative(String field, double v) {
    if (!(v >= 0)) throw new SpecException(field, v + " must be >= 0");
    return v;
  }

  public static double positive(String field, double v) {
    if (!(v > 0)) throw new SpecException(field, v + " must be > 0");
    return v;
  }

  public static double finite(String field, double v) {
    if (!Double.isFinite(v)) throw new SpecException(field, v + " must be finite");
    return v;
  }

  /** {@code v} in [0, 1). */
  public static double unitInterval(String field, double v) {
    if (!(v >= 0 && v < 1)) throw new SpecException(field, v + " must be in [0, 1)");
    return v;
  }

  /** {@code v} in [0, 1]. */
  public static double closedUnitInterval(String field, double v) {
    if (!(v >= 0 && v <= 1)) throw new SpecException(field, v + " must be in [0, 1]");
    return v;
  }

  /** Two betas, each in [0, 1). */
  public static double[] betas(String field, double[] b, int expected) {
    if (b.length != expected)
      throw new SpecException(field, "expected " + expected + " values, got " + b.length);
    for (int i = 0; i < b.length; i++) unitInterval(field + "[" + i + "]", b[i]);
    return b.clone();
  }

  public static double atLeast(String field, double v, double min) {
    if (!(v >= min)) throw new SpecException(field, v + " must be >= " + min);
    return v;
  }

  public static long positive(String field, long v) {
    if (v <= 0) throw new SpecException(field, v + " must be > 0");
    return v;
  }

  public static long nonNegative(String field, long v) {
    if (v < 0) throw new SpecException(field, v + " must be >= 0");
    return v;
  }

  public static void require(boolean ok, String field, String reason) {
    if (!ok) throw new SpecException(field, reason);
  }
}
