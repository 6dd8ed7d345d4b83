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
 * Adam with D-Adaptation (version 3, the "IP" estimator of the current reference): Adam whose step
 * size is {@code d * lr}, with d estimated from an exponentially weighted inner product of the
 * gradients with the weighted gradient sum s.
 *
 * <pre>
 * beta3 = sqrt(beta2);  bc = use_bias_correction ? sqrt(1 - beta2^(k+1)) / (1 - beta1^(k+1)) : 1
 * dlr = d * lr * bc
 * g   = g + weight_decay * p                         (only when !decouple)
 * acc = dlr * &lt;g, s / (sqrt(v) + eps)&gt;               (s and v before their update)
 * m   = beta1 m + dlr (1 - beta1) g                  (step size baked into m)
 * v   = beta2 v + (1 - beta2) g^2
 * s   = beta3 s + dlr (1 - beta3) g
 * if ||s||_1 == 0: skip the step
 * num = beta3 num + (1 - beta3) acc
 * d_hat = num / ((1 - beta3) ||s||_1);   d = max(d, min(d_hat, d * growth_rate))
 * p   = p - weight_decay * dlr * p                   (only when decouple; old d)
 * p   = p - m / (sqrt(v) + eps)
 * </pre>
 *
 * Hyperparameters (reference defaults): {@code lr=1.0, betas=(0.9, 0.999), eps=1e-8,
 * weight_decay=0, decouple=false, use_bias_correction=false, d0=1e-6, growth_rate=inf}. The
 * per-group {@code layer_scale} of the reference is 1 (one parameter group). {@code log_every} and
 * {@code fsdp_in_use} are not accepted: diagnostics report "lr" (= dlr), "d" and "d_hat", and
 * sharding is handled by the reducer, which sums (acc, ||s||_1) once per step.
 *
 * <p>Paper: A. Defazio, K. Mishchenko, "Learning-Rate-Free Learning by D-Adaptation", ICML 2023,
 * arXiv:2301.07733. Reference: facebookresearch/dadaptation @ c984980, {@code
 * dadaptation/dadapt_adam.py}.
 *
 * <p>Quirks of the reference, kept:
 *
 * <ul>
 *   <li>quirk: the learning rate (and its schedule) and the bias correction are multiplied into m
 *       when the gradient is accumulated, so a schedule reaches the update with the lag of m's EMA;
 *   <li>quirk: v is not bias-corrected and eps is outside the square root; bias correction is off
 *       by default and enters only through dlr;
 *   <li>quirk: decoupled weight decay uses the old d (dlr computed before the d update);
 *   <li>quirk: on the first step s = 0, so d_hat = 0 and d stays d0;
 *   <li>quirk: when ||s||_1 = 0 the step returns after m, v, s were updated, without moving the
 *       parameters or incrementing k. With lr = 0 nothing is updated at all.
 * </ul>
 *
 * Deviation: the reference returns on a zero local ||s||_1 before its all-reduce (a rank with an
 * empty shard would hang the others); here the reduction always happens and the test is on the
 * global sum. Coupled weight decay is applied to a copy of the gradient (never to model.grads()).
 *
 * <p>State: {@code s}, {@code exp_avg}, {@code exp_avg_sq} (MEAN), scalars {@code d} (MAX), {@code
 * d_prev} (MAX), {@code numerator_weighted} (MEAN), {@code k} (SAME). {@link #reconcile} recomputes
 * d_hat from the merged numerator and ||s||_1 of the merged s (see {@link DAdaptOps#reconciled}).
 *
 * <p>CPU backend: two fused passes, before and after the reducer call ({@link DAdaptAdamKernel},
 * see {@link org.optimbench.optim.internal.Fused}); ND4J ops everywhere else.
 */
public record DAdaptAdam(
    double lr,
    double[] betas,
    double eps,
    double weightDecay,
    boolean decouple,
    boolean useBiasCorrection,
    double d0,
    double growthRate)
    implements Optimizer {
  public DAdaptAdam {
    Checks.positive("lr", lr);
    betas = Checks.betas("betas", betas, 2);
    Checks.positive("eps", eps);
    Checks.nonNegative("weight_decay", weightDecay);
    Checks.positive("d0", d0);
    Checks.atLeast("growth_rate", growthRate, 1);
  }

  static DAdaptAdam from(Hparams hp) {
    return new DAdaptAdam(
        hp.real("lr", 1.0),
        hp.reals("betas", 0.9, 0.999),
        hp.real("eps", 1e-8),
        hp.real("weight_decay", 0),
        hp.bool("decouple", false),
        hp.bool("use_bias_correction", false),
        hp.real("d0", 1e-6),
        hp.real("growth_rate", Double.POSITIVE_INFINITY));
  }

  @Override
  public double[] betas() {
    return betas.clone();
  }

  @Override
  public String name() {
    return "dadapt_adam";
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState st = new OptimizerState();
    st.putArray("s", Vec.zerosLike(model.params()), Combine.MEAN);
    st.putArray("exp_avg", Vec.zerosLike(model.params()), Combine.MEAN);
    st.putArray("exp_avg_sq", Vec.zerosLike(model.params()), Combine.MEAN);
    st.putScalar("d", d0, Combine.MAX);
    st.putScalar("d_prev", d0, Combine.MAX);
    st.putScalar("numerator_weighted", 0, Combine.MEAN);
    st.putScalar("k", 0, Combine.SAME);
    return st;
  }

  @Override
  public void step(ModelView model, OptimizerState st, StepContext ctx) {
    double beta1 = betas[0];
    double beta2 = betas[1];
    double beta3 = Math.sqrt(beta2);
    double lrNow = lr * ctx.lrScale();
    double k = st.scalar("k");
    double bc =
        useBiasCorrection
            ? Math.sqrt(1 - Math.pow(beta2, k + 1)) / (1 - Math.pow(beta1, k + 1))
            : 1;
    double d = st.scalar("d");
    double dlr = d * lrNow * bc;
    INDArray p = model.params();
    INDArray s = st.array("s");
    INDArray m = st.array("exp_avg");
    INDArray v = st.array("exp_avg_sq");
    boolean coupled = weightDecay != 0 && !decouple;
    boolean fused = Fused.applies(p, model.grads(), s, m, v);
    INDArray tmp = fused ? null : Vec.scratch(p);

    double acc = 0;
    double l1 = 0;
    if (lrNow > 0 && fused) {
      Fused.Pass pass = Fused.pass().read(model.grads());
      if (coupled) pass.read(p);
      double[] r =
          pass.update(s)
              .update(m)
              .update(v)
              .scratch(1)
              .run(
                  new DAdaptAdamKernel.Accumulate(
                      coupled, weightDecay, beta1, beta2, beta3, dlr, eps));
      acc = dlr * r[0];
      l1 = r[1];
    } else if (lrNow > 0) {
      INDArray g = model.grads();
      if (coupled) {
        g = g.dup();
        Vec.axpy(weightDecay, p, g);
      }
      Vec.sqrtPlusInto(v, eps, tmp);
      Vec.divInto(s, tmp, tmp);
      acc = dlr * Vec.dot(g, tmp);
      Vec.scaleAdd(m, beta1, dlr * (1 - beta1), g);
      Vec.scaleAddSquare(v, beta2, 1 - beta2, g, tmp);
      Vec.scaleAdd(s, beta3, dlr * (1 - beta3), g);
      l1 = Vec.norm1(s);
    }
    double[] sums = ctx.reducer().sum(new double[] {acc, l1});
    if (sums[1] == 0) return;

    double num = beta3 * st.scalar("numerator_weighted") + (1 - beta3) * sums[0];
    double dHat = d;
    double dNew = d;
    if (lrNow > 0) {
      dHat = num / ((1 - beta3) * sums[1]);
      dNew = DAdaptOps.grow(d, dHat, growthRate);
    }
    st.setScalar("numerator_weighted", num);
    st.setScalar("d_prev", d);
    st.setScalar("d", dNew);

    double decay = weightDecay != 0 && decouple ? 1 - weightDecay * dlr : 1;
    if (fused) {
      Fused.pass().read(m).read(v).update(p).run(new DAdaptAdamKernel.Update(decay, eps));
    } else {
      Vec.sqrtPlusInto(v, eps, tmp);
      if (decay != 1) p.muli(decay);
      p.subi(Vec.divInto(m, tmp, tmp));
    }
    st.setScalar("k", k + 1);
    ctx.diagnostics().put("lr", dlr);
    ctx.diagnostics().put("d", dNew);
    ctx.diagnostics().put("d_hat", dHat);
  }

  @Override
  public void reconcile(ModelView model, OptimizerState merged) {
    INDArray s = merged.array("s");
    // ||s||_1 summed as the step summed it, so that merging identical states changes nothing
    boolean fused =
        Fused.applies(
            model.params(), model.grads(), s, merged.array("exp_avg"), merged.array("exp_avg_sq"));
    double l1 = fused ? Fused.norm1(s) : Vec.norm1(s);
    if (merged.scalar("k") == 0 || l1 == 0) return;
    double beta3 = Math.sqrt(betas[1]);
    double dHat = merged.scalar("numerator_weighted") / ((1 - beta3) * l1);
    merged.setScalar(
        "d", DAdaptOps.reconciled(merged.scalar("d"), merged.scalar("d_prev"), dHat, growthRate));
  }
}
