package org.optimbench.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Computes a gradient of some objective at given parameters (same layout and dtype as the model).
 * Used for the validation objective of hypergradient methods (RTHO, MARTHE), evaluated at the
 * parameters after the step.
 */
@FunctionalInterface
public interface GradientOracle {
  /** The gradient at {@code params}; the caller must not assume the result is a fresh array. */
  INDArray gradientAt(INDArray params);
}
