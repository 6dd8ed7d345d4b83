package org.optimbench.optim.dadapt;

import org.optimbench.optim.internal.PyMath;

/**
 * The scalar rules of the d estimate shared by the D-Adaptation family, with Python's {@code
 * max}/{@code min} semantics ({@link PyMath}: a NaN candidate never replaces the current value).
 */
final class DAdaptOps {
  private DAdaptOps() {}

  /** The D-Adaptation rule {@code d <- max(d, min(dHat, d * growth_rate))}. */
  static double grow(double d, double dHat, double growthRate) {
    return PyMath.max(d, PyMath.min(dHat, d * growthRate));
  }

  /**
   * The d after merging worker states: the growth rule applied once, from the largest pre-step d of
   * the workers, to the estimate of the averaged statistics, and never below any worker's d. For
   * identical states this returns {@code dMerged} unchanged (the rule reproduces the step).
   */
  static double reconciled(double dMerged, double dPrevMerged, double dHat, double growthRate) {
    if (!Double.isFinite(dHat)) return dMerged;
    return PyMath.max(dMerged, grow(dPrevMerged, dHat, growthRate));
  }
}
