package org.optimbench.optim.dualavg;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.Pow;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/** The MADGRAD-family denominator, shared by the dual-averaging methods (package-private). */
final class DualOps {
  private DualOps() {}

  /**
   * {@code out = cbrt(nu) + eps}, the MADGRAD denominator, computed as torch does ({@code pow(1/3)},
   * i.e. {@code std::pow}); with {@code eps == 0} zero entries become +inf (as the reference's
   * {@code rms[rms == 0] = inf}), so coordinates that never saw a gradient do not move.
   */
  static INDArray cubeRootPlus(INDArray nu, double eps, INDArray out, boolean zeroToInf) {
    Nd4j.getExecutioner().exec(new Pow(nu, out, 1.0 / 3));
    if (eps != 0) out.addi(eps);
    // out >= 0, so "<= 0" is "== 0"; Conditions.equals(0.0) would match every |out| <= 1e-5 (an epsilon compare)
    else if (zeroToInf) BooleanIndexing.replaceWhere(out, Double.POSITIVE_INFINITY, Conditions.lessThanOrEqual(0.0));
    return out;
  }
}
