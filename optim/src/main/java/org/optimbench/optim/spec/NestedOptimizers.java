package org.optimbench.optim.spec;

import org.optimbench.optim.Optimizer;

/**
 * Resolves a spec nested in another's hyperparameters (a wrapper's {@code base}, grafting's {@code
 * magnitude} and {@code direction}) through the registry that resolved the outer spec, so wrapper
 * families need no dependency on the registry. See {@link Hparams#optimizer}.
 */
@FunctionalInterface
public interface NestedOptimizers {
  /** The optimizer of {@code spec}; errors name fields under {@code path}. */
  Optimizer resolve(Spec spec, String path);
}
