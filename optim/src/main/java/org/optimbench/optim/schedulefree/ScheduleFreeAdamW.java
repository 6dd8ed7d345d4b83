package org.optimbench.optim.schedulefree;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.DivOp;
import org.nd4j.linalg.factory.Nd4j;
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
 * Schedule-Free AdamW, step for step as the reference implementation {@code
 * AdamWScheduleFreeReference}. The model trains at y (the parameters hold y); evaluation and
 * checkpoints use x ({@link #evalParams}).
 *
 * <pre>
 * lr_k, lr_max, c as {@link ScheduleFreeSgd} (warm-up, w = (k + 1)^r * lr_max^weight_lr_power)
 * z = z - lr_k * weight_decay * (decay_at_z ? z : y)          (decoupled decay, before the step)
 * v = beta2 * v + (1 - beta2) * g^2
 * denom = sqrt(v / (1 - beta2^(k+1))) + eps
 * u = inner_momentum != 0 ? (m = im * m + (1 - im) * g) / (1 - im^(k+1)) : g
 * z = z - lr_k * u / denom
 * x = (1 - c) * x + c * z
 * y = beta1 * x + (1 - beta1) * z                              (written into the parameters)
 * </pre>
 *
 * Hyperparameters (reference names and defaults): {@code lr=0.0025, betas=[0.9, 0.999], eps=1e-8,
 * weight_decay=0, warmup_steps=0, r=0, weight_lr_power=2, decay_at_z=false, inner_momentum=0}.
 * beta1 is the interpolation (momentum) coefficient, not a gradient EMA.
 *
 * <p>Memory: state z, x and v ({@code exp_avg_sq}), plus {@code exp_avg} with inner momentum: 3 (4)
 * extra vectors here, 4 (5) in the reference, which also stores y. The production {@code
 * adamw_schedulefree.py} keeps only z and v (2 vectors) by swapping y and x on train/eval.
 *
 * <p>Paper: Defazio et al., "The Road Less Scheduled", arXiv 2405.15682. Reference:
 * facebookresearch/schedule_free @ 70785b5, {@code schedulefree/adamw_schedulefree_reference.py}.
 * Quirks reproduced: the reference's {@code lr = max(lr, eps)} is dead code (immediately
 * overwritten), so a zero lr stays zero; the reference does not validate its arguments (we check
 * ranges).
 *
 * <p>CPU backend: the step is one fused pass ({@link ScheduleFreeAdamWKernel}, see {@link
 * org.optimbench.optim.internal.Fused}); ND4J ops everywhere else.
 */
public record ScheduleFreeAdamW(
    double lr,
    double beta1,
    double beta2,
    double eps,
    double weightDecay,
    long warmupSteps,
    double r,
    double weightLrPower,
    boolean decayAtZ,
    double innerMomentum)
    implements Optimizer {
  public ScheduleFreeAdamW {
    Checks.nonNegative("lr", lr);
    Checks.unitInterval("betas[0]", beta1);
    Checks.unitInterval("betas[1]", beta2);
    Checks.nonNegative("eps", eps);
    Checks.nonNegative("weight_decay", weightDecay);
    Checks.nonNegative("warmup_steps", warmupSteps);
    Checks.finite("r", r);
    Checks.finite("weight_lr_power", weightLrPower);
    Checks.unitInterval("inner_momentum", innerMomentum);
  }

  static ScheduleFreeAdamW from(Hparams hp) {
    double lr = hp.real("lr", 0.0025);
    double[] b = Checks.betas("betas", hp.reals("betas", 0.9, 0.999), 2);
    return new ScheduleFreeAdamW(
        lr,
        b[0],
        b[1],
        hp.real("eps", 1e-8),
        hp.real("weight_decay", 0),
        hp.integer("warmup_steps", 0),
        hp.real("r", 0),
        hp.real("weight_lr_power", 2),
        hp.bool("decay_at_z", false),
        hp.real("inner_momentum", 0));
  }

  @Override
  public String name() {
    return "schedule_free_adamw";
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState s = Averaging.init(model);
    s.putArray("exp_avg_sq", Vec.zerosLike(model.params()), Combine.MEAN);
    if (innerMomentum != 0) s.putArray("exp_avg", Vec.zerosLike(model.params()), Combine.MEAN);
    return s;
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    double k = state.scalar("k");
    double lrK = Averaging.warmedUp(lr * ctx.lrScale(), k, warmupSteps);
    double ckp1 = Averaging.averagingWeight(state, lrK, r, weightLrPower);
    INDArray y = model.params();
    INDArray g = model.grads();
    INDArray z = state.array("z");
    INDArray x = state.array("x");
    INDArray v = state.array("exp_avg_sq");
    INDArray m = innerMomentum != 0 ? state.array("exp_avg") : null;
    double bc2 = 1 - Math.pow(beta2, k + 1);
    double numScale = innerMomentum != 0 ? 1 / (1 - Math.pow(innerMomentum, k + 1)) : 1;
    ctx.diagnostics().put("lr", lrK);
    ctx.diagnostics().put("ckp1", ckp1);
    if (m != null ? Fused.applies(y, g, z, x, v, m) : Fused.applies(y, g, z, x, v)) {
      boolean decayAtY = weightDecay != 0 && !decayAtZ;
      Fused.Pass pass = Fused.pass().read(g).update(z).update(x).update(v);
      if (m != null) pass.update(m);
      (decayAtY ? pass.update(y) : pass.write(y))
          .run(
              new ScheduleFreeAdamWKernel(
                  weightDecay != 0 && decayAtZ ? 1 - lrK * weightDecay : 1,
                  decayAtY ? -lrK * weightDecay : 0,
                  beta2,
                  bc2,
                  eps,
                  m != null,
                  innerMomentum,
                  -lrK * numScale,
                  ckp1,
                  beta1));
      state.setScalar("k", k + 1);
      return;
    }
    if (weightDecay != 0) {
      if (decayAtZ) z.muli(1 - lrK * weightDecay);
      else Vec.axpy(-lrK * weightDecay, y, z);
    }
    INDArray denom = Nd4j.createUninitialized(y.dataType(), y.length());
    Vec.scaleAddSquare(v, beta2, 1 - beta2, g, denom);
    denom.assign(v).divi(bc2);
    Nd4j.getExecutioner().exec(new Sqrt(denom, denom));
    denom.addi(eps);
    INDArray num = g;
    if (m != null) {
      num = m;
      Vec.scaleAdd(num, innerMomentum, 1 - innerMomentum, g);
    }
    Nd4j.getExecutioner().exec(new DivOp(num, denom, denom));
    Vec.axpy(-lrK * numScale, denom, z);
    Averaging.averageAndInterpolate(y, state, ckp1, beta1);
  }

  /** The average x, where Schedule-Free is evaluated (a copy). */
  @Override
  public INDArray evalParams(ModelView model, OptimizerState state) {
    return state.array("x").dup();
  }
}
