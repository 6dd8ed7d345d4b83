package org.optimbench.optim.dadapt;

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
 * AdaGrad with D-Adaptation (dense gradients): diagonal AdaGrad in dual-averaging form, whose step
 * size d is estimated from the AdaGrad-weighted norms of the gradient sum s.
 *
 * <pre>
 * dlr = d * lr
 * g   = g + weight_decay * p                       (coupled L2)
 * alpha = alpha + g^2;   w = sqrt(alpha) + eps     (new alpha)
 * gsq_weighted += dlr^2 * sum(g^2 / w)
 * s   = s + dlr * g
 * sksq = sum(s^2 / w);   skl1 = ||s||_1
 * if skl1 == 0: skip the step
 * d_hat = (sksq - gsq_weighted) / skl1;   d = max(d, min(d_hat, d * growth_rate))   (if lr > 0)
 * z = x0 - s / w;   p = momentum != 0 ? (1 - c) p + c z : z,   c = 1 - momentum
 * </pre>
 *
 * Hyperparameters (reference defaults): {@code lr=1.0, momentum=0, weight_decay=0, eps=1e-6,
 * d0=1e-6, growth_rate=inf}. {@code log_every} is not accepted (diagnostics report "lr" = dlr, "d",
 * "d_hat"); the reference refuses FSDP, here the reducer sums (sum g^2/w, sksq, skl1) once per
 * step, which makes sharded runs exact.
 *
 * <p>Paper: A. Defazio, K. Mishchenko, "Learning-Rate-Free Learning by D-Adaptation", ICML 2023,
 * arXiv:2301.07733. Reference: facebookresearch/dadaptation @ c984980, {@code
 * dadaptation/dadapt_adagrad.py}.
 *
 * <p>Quirks of the reference, kept:
 *
 * <ul>
 *   <li>quirk: alpha starts at 1e-6, not 0;
 *   <li>quirk: eps is outside the square root on this (dense) path, while the reference's sparse
 *       path uses sqrt(alpha + eps), inside; sparse gradients are not supported here;
 *   <li>quirk: alpha and s are updated even when lr = 0 (s by 0 * g), so with a zero learning-rate
 *       factor after the first step the parameters still move, because z depends on alpha;
 *   <li>quirk: on a skipped step (skl1 = 0) the update of alpha persists; nothing else does.
 * </ul>
 *
 * Deviation: the reference keeps sksq and skl1 as running totals updated by per-tensor differences
 * (new - old); they telescope to the fresh sums over the current s and alpha, which are computed
 * directly here (equal up to rounding, one pass fewer, and exact after a state merge).
 *
 * <p>State: {@code alphak}, {@code sk} (MEAN), {@code x0} (SAME), scalars {@code d}, {@code d_prev}
 * (MAX), {@code gsq_weighted} (MEAN), {@code k} (SAME). {@link #reconcile} recomputes d_hat from
 * the merged gsq_weighted and the sums over the merged s and alpha (see {@link
 * DAdaptOps#reconciled}).
 *
 * <p>CPU backend: two fused passes, before and after the reducer call ({@link DAdaptAdaGradKernel},
 * see {@link org.optimbench.optim.internal.Fused}); ND4J ops everywhere else.
 */
public record DAdaptAdaGrad(
    double lr, double momentum, double weightDecay, double eps, double d0, double growthRate)
    implements Optimizer {
  static final double ALPHA_INIT = 1e-6;

  public DAdaptAdaGrad {
    Checks.positive("lr", lr);
    Checks.unitInterval("momentum", momentum);
    Checks.nonNegative("weight_decay", weightDecay);
    Checks.positive("eps", eps);
    Checks.positive("d0", d0);
    Checks.atLeast("growth_rate", growthRate, 1);
  }

  static DAdaptAdaGrad from(Hparams hp) {
    return new DAdaptAdaGrad(
        hp.real("lr", 1.0),
        hp.real("momentum", 0),
        hp.real("weight_decay", 0),
        hp.real("eps", 1e-6),
        hp.real("d0", 1e-6),
        hp.real("growth_rate", Double.POSITIVE_INFINITY));
  }

  @Override
  public String name() {
    return "dadapt_adagrad";
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState st = new OptimizerState();
    st.putArray("alphak", Vec.zerosLike(model.params()).addi(ALPHA_INIT), Combine.MEAN);
    st.putArray("sk", Vec.zerosLike(model.params()), Combine.MEAN);
    st.putArray("x0", model.params().dup(), Combine.SAME);
    st.putScalar("d", d0, Combine.MAX);
    st.putScalar("d_prev", d0, Combine.MAX);
    st.putScalar("gsq_weighted", 0, Combine.MEAN);
    st.putScalar("k", 0, Combine.SAME);
    return st;
  }

  @Override
  public void step(ModelView model, OptimizerState st, StepContext ctx) {
    double lrNow = lr * ctx.lrScale();
    double d = st.scalar("d");
    double dlr = d * lrNow;
    INDArray p = model.params();
    INDArray alpha = st.array("alphak");
    INDArray s = st.array("sk");
    INDArray g = model.grads();
    INDArray x0 = st.array("x0");
    boolean fused = Fused.applies(p, g, alpha, s, x0);
    INDArray tmp = null;
    INDArray w = null;
    double[] partial;
    if (fused) {
      Fused.Pass pass = Fused.pass().read(g);
      if (weightDecay != 0) pass.read(p);
      partial =
          pass.update(alpha)
              .update(s)
              .scratch(1)
              .run(new DAdaptAdaGradKernel.Accumulate(weightDecay != 0, weightDecay, dlr, eps));
    } else {
      if (weightDecay != 0) {
        g = g.dup();
        Vec.axpy(weightDecay, p, g);
      }
      tmp = Vec.mulInto(g, g, Vec.scratch(p));
      alpha.addi(tmp);
      w = Vec.sqrtPlusInto(alpha, eps, Vec.scratch(p));
      double gsq = tmp.divi(w).sumNumber().doubleValue();
      Vec.axpy(dlr, g, s);
      partial = new double[] {gsq, weightedSq(s, w, tmp), Vec.norm1(s)};
    }
    double[] sums = ctx.reducer().sum(partial);
    if (sums[2] == 0) return;

    double gsqWeighted = st.scalar("gsq_weighted") + dlr * dlr * sums[0];
    double dHat = d;
    double dNew = d;
    if (lrNow > 0) {
      dHat = (sums[1] - gsqWeighted) / sums[2];
      dNew = DAdaptOps.grow(d, dHat, growthRate);
    }
    st.setScalar("gsq_weighted", gsqWeighted);
    st.setScalar("d_prev", d);
    st.setScalar("d", dNew);

    if (fused) {
      Fused.Pass pass = Fused.pass().read(s).read(alpha).read(x0);
      (momentum == 0 ? pass.write(p) : pass.update(p))
          .run(new DAdaptAdaGradKernel.Update(momentum, eps));
    } else {
      Vec.divInto(s, w, tmp);
      if (momentum == 0) {
        p.assign(x0).subi(tmp);
      } else {
        double ck = 1 - momentum;
        p.muli(1 - ck);
        Vec.axpy(ck, tmp.rsubi(x0), p);
      }
    }
    st.setScalar("k", st.scalar("k") + 1);
    ctx.diagnostics().put("lr", dlr);
    ctx.diagnostics().put("d", dNew);
    ctx.diagnostics().put("d_hat", dHat);
  }

  /** sum(s^2 / w), using {@code tmp} as scratch. */
  private static double weightedSq(INDArray s, INDArray w, INDArray tmp) {
    return Vec.mulInto(s, s, tmp).divi(w).sumNumber().doubleValue();
  }

  @Override
  public void reconcile(ModelView model, OptimizerState merged) {
    INDArray s = merged.array("sk");
    INDArray alpha = merged.array("alphak");
    double sksq;
    double skl1;
    if (Fused.applies(model.params(), model.grads(), alpha, s, merged.array("x0"))) {
      // the step's sums, summed as the step summed them, so that merging identical states changes
      // nothing
      double[] r = Fused.pass().read(s).read(alpha).run(new DAdaptAdaGradKernel.Norms(eps));
      sksq = r[0];
      skl1 = r[1];
    } else {
      INDArray w = Vec.sqrtPlusInto(alpha, eps, Vec.scratch(s));
      sksq = weightedSq(s, w, Vec.scratch(s));
      skl1 = Vec.norm1(s);
    }
    if (merged.scalar("k") == 0 || skl1 == 0) return;
    double dHat = (sksq - merged.scalar("gsq_weighted")) / skl1;
    merged.setScalar(
        "d", DAdaptOps.reconciled(merged.scalar("d"), merged.scalar("d_prev"), dHat, growthRate));
  }
}
