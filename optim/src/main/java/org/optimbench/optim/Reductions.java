package org.optimbench.optim;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.internal.Fused;
import org.optimbench.optim.internal.Vec;

/**
 * Whole-array reductions for code outside the optimizers (a trainer's logged gradient norm, the
 * check that replicas agree after a merge). Each takes the library's fused CPU pass where it
 * applies (the same pass the optimizers' own sums use, so a value recomputed here matches a step's
 * bit for bit) and ND4J's reductions otherwise (other backends, views the pass does not cover).
 * Callers get the same path for the same array on every worker. Costs: BENCHMARKS.md, "Optimizer
 * step".
 */
public final class Reductions {
  private Reductions() {}

  /** The sum of squares of {@code a}'s elements, accumulated in double. */
  public static double sumOfSquares(INDArray a) {
    return Vec.sumSq(a);
  }

  /** The L2 norm of {@code a}. */
  public static double norm2(INDArray a) {
    return Fused.applies(a) ? Math.sqrt(Fused.sumSq(a)) : a.norm2Number().doubleValue();
  }

  /**
   * {sum, L1 norm, L2 norm} of {@code a} in one pass where the fused path applies: a fingerprint
   * that tells arrays apart without comparing every element.
   */
  public static double[] sumNorm1Norm2(INDArray a) {
    if (!Fused.applies(a)) {
      return new double[] {
        a.sumNumber().doubleValue(), a.norm1Number().doubleValue(), a.norm2Number().doubleValue()
      };
    }
    double[] m = Fused.moments(a);
    return new double[] {m[0], m[1], Math.sqrt(m[2])};
  }
}
