package org.optimbench.optim.schedulefree;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.internal.Vec;
import org.optimbench.optim.spec.Checks;
import org.optimbench.optim.spec.Hparams;

/**
 * Schedule-Free SGD, step for step as the reference implementation {@code
 * SGDScheduleFreeReference}. The model trains at y (the parameters hold y); evaluation and
 * checkpoints use the average x ({@link #evalParams}).
 *
 * <pre>
 * lr_k = lr * min(1, (k + 1) / warmup_steps)           (built-in warm-up, k = 0-based step)
 * lr_max = max(lr_max, lr_k)                           (lr_max starts at -1)
 * w = (k + 1)^r * lr_max^weight_lr_power;  weight_sum += w;  c = w / weight_sum  (0 if weight_sum == 0)
 * d = g + weight_decay * y                              (decay at y, the point the gradient was taken)
 * z = z - lr_k * d
 * x = (1 - c) * x + c * z
 * y = momentum * x + (1 - momentum) * z                 (written into the parameters)
 * </pre>
 *
 * Hyperparameters (reference names and defaults): {@code lr=1.0, momentum=0.9, weight_decay=0,
 * warmup_steps=0, r=0, weight_lr_power=2}. A schedule multiplies lr before the warm-up, as a
 * LambdaLR on the reference's group lr would.
 *
 * <p>Memory: like the reference version this keeps z and x as state (y lives in the parameters): 2
 * extra vectors here, 3 in the reference (which also stores y). The production {@code
 * sgd_schedulefree.py} keeps only z and recovers x from y and z by interpolation (1 vector), at the
 * price of a train/eval swap of the parameters. State entries: {@code z}, {@code x} (averaged
 * across workers; y = beta x + (1 - beta) z is linear, so averaged y, x, z stay consistent), {@code
 * k}, {@code weight_sum}, {@code lr_max}. No global scalars.
 *
 * <p>Paper: Defazio, Yang, Mehta, Mishchenko, Khaled, Cutkosky, "The Road Less Scheduled", arXiv
 * 2405.15682. Reference: facebookresearch/schedule_free @ 70785b5, {@code
 * schedulefree/sgd_schedulefree_reference.py}. Deviation: the reference writes the decayed gradient
 * into {@code p.grad}; here the gradient is left untouched and the decay enters z directly.
 */
public record ScheduleFreeSgd(
    double lr,
    double momentum,
    double weightDecay,
    long warmupSteps,
    double r,
    double weightLrPower)
    implements Optimizer {
  public ScheduleFreeSgd {
    Checks.nonNegative("lr", lr);
    Checks.require(momentum > 0 && momentum < 1, "momentum", momentum + " must be in (0, 1)");
    Checks.nonNegative("weight_decay", weightDecay);
    Checks.nonNegative("warmup_steps", warmupSteps);
    Checks.finite("r", r);
    Checks.finite("weight_lr_power", weightLrPower);
  }

  static ScheduleFreeSgd from(Hparams hp) {
    return new ScheduleFreeSgd(
        hp.real("lr", 1.0),
        hp.real("momentum", 0.9),
        hp.real("weight_decay", 0),
        hp.integer("warmup_steps", 0),
        hp.real("r", 0),
        hp.real("weight_lr_power", 2));
  }

  @Override
  public String name() {
    return "schedule_free_sgd";
  }

  @Override
  public OptimizerState init(ModelView model) {
    return Averaging.init(model);
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    double lrK = Averaging.warmedUp(lr * ctx.lrScale(), state.scalar("k"), warmupSteps);
    double ckp1 = Averaging.averagingWeight(state, lrK, r, weightLrPower);
    INDArray y = model.params();
    INDArray z = state.array("z");
    Vec.axpy(-lrK, model.grads(), z);
    Vec.axpy(-lrK * weightDecay, y, z);
    Averaging.averageAndInterpolate(y, state, ckp1, momentum);
    ctx.diagnostics().put("lr", lrK);
    ctx.diagnostics().put("ckp1", ckp1);
  }

  /** The average x, where Schedule-Free is evaluated (a copy). */
  @Override
  public INDArray evalParams(ModelView model, OptimizerState state) {
    return state.array("x").dup();
  }
}
