package org.optimbench.optim;

/**
 * An optimizer configuration: immutable, created from a spec by {@code OptimizerRegistry}, and free
 * of per-run state. State lives in {@link OptimizerState}; one step is {@link #step}.
 *
 * <p>Contract every implementation follows (checked by the shared contract test suite):
 *
 * <ul>
 *   <li>{@code step} updates {@code model.params()} in place and never writes {@code
 *       model.grads()};
 *   <li>arithmetic stays in the model's dtype (float32 or float64); global scalars are doubles;
 *   <li>every global sum goes through {@code ctx.reducer()} once per step, before any early return;
 *   <li>the learning rate used is {@code lr * ctx.lrScale()};
 *   <li>state arrays are created by {@link #init} with the model's dtype and declare how they
 *       combine across workers.
 * </ul>
 */
public interface Optimizer {
  /** The registry name ({@code "prodigy"}, {@code "dadapt_adam"}, ...). */
  String name();

  /**
   * Fresh state for {@code model} (reads the initial parameters where the method needs them, e.g.
   * x0).
   */
  OptimizerState init(ModelView model);

  /** Applies one step: reads the gradient, updates the parameters and the state in place. */
  void step(ModelView model, OptimizerState state, StepContext ctx);

  /**
   * Called after worker states were merged entry by entry according to their {@link Combine} rule,
   * to restore invariants that a plain mean cannot (e.g. recompute a global estimate). Default:
   * nothing.
   */
  default void reconcile(ModelView model, OptimizerState merged) {}

  /**
   * The parameters at which to evaluate and checkpoint the model. Most methods train and evaluate
   * at the same point and return {@code model.params()}; Schedule-Free trains at y and evaluates at
   * its average x, and returns a new array.
   */
  default org.nd4j.linalg.api.ndarray.INDArray evalParams(ModelView model, OptimizerState state) {
    return model.params();
  }
}
