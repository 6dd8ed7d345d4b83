package org.optimbench.optim.dualavg;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.Combine;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.internal.Vec;
import org.optimbench.optim.spec.Checks;
import org.optimbench.optim.spec.Hparams;
import org.optimbench.optim.spec.SpecException;

/**
 * SGD with momentum written as stochastic primal averaging (SPA): a plain SGD sequence z and its
 * running average x, where the gradient is taken at x (the model's parameters).
 *
 * <pre>
 * d = g + weight_decay * x
 * z = z - lr * d                                    (z starts at x0)
 * x = (1 - c) * x + c * z,   c = 1 - momentum
 * </pre>
 *
 * For constant lr this is exactly heavy-ball SGD ({@code torch.optim.SGD} with dampening 0, and the
 * same weight_decay) with {@code lr_torch = lr * (1 - momentum)} and {@code momentum_torch =
 * momentum}. Under a schedule the two differ: a schedule here scales the z step (eta_k) while c
 * stays fixed, which is the point of the SPA form (the paper argues stage-wise schedules should act
 * on eta, not on the heavy-ball step). Hyperparameters: {@code lr} (eta, required), {@code
 * momentum} (1 - c, required, in [0, 1)), {@code weight_decay=0}. State: {@code z} (averaged across
 * workers) and the step.
 *
 * <p>Paper: Defazio, "Momentum via Primal Averaging: Theoretical Insights and Learning Rate
 * Schedules for Non-Convex Optimization", arXiv 2010.00406. No reference code; the SPA form is the
 * one dadaptation's {@code dadapt_sgd.py} and madgrad's {@code madgrad.py} use for their momentum.
 * Golden traces come from torch SGD under the equivalence above (constant lr only).
 */
public record Spa(double lr, double momentum, double weightDecay) implements Optimizer {
  public Spa {
    Checks.nonNegative("lr", lr);
    Checks.unitInterval("momentum", momentum);
    Checks.nonNegative("weight_decay", weightDecay);
  }

  static Spa from(Hparams hp) {
    return new Spa(required(hp, "lr"), required(hp, "momentum"), hp.real("weight_decay", 0));
  }

  private static double required(Hparams hp, String key) {
    Double v = hp.optionalReal(key);
    if (v == null)
      throw new SpecException(key, "required (no default: the SPA step size is not torch's lr)");
    return v;
  }

  @Override
  public String name() {
    return "spa";
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState s = new OptimizerState();
    s.putScalar("step", 0, Combine.SAME);
    s.putArray("z", model.params().dup(), Combine.MEAN);
    return s;
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    double eta = lr * ctx.lrScale();
    INDArray x = model.params();
    INDArray z = state.array("z");
    Vec.axpy(-eta, model.grads(), z);
    Vec.axpy(-eta * weightDecay, x, z);
    x.muli(momentum);
    Vec.axpy(1 - momentum, z, x);
    state.setScalar("step", state.scalar("step") + 1);
    ctx.diagnostics().put("lr", eta);
  }
}
