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
 * MADGRAD: momentumized, adaptive, dual-averaged gradient method, step for step as the reference
 * {@code MADGRAD} class.
 *
 * <pre>
 * lr' = lr != 0 ? lr + eps : 0                 (quirk: eps is added to the scheduled lr "for stability")
 * lambda = lr' * sqrt(k + 1);  c = 1 - momentum   (k = 0-based step)
 * d = g + weight_decay * p                      (unless decouple_decay)
 * x0 = momentum == 0 ? p + s / (cbrt(nu) + eps) : stored x0     (quirk: recomputed, saves a vector)
 * nu = nu + lambda * d^2
 * rms = cbrt(nu) + eps                          (eps == 0: rms == 0 -> +inf)
 * s = s + lambda * d
 * z = x0 - s / rms
 * p = momentum == 0 ? z : (1 - c) * p + c * z
 * if decouple_decay: p = p - lr' * weight_decay * p_old   (after the step, with lr' = lr + eps)
 * </pre>
 *
 * Hyperparameters (reference names and defaults): {@code lr=1e-2, momentum=0.9, weight_decay=0,
 * eps=1e-6, decouple_decay=false}. State: {@code grad_sum_sq} (nu) and {@code s} (averaged across
 * workers), {@code x0} (identical on all workers; absent when momentum is 0), and {@code k}. No
 * global scalars. First step: x1 = 0.9 x0 + 0.1 (x0 - lambda0^(2/3) sign(g) |g|^(1/3)) as eps -> 0.
 *
 * <p>Paper: Defazio &amp; Jelassi, "Adaptivity without Compromise: A Momentumized, Adaptive, Dual
 * Averaged Gradient Method for Stochastic Optimization", JMLR 2022, arXiv 2101.11075. Reference:
 * facebookresearch/madgrad @ 0d858b9, {@code madgrad/madgrad.py} (dense path). Quirks reproduced:
 * eps added to lr (so a tiny lr still moves by eps-sized steps, and lr=0 freezes the parameters);
 * the momentum-0 x0 recomputation uses rms without the zero-to-inf fix; decoupled decay is scaled
 * by lr + eps and applied to the pre-step parameters after the step. Deviation: {@code momentum=0}
 * with {@code eps=0} is rejected (field {@code eps}), because the reference then divides 0/0 in the
 * x0 recomputation and returns NaN parameters from the first step. Sparse gradients (reference-only
 * path) do not exist here.
 *
 * <p>CPU backend: the step is one fused pass ({@link MadgradKernel}, with the cube root of {@link
 * DualOps#cubeRootPlus(float[], float, boolean, float[], int)}; see {@link Fused}); ND4J ops
 * everywhere else.
 */
public record Madgrad(
    double lr, double momentum, double weightDecay, double eps, boolean decoupleDecay)
    implements Optimizer {
  public Madgrad {
    Checks.nonNegative("lr", lr);
    Checks.unitInterval("momentum", momentum);
    Checks.nonNegative("weight_decay", weightDecay);
    Checks.nonNegative("eps", eps);
    Checks.require(
        momentum != 0 || eps > 0,
        "eps",
        "must be > 0 when momentum is 0 (the reference returns NaN: 0/0 in its x0 recomputation)");
  }

  static Madgrad from(Hparams hp) {
    return new Madgrad(
        hp.real("lr", 1e-2),
        hp.real("momentum", 0.9),
        hp.real("weight_decay", 0),
        hp.real("eps", 1e-6),
        hp.bool("decouple_decay", false));
  }

  @Override
  public String name() {
    return "madgrad";
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState s = new OptimizerState();
    s.putScalar("k", 0, Combine.SAME);
    s.putArray("grad_sum_sq", Vec.zerosLike(model.params()), Combine.MEAN);
    s.putArray("s", Vec.zerosLike(model.params()), Combine.MEAN);
    if (momentum != 0) s.putArray("x0", model.params().dup(), Combine.SAME);
    return s;
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    double k = state.scalar("k");
    double lrNow = lr * ctx.lrScale();
    double lrEff = lrNow != 0 ? lrNow + eps : 0;
    double lamb = lrEff * Math.sqrt(k + 1);
    double ck = 1 - momentum;
    INDArray p = model.params();
    INDArray g = model.grads();
    INDArray nu = state.array("grad_sum_sq");
    INDArray s = state.array("s");
    boolean coupled = weightDecay != 0 && !decoupleDecay;
    boolean decoupled = weightDecay != 0 && decoupleDecay;
    double decay = decoupled ? lrEff * weightDecay : 0; // p_new = step(p_old) - decay * p_old
    INDArray storedX0 = momentum != 0 ? state.array("x0") : null;
    if (storedX0 != null ? Fused.applies(p, g, nu, s, storedX0) : Fused.applies(p, g, nu, s)) {
      Fused.Pass pass = Fused.pass().read(g).update(nu).update(s);
      if (storedX0 != null) pass.read(storedX0);
      pass.update(p)
          .scratch(3)
          .run(
              new MadgradKernel(
                  coupled, weightDecay, storedX0 != null, lamb, eps, 1 - ck - decay, ck, decay));
      state.setScalar("k", k + 1);
      ctx.diagnostics().put("lr", lrEff);
      return;
    }
    if (coupled) {
      g = g.dup();
      Vec.axpy(weightDecay, p, g);
    }
    INDArray tmp = Vec.scratch(p);
    INDArray x0;
    if (momentum == 0) {
      x0 = Vec.divInto(s, DualOps.cubeRootPlus(nu, eps, Vec.scratch(p), false), tmp).addi(p);
      tmp = Vec.scratch(p);
    } else {
      x0 = state.array("x0");
    }
    Vec.scaleAddSquare(nu, 1, lamb, g, tmp);
    INDArray rms = DualOps.cubeRootPlus(nu, eps, tmp, true);
    Vec.axpy(lamb, g, s);
    INDArray z = Vec.divInto(s, rms, rms).rsubi(x0); // z = x0 - s / rms
    if (momentum == 0) {
      if (decay != 0) p.muli(-decay).addi(z);
      else p.assign(z);
    } else {
      p.muli(1 - ck - decay);
      Vec.axpy(ck, z, p);
    }
    state.setScalar("k", k + 1);
    ctx.diagnostics().put("lr", lrEff);
  }
}
