package org.optimbench.optim.baseline;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.DivOp;
import org.nd4j.linalg.factory.Nd4j;

/** Element-wise ND4J ops that write into a given output array (no temporaries); package-private helpers. */
final class ElementOps {
  private ElementOps() {}

  /** A scratch vector of {@code like}'s dtype and length, contents undefined. */
  static INDArray scratch(INDArray like) {
    return Nd4j.createUninitialized(like.dataType(), like.length());
  }

  /** {@code out = sqrt(x)}. */
  static INDArray sqrtInto(INDArray x, INDArray out) {
    Nd4j.getExecutioner().exec(new Sqrt(x, out));
    return out;
  }

  /** {@code out = x / y}; {@code out} may be {@code y}. */
  static INDArray divInto(INDArray x, INDArray y, INDArray out) {
    Nd4j.getExecutioner().exec(new DivOp(x, y, out));
    return out;
  }
}
