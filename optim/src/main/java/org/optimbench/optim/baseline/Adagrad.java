package org.optimbench.optim.baseline;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.Combine;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.internal.Fused;
import org.optimbench.optim.internal.Vec;
import org.optimbench.optim.spec.Checks;
import org.optimbench.optim.spec.Hparams;

/**
 * AdaGrad with learning-rate decay and coupled (L2) weight decay, with exactly the semantics of
 * {@code torch.optim.Adagrad} in PyTorch 1.13 (dense, single-tensor path).
 *
 * <pre>
 * t = t + 1
 * d = g + weight_decay * p
 * clr = lr / (1 + (t - 1) * lr_decay)
 * sum = sum + d^2                               (sum starts at initial_accumulator_value)
 * p = p - clr * d / (sqrt(sum) + eps)
 * </pre>
 *
 * Hyperparameters (torch names and defaults): {@code lr=1e-2, lr_decay=0, weight_decay=0,
 * initial_accumulator_value=0, eps=1e-10}. State: {@code sum} (averaged across workers) and the
 * step.
 *
 * <p>Reference: Duchi, Hazan &amp; Singer, "Adaptive Subgradient Methods for Online Learning and
 * Stochastic Optimization", JMLR 2011. Code: pytorch/pytorch v1.13 {@code torch/optim/adagrad.py}
 * ({@code _single_tensor_adagrad}). Quirk kept: eps is added outside the square root, and {@code
 * lr_decay} is a hyperbolic decay on the step count that composes with any schedule.
 *
 * <p>CPU backend: the step is one fused pass ({@link AdagradKernel}, see {@link
 * org.optimbench.optim.internal.Fused}); ND4J ops everywhere else.
 */
public record Adagrad(
    double lr, double lrDecay, double weightDecay, double initialAccumulatorValue, double eps)
    implements Optimizer {
  public Adagrad {
    Checks.nonNegative("lr", lr);
    Checks.nonNegative("lr_decay", lrDecay);
    Checks.nonNegative("weight_decay", weightDecay);
    Checks.nonNegative("initial_accumulator_value", initialAccumulatorValue);
    Checks.nonNegative("eps", eps);
  }

  static Adagrad from(Hparams hp) {
    return new Adagrad(
        hp.real("lr", 1e-2),
        hp.real("lr_decay", 0),
        hp.real("weight_decay", 0),
        hp.real("initial_accumulator_value", 0),
        hp.real("eps", 1e-10));
  }

  @Override
  public String name() {
    return "adagrad";
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState s = new OptimizerState();
    s.putScalar("step", 0, Combine.SAME);
    s.putArray("sum", Vec.zerosLike(model.params()).addi(initialAccumulatorValue), Combine.MEAN);
    return s;
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    double lrNow = lr * ctx.lrScale();
    INDArray p = model.params();
    INDArray g = model.grads();
    double t = state.scalar("step") + 1;
    state.setScalar("step", t);
    double clr = lrNow / (1 + (t - 1) * lrDecay);
    INDArray sum = state.array("sum");
    ctx.diagnostics().put("lr", clr);
    if (Fused.applies(p, g, sum)) {
      Fused.pass()
          .read(g)
          .update(sum)
          .update(p)
          .scratch(1)
          .run(new AdagradKernel(weightDecay, clr, eps));
      return;
    }
    if (weightDecay != 0) {
      g = g.dup();
      Vec.axpy(weightDecay, p, g);
    }
    INDArray tmp = Vec.scratch(p);
    Vec.scaleAddSquare(sum, 1, 1, g, tmp);
    Vec.sqrtPlusInto(sum, 0, tmp).addi(eps);
    Vec.divInto(g, tmp, tmp);
    Vec.axpy(-clr, tmp, p);
  }
}
