package org.optimbench.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Hessian-vector products of the current batch's training loss at the current parameters (before
 * the step). Exact where the model provides them (the trace problem does, by forward-over-reverse
 * differentiation); otherwise a finite-difference product of two gradient evaluations on the same
 * batch, see {@code FiniteDifferenceHvp}.
 */
@FunctionalInterface
public interface HessianVectorOracle {
  /** Returns H·v as a new array of the model's layout and dtype. */
  INDArray hvp(INDArray v);
}
