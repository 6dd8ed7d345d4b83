package org.optimbench.optim.hypergrad;

import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.OptimizerState;

/**
 * The optimizer step under MARTHE/RTHO together with its forward-mode tangent: the state arrays of
 * the step (momentum buffer, Adam moments) and of the tangent Z = d(state)/d(eta), whose parameter
 * part {@code "z"} the hypergradient is taken against.
 */
interface TangentDynamics {
  /** Adds the step's and the tangent's arrays (model dtype) to {@code s}. */
  void init(ModelView model, OptimizerState s);

  /** Step {@code t} only initialises the optimizer's buffers (no tangent, no hyper-step). */
  boolean initialisesOnly(long t);

  /** The first step that sets the tangent (Z = B_t); later steps recur on it unless first-order. */
  long firstTangentStep();

  /**
   * Updates the tangent before the step: {@code Z = B_t} when {@code restart}, else {@code Z = mu
   * A_t Z + B_t}. {@code g} is the clipped training gradient; {@code hvp} returns the clipped
   * product of the batch Hessian with a vector.
   */
  void tangent(
      INDArray g,
      long t,
      boolean restart,
      double mu,
      UnaryOperator<INDArray> hvp,
      OptimizerState s);

  /**
   * The optimizer step {@code t} with learning rate {@code lr}, on gradient {@code g} (never
   * written).
   */
  void step(ModelView model, INDArray g, long t, double lr, OptimizerState s);
}
