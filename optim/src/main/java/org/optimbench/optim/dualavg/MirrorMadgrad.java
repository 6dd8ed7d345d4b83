package org.optimbench.optim.dualavg;

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
 * Mirror MADGRAD: MADGRAD's weighting and momentum on a mirror-descent base (z is updated in place
 * instead of being recomputed from x0 and a gradient sum), step for step as the reference {@code
 * MirrorMADGRAD} class.
 *
 * <pre>
 * ratio = sqrt(k / (k + 1));  lambda = (k + 1)^(1/3);  c = 1 - momentum   (k = 0-based step)
 * lr' = lr != 0 ? lr + eps : 0                  (quirk: eps added to the scheduled lr)
 * if weight_decay: decouple_decay ? z = z - lr' * weight_decay * z : d = g + weight_decay * p
 * nu = ratio * nu + d^2
 * rms = cbrt(nu) + eps                          (eps == 0: rms == 0 -> +inf)
 * z = z - lr' * lambda * d / rms
 * p = (1 - c) * p + c * z
 * </pre>
 *
 * Hyperparameters (reference names and defaults): {@code lr=1e-2, momentum=0.9, weight_decay=0,
 * eps=0, decouple_decay=false}. State: {@code grad_sum_sq} (nu) and {@code z} (starts at the
 * initial parameters), averaged across workers, and {@code k}. No global scalars.
 *
 * <p>Paper: Defazio &amp; Jelassi, arXiv 2101.11075 (the mirror variant is described in the
 * repository's README). Reference: facebookresearch/madgrad @ 0d858b9, {@code
 * madgrad/mirror_madgrad.py}. Quirks reproduced: eps added to lr; decoupled decay acts on z (before
 * the step), scaled by lr + eps; the reference's momentum range message says [0,1] but it rejects 1
 * (we require [0, 1)).
 *
 * <p>CPU backend: the step is one fused pass ({@link MirrorMadgradKernel}, with the cube root of
 * {@link DualOps#cubeRootPlus(float[], float, boolean, float[], int)}; see {@link Fused}); ND4J ops
 * everywhere else.
 */
public record MirrorMadgrad(
    double lr, double momentum, double weightDecay, double eps, boolean decoupleDecay)
    implements Optimizer {
  public MirrorMadgrad {
    Checks.nonNegative("lr", lr);
    Checks.unitInterval("momentum", momentum);
    Checks.nonNegative("weight_decay", weightDecay);
    Checks.nonNegative("eps", eps);
  }

  static MirrorMadgrad from(Hparams hp) {
    return new MirrorMadgrad(
        hp.real("lr", 1e-2),
        hp.real("momentum", 0.9),
        hp.real("weight_decay", 0),
        hp.real("eps", 0),
        hp.bool("decouple_decay", false));
  }

  @Override
  public String name() {
    return "mirror_madgrad";
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState s = new OptimizerState();
    s.putScalar("k", 0, Combine.SAME);
    s.putArray("grad_sum_sq", Vec.zerosLike(model.params()), Combine.MEAN);
    s.putArray("z", model.params().dup(), Combine.MEAN);
    return s;
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    double k = state.scalar("k");
    double ratio = Math.sqrt(k / (k + 1));
    double lamb = Math.pow(k + 1, 1.0 / 3);
    double lrNow = lr * ctx.lrScale();
    double lrEff = lrNow != 0 ? lrNow + eps : 0;
    double ck = 1 - momentum;
    INDArray p = model.params();
    INDArray g = model.grads();
    INDArray nu = state.array("grad_sum_sq");
    INDArray z = state.array("z");
    if (Fused.applies(p, g, nu, z)) {
      boolean decoupled = weightDecay != 0 && decoupleDecay;
      Fused.pass()
          .read(g)
          .update(nu)
          .update(z)
          .update(p)
          .scratch(2)
          .run(
              new MirrorMadgradKernel(
                  decoupled ? 1 - lrEff * weightDecay : 1,
                  weightDecay != 0 && !decoupleDecay,
                  weightDecay,
                  ratio,
                  eps,
                  lrEff * lamb,
                  1 - ck,
                  ck));
      state.setScalar("k", k + 1);
      ctx.diagnostics().put("lr", lrEff);
      return;
    }
    if (weightDecay != 0) {
      if (decoupleDecay) {
        z.muli(1 - lrEff * weightDecay);
      } else {
        g = g.dup();
        Vec.axpy(weightDecay, p, g);
      }
    }
    INDArray tmp = Vec.scratch(p);
    Vec.scaleAddSquare(nu, ratio, 1, g, tmp);
    INDArray rms = DualOps.cubeRootPlus(nu, eps, tmp, true);
    Vec.axpy(-lrEff * lamb, Vec.divInto(g, rms, rms), z);
    p.muli(1 - ck);
    Vec.axpy(ck, z, p);
    state.setScalar("k", k + 1);
    ctx.diagnostics().put("lr", lrEff);
  }
}
