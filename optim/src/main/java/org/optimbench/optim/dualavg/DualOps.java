package org.optimbench.optim.dualavg;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.Pow;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.DivOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/** Element-wise ND4J ops writing into a given array, shared by the dual-averaging methods (package-private). */
final class DualOps {
  private DualOps() {}

  static INDArray scratch(INDArray like) {
    return Nd4j.createUninitialized(like.dataType(), like.length());
  }

  /**
   * {@code out = cbrt(nu) + eps}, the MADGRAD denominator, computed as torch does ({@code pow(1/3)},
   * i.e. {@code std::pow}); with {@code eps == 0} zero entries become +inf (as the reference's
   * {@code rms[rms == 0] = inf}), so coordinates that never saw a gradient do not move.
   */
  static INDArray cubeRootPlus(INDArray nu, double eps, INDArray out, boolean zeroToInf) {
    Nd4j.getExecutioner().exec(new Pow(nu, out, 1.0 / 3));
    if (eps != 0) out.addi(eps);
    else if (zeroToInf) BooleanIndexing.replaceWhere(out, Double.POSITIVE_INFINITY, Conditions.equals(0.0));
    return out;
  }

  /** {@code out = x / y}; {@code out} may be {@code y}. */
  static INDArray divInto(INDArray x, INDArray y, INDArray out) {
    Nd4j.getExecutioner().exec(new DivOp(x, y, out));
    return out;
  }
}
