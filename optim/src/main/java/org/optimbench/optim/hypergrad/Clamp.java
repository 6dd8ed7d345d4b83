package org.optimbench.optim.hypergrad;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * adatune's {@code clip_grad}: an elementwise clamp to [-c, c], and the derivative of that clamp,
 * which autograd applies to the tangent when it differentiates the clamped gradient for the HVP.
 */
final class Clamp {
  private Clamp() {}

  /**
   * {@code x} clamped to [-c, c]: {@code x} itself (not copied) when no element exceeds c, else a
   * new array.
   */
  static INDArray clamp(INDArray x, double c) {
    return clamp(x, c, exceeds(x, c));
  }

  /** Whether some element of {@code x} lies outside [-c, c] (one pass; false for c = inf). */
  static boolean exceeds(INDArray x, double c) {
    return c != Double.POSITIVE_INFINITY && x.amaxNumber().doubleValue() > c;
  }

  /**
   * As {@link #clamp(INDArray, double)}, with {@code exceeds} = {@link #exceeds}(x, c) already
   * known.
   */
  static INDArray clamp(INDArray x, double c, boolean exceeds) {
    return exceeds ? Transforms.min(Transforms.max(x, -c, true), c, false) : x;
  }

  /**
   * {@code z} where {@code |g| <= c} and 0 elsewhere: the vector autograd really multiplies by the
   * Hessian when the product is taken through {@code clamp(g)} (torch's clamp has zero derivative
   * where it clamps). {@code z} itself when nothing was clamped ({@code clamped} = {@link
   * #exceeds}(g, c)).
   */
  static INDArray throughClamp(INDArray z, INDArray g, double c, boolean clamped) {
    if (!clamped) return z;
    INDArray inside = Transforms.abs(g, true).lte(c).castTo(z.dataType());
    return inside.muli(z);
  }
}
