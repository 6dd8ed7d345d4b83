package org.optimbench.optim.polyak;

/**
 * Python's built-in {@code min}/{@code max} on two floats, for porting reference code exactly: they
 * return the first argument unless the second compares strictly smaller (larger), so a NaN second
 * argument is ignored and a NaN first argument is kept. {@link Math#min} returns NaN for either.
 */
final class PyMath {
  private PyMath() {}

  static double min(double a, double b) {
    return b < a ? b : a;
  }

  static double max(double a, double b) {
    return b > a ? b : a;
  }
}
