package org.optimbench.optim.dadapt;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.DivOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Primitives shared by the D-Adaptation family: element-wise ops that write into a given output
 * (so one scratch array serves a whole step), and the scalar rules of the d estimate with Python's
 * {@code max}/{@code min} semantics (a NaN candidate never replaces the current value).
 */
final class DAdaptOps {
  private DAdaptOps() {}

  /** {@code out = sqrt(x) + eps}. */
  static INDArray sqrtPlusInto(INDArray x, double eps, INDArray out) {
    Nd4j.getExecutioner().exec(new Sqrt(x, out));
    if (eps != 0) out.addi(eps);
    return out;
  }

  /** {@code out = a * b}. */
  static INDArray mulInto(INDArray a, INDArray b, INDArray out) {
    Nd4j.getExecutioner().exec(new MulOp(a, b, out));
    return out;
  }

  /** {@code out = a / b}. */
  static INDArray divInto(INDArray a, INDArray b, INDArray out) {
    Nd4j.getExecutioner().exec(new DivOp(a, b, out));
    return out;
  }

  /** {@code out = a - b}. */
  static INDArray subInto(INDArray a, INDArray b, INDArray out) {
    Nd4j.getExecutioner().exec(new SubOp(a, b, out));
    return out;
  }

  /** A scratch array of x's shape and dtype, contents undefined. */
  static INDArray scratch(INDArray x) {
    return Nd4j.createUninitialized(x.dataType(), x.shape());
  }

  /** Python's {@code max(a, b)}: b replaces a only when {@code b > a}. */
  static double pyMax(double a, double b) {
    return b > a ? b : a;
  }

  /** Python's {@code min(a, b)}: b replaces a only when {@code b < a}. */
  static double pyMin(double a, double b) {
    return b < a ? b : a;
  }

  /** The D-Adaptation rule {@code d <- max(d, min(dHat, d * growth_rate))}. */
  static double grow(double d, double dHat, double growthRate) {
    return pyMax(d, pyMin(dHat, d * growthRate));
  }

  /**
   * The d after merging worker states: the growth rule applied once, from the largest pre-step d
   * of the workers, to the estimate of the averaged statistics, and never below any worker's d.
   * For identical states this returns {@code dMerged} unchanged (the rule reproduces the step).
   */
  static double reconciled(double dMerged, double dPrevMerged, double dHat, double growthRate) {
    if (!Double.isFinite(dHat)) return dMerged;
    return pyMax(dMerged, grow(dPrevMerged, dHat, growthRate));
  }
}
