package org.optimbench.optim.wrap;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;

/**
 * An optimizer that transforms what one base optimizer sees or does (its gradient, its per-layer
 * rates) but keeps no state of its own besides the base's, stored as the child {@value #BASE}:
 * reconciling after averaging and the evaluation point are the base's.
 */
public interface WrapsBase extends Optimizer {
  String BASE = "base";

  Optimizer base();

  /** The state: the base's, as the child {@value #BASE}. */
  @Override
  default OptimizerState init(ModelView model) {
    OptimizerState s = new OptimizerState();
    s.putChild(BASE, base().init(model));
    return s;
  }

  @Override
  default void reconcile(ModelView model, OptimizerState merged) {
    base().reconcile(model, merged.child(BASE));
  }

  @Override
  default INDArray evalParams(ModelView model, OptimizerState state) {
    return base().evalParams(model, state.child(BASE));
  }
}
