package org.optimbench.optim.dadapt;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.Combine;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.internal.Vec;
import org.optimbench.optim.spec.Checks;
import org.optimbench.optim.spec.Hparams;

/**
 * SGD with D-Adaptation: dual averaging whose step size {@code d} is a lower bound on the distance
 * to the solution, estimated from the iterates, written in primal-averaging (SPA) form for
 * momentum.
 *
 * <pre>
 * at k = 0:  g0_norm = ||g||                  (over all parameters, WITHOUT weight decay)
 * dlr  = d * lr / g0_norm
 * g    = g + weight_decay * p                 (coupled L2)
 * num += dlr * &lt;g, s&gt;                         (s before its update)
 * s   += dlr * g
 * d_hat = 2 * num / ||s||;   d = max(d, min(d_hat, d * growth_rate))
 * if ||s|| == 0: skip the step (k is not incremented)
 * p    = (1 - c) * p + c * (x0 - s),  c = 1 - momentum
 * </pre>
 *
 * Hyperparameters (defaults of the reference): {@code lr=1.0, momentum=0.0, weight_decay=0,
 * d0=1e-6, growth_rate=inf}. The reference's {@code log_every} and {@code fsdp_in_use} are not
 * accepted (unknown hyperparameter): logging goes through the diagnostics ("lr" = d*lr/g0_norm,
 * "d", "d_hat") and sharding is handled by the step context's reducer, which receives the per-step
 * increments ({@code ||g0||^2} at k = 0, then {@code Δnum} and {@code ||s||^2}) once per step.
 *
 * <p>Paper: A. Defazio, K. Mishchenko, "Learning-Rate-Free Learning by D-Adaptation", ICML 2023,
 * arXiv:2301.07733. Reference: facebookresearch/dadaptation @ c984980, {@code
 * dadaptation/dadapt_sgd.py}.
 *
 * <p>Quirks of the reference, kept:
 *
 * <ul>
 *   <li>quirk: the factor 2 in d_hat (the paper's bound gives num/||s||);
 *   <li>quirk: g0_norm ignores weight decay (the reference's non-in-place {@code grad.add});
 *   <li>quirk: momentum is the SPA averaging weight: p moves towards z = x0 - s (no momentum
 *       buffer; the reference also stores z, which is recomputed every step and is not kept here);
 *   <li>quirk: when ||s|| = 0 (all gradients zero, or lr = 0) the step returns before touching the
 *       parameters, d or num, and without incrementing k, so g0_norm is measured again next step.
 * </ul>
 *
 * Deviations: where the reference divides by g0_norm = 0 (Python raises ZeroDivisionError) this
 * step is skipped like any zero-||s|| step. At k = 0 (s = 0) ||s||^2 is computed as dlr^2 * ||g||^2
 * so that one fused reduction suffices; weight decay is folded into the inner product and the s
 * update algebraically instead of writing it into a gradient copy (rounding-level differences).
 *
 * <p>State: {@code s} (MEAN), {@code x0} (SAME), scalars {@code d} (MAX), {@code d_prev} (MAX, the
 * d before the last update), {@code numerator_weighted} (MEAN), {@code g0_norm} (MEAN), {@code k}
 * (SAME). {@link #reconcile}: see {@link DAdaptOps#reconciled}; d_hat is recomputed from the merged
 * numerator and ||s|| of the merged s, which assumes the merged state covers the whole model.
 */
public record DAdaptSgd(
    double lr, double momentum, double weightDecay, double d0, double growthRate)
    implements Optimizer {
  public DAdaptSgd {
    Checks.positive("lr", lr);
    Checks.unitInterval("momentum", momentum);
    Checks.nonNegative("weight_decay", weightDecay);
    Checks.positive("d0", d0);
    Checks.atLeast("growth_rate", growthRate, 1);
  }

  static DAdaptSgd from(Hparams hp) {
    return new DAdaptSgd(
        hp.real("lr", 1.0),
        hp.real("momentum", 0.0),
        hp.real("weight_decay", 0),
        hp.real("d0", 1e-6),
        hp.real("growth_rate", Double.POSITIVE_INFINITY));
  }

  @Override
  public String name() {
    return "dadapt_sgd";
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState st = new OptimizerState();
    st.putArray("s", Vec.zerosLike(model.params()), Combine.MEAN);
    st.putArray("x0", model.params().dup(), Combine.SAME);
    st.putScalar("d", d0, Combine.MAX);
    st.putScalar("d_prev", d0, Combine.MAX);
    st.putScalar("numerator_weighted", 0, Combine.MEAN);
    st.putScalar("g0_norm", 0, Combine.MEAN);
    st.putScalar("k", 0, Combine.SAME);
    return st;
  }

  @Override
  public void step(ModelView model, OptimizerState st, StepContext ctx) {
    double lrNow = lr * ctx.lrScale();
    INDArray p = model.params();
    INDArray g = model.grads();
    INDArray s = st.array("s");
    double d = st.scalar("d");
    boolean first = st.scalar("k") == 0;
    boolean active = lrNow > 0; // the reference's "group_lr > 0"

    double g0Norm;
    double dlr;
    double deltaNum = 0;
    double sksq;
    if (first) {
      // s = 0 here (a step is only skipped while s stays 0), so Δnum = 0 and ||s_new||^2 = dlr^2
      // ||g + wd p||^2.
      INDArray gw = g;
      if (weightDecay != 0 && active) {
        gw = g.dup();
        Vec.axpy(weightDecay, p, gw);
      }
      double gsq = active ? Vec.sumSq(g) : 0;
      double gwsq = gw == g ? gsq : Vec.sumSq(gw);
      double[] sums = ctx.reducer().sum(new double[] {gsq, gwsq});
      g0Norm = Math.sqrt(sums[0]);
      dlr = g0Norm > 0 ? d * lrNow / g0Norm : 0;
      if (active) Vec.axpy(dlr, gw, s);
      sksq = dlr * dlr * sums[1];
    } else {
      g0Norm = st.scalar("g0_norm");
      dlr = d * lrNow / g0Norm;
      double partNum = 0;
      double partSq = 0;
      if (active) {
        double gs = Vec.dot(g, s);
        if (weightDecay != 0) gs += weightDecay * Vec.dot(p, s);
        partNum = dlr * gs;
        Vec.axpy(dlr, g, s);
        Vec.axpy(dlr * weightDecay, p, s);
        partSq = Vec.sumSq(s);
      }
      double[] sums = ctx.reducer().sum(new double[] {partNum, partSq});
      deltaNum = sums[0];
      sksq = sums[1];
    }

    double num = st.scalar("numerator_weighted") + deltaNum;
    double dHat = d;
    double dNew = d;
    if (lrNow > 0 && sksq > 0) {
      dHat = 2 * num / Math.sqrt(sksq);
      dNew = DAdaptOps.grow(d, dHat, growthRate);
    }
    if (sksq == 0) return;

    st.setScalar("numerator_weighted", num);
    st.setScalar("d_prev", d);
    st.setScalar("d", dNew);
    st.setScalar("g0_norm", g0Norm);

    INDArray x0 = st.array("x0");
    double ck = 1 - momentum;
    if (momentum == 0) {
      p.assign(x0).subi(s);
    } else {
      p.muli(1 - ck);
      Vec.axpy(ck, x0, p);
      Vec.axpy(-ck, s, p);
    }
    st.setScalar("k", st.scalar("k") + 1);
    ctx.diagnostics().put("lr", dlr);
    ctx.diagnostics().put("d", dNew);
    ctx.diagnostics().put("d_hat", dHat);
  }

  @Override
  public void reconcile(ModelView model, OptimizerState merged) {
    double sksq = Vec.sumSq(merged.array("s"));
    if (merged.scalar("k") == 0 || sksq == 0) return;
    double dHat = 2 * merged.scalar("numerator_weighted") / Math.sqrt(sksq);
    merged.setScalar(
        "d", DAdaptOps.reconciled(merged.scalar("d"), merged.scalar("d_prev"), dHat, growthRate));
  }
}
