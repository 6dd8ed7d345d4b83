package org.optimbench.optim.hypergrad;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * adatune's {@code clip_grad}: an elementwise clamp to [-c, c], and the derivative of that clamp,
 * which autograd applies to the tangent when it differentiates the clamped gradient for the HVP.
 */
final class Clamp {
  private Clamp() {}

  /** {@code x} clamped to [-c, c]: {@code x} itself (not copied) when no element exceeds c, else a new array. */
  static INDArray clamp(INDArray x, double c) {
    if (c == Double.POSITIVE_INFINITY || !(x.amaxNumber().doubleValue() > c)) return x;
    return Transforms.min(Transforms.max(x, -c, true), c, false);
  }

  /**
   * {@code z} where {@code |g| <= c} and 0 elsewhere: the vector autograd really multiplies by the
   * Hessian when the product is taken through {@code clamp(g)} (torch's clamp has zero derivative where
   * it clamps). {@code z} itself when nothing was clamped.
   */
  static INDArray throughClamp(INDArray z, INDArray g, double c) {
    if (c == Double.POSITIVE_INFINITY || !(g.amaxNumber().doubleValue() > c)) return z;
    INDArray inside = Transforms.abs(g, true).lte(c).castTo(z.dataType());
    return inside.muli(z);
  }
}
