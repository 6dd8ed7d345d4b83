package org.optimbench.optim.internal;

/**
 * Python's built-in {@code min}/{@code max} on two floats, for porting reference code exactly: they
 * return the first argument unless the second compares strictly smaller (larger), so a NaN second
 * argument is ignored and a NaN first argument is kept. {@link Math#min} returns NaN for either.
 */
public final class PyMath {
  private PyMath() {}

  public static double min(double a, double b) {
    return b < a ? b : a;
  }

  public static double max(double a, double b) {
    return b > a ? b : a;
  }
}
