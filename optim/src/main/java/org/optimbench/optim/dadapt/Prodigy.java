package org.optimbench.optim.dadapt;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.optimbench.optim.Combine;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.Segment;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.internal.Fused;
import org.optimbench.optim.internal.PyMath;
import org.optimbench.optim.internal.Vec;
import org.optimbench.optim.spec.Checks;
import org.optimbench.optim.spec.Hparams;

/**
 * Prodigy: Adam whose step size d is estimated, D-Adaptation style, from the weighted inner
 * products of the gradients with the displacement {@code x0 - x}; d enters the moments themselves.
 *
 * <pre>
 * beta3 = beta3 ?? sqrt(beta2);  bc = use_bias_correction ? sqrt(1 - beta2^(k+1)) / (1 - beta1^(k+1)) : 1
 * dlr = d * lr * bc
 * g   = g + weight_decay * p                                 (only when !decouple)
 * ĝ, x̂ = every slice_p-th element of each flattened tensor of g, p
 * num = beta3 num + (d/d0) dlr &lt;ĝ, x0 - x̂&gt;
 * m   = beta1 m + d (1 - beta1) g                            (absent when beta1 = 0)
 * v   = beta2 v + d^2 (1 - beta2) g^2
 * s   = beta3 s + (d/d0) (safeguard_warmup ? d : dlr) ĝ
 * if ||s||_1 == 0: skip the step
 * d_hat = d_coef num / ||s||_1
 * if d == d0: d = max(d, d_hat);  d_max = max(d_max, d_hat);  d = min(d_max, d growth_rate)
 * p   = p - weight_decay * dlr * p                           (only when decouple; old d)
 * p   = p - dlr m / (sqrt(v) + d eps)                        (beta1 > 0; new d in the eps term)
 * p   = p - dlr d g / (sqrt(v) + d eps)                      (beta1 = 0; new d in both places)
 * </pre>
 *
 * Hyperparameters (reference defaults): {@code lr=1.0, betas=(0.9, 0.999), beta3=None, eps=1e-8,
 * weight_decay=0, decouple=true, use_bias_correction=false, safeguard_warmup=false, d0=1e-6,
 * d_coef=1.0, growth_rate=inf, slice_p=1}. {@code fsdp_in_use} is not accepted: sharding is handled
 * by the reducer, which sums (Δnum, ||s||_1) once per step, always (the reference's FSDP path,
 * likewise, never returns before its all-reduce).
 *
 * <p>Paper: K. Mishchenko, A. Defazio, "Prodigy: An Expeditiously Adaptive Parameter-Free Learner",
 * ICML 2024, arXiv:2306.06101. Reference: konstmish/prodigy @ 3efb213, {@code
 * prodigyopt/prodigy.py}.
 *
 * <p>Quirks of the reference, kept:
 *
 * <ul>
 *   <li>quirk: the first increase of d (while d == d0) bypasses the growth_rate cap, so even with
 *       growth_rate = 1 d may jump once from d0 to d_hat and then stays constant;
 *   <li>quirk: the d/d0 factor scales both num and s (cancels in d_hat) and the paper's (1 - beta3)
 *       factors are dropped;
 *   <li>quirk: beta1 = 0 keeps no m and steps with the NEW d times the raw (coupled-decayed)
 *       gradient;
 *   <li>quirk: the eps term of the denominator uses the new d, the step size dlr the old d;
 *   <li>quirk: slice_p > 1 estimates d from every slice_p-th element of each tensor separately
 *       (each tensor's slice starts at its own first element), so s and x0 hold only those
 *       elements;
 *   <li>quirk: with lr = 0 nothing is updated at all (no statistic is accumulated, the step is
 *       skipped).
 * </ul>
 *
 * Deviations: the reference keeps a scalar 0 instead of x0 for a tensor that is all zeros at the
 * first step (memory only; identical arithmetic); here x0 is always a slice copy. Coupled weight
 * decay goes into a copy of the gradient, never into model.grads().
 *
 * <p>State: {@code exp_avg} (if beta1 > 0), {@code exp_avg_sq}, {@code s} (MEAN), {@code p0}
 * (SAME), scalars {@code d}, {@code d_prev}, {@code d_max} (MAX), {@code d_numerator} (MEAN),
 * {@code k} (SAME). {@link #reconcile} recomputes d_hat from the merged numerator and ||s||_1 of
 * the merged s and applies the d0/d_max/growth rule once from the largest pre-step d; d never
 * decreases and stays <= d_max.
 *
 * <p>CPU backend, slice_p = 1: two fused passes, before and after the reducer call ({@link
 * ProdigyKernel}, see {@link org.optimbench.optim.internal.Fused}); ND4J ops everywhere else.
 */
public record Prodigy(
    double lr,
    double[] betas,
    Double beta3,
    double eps,
    double weightDecay,
    boolean decouple,
    boolean useBiasCorrection,
    boolean safeguardWarmup,
    double d0,
    double dCoef,
    double growthRate,
    long sliceP)
    implements Optimizer {
  public Prodigy {
    Checks.positive("lr", lr);
    betas = Checks.betas("betas", betas, 2);
    if (beta3 != null) Checks.unitInterval("beta3", beta3);
    Checks.positive("eps", eps);
    Checks.nonNegative("weight_decay", weightDecay);
    Checks.positive("d0", d0);
    Checks.positive("d_coef", dCoef);
    Checks.atLeast("growth_rate", growthRate, 1);
    Checks.positive("slice_p", sliceP);
  }

  static Prodigy from(Hparams hp) {
    return new Prodigy(
        hp.real("lr", 1.0),
        hp.reals("betas", 0.9, 0.999),
        hp.optionalReal("beta3"),
        hp.real("eps", 1e-8),
        hp.real("weight_decay", 0),
        hp.bool("decouple", true),
        hp.bool("use_bias_correction", false),
        hp.bool("safeguard_warmup", false),
        hp.real("d0", 1e-6),
        hp.real("d_coef", 1.0),
        hp.real("growth_rate", Double.POSITIVE_INFINITY),
        hp.integer("slice_p", 1));
  }

  @Override
  public double[] betas() {
    return betas.clone();
  }

  @Override
  public String name() {
    return "prodigy";
  }

  /**
   * Every slice_p-th element of each segment of {@code flat} (strided views), or {@code flat}
   * itself when slice_p = 1.
   */
  private List<INDArray> sliced(ModelView model, INDArray flat) {
    if (sliceP == 1) return List.of(flat);
    List<INDArray> out = new ArrayList<>(model.layout().size());
    for (Segment seg : model.layout().segments()) {
      out.add(ModelView.slice(flat, seg).get(NDArrayIndex.interval(0, sliceP, seg.length())));
    }
    return out;
  }

  /** The per-segment parts of a state vector that holds the concatenated slices. */
  private List<INDArray> parts(ModelView model, INDArray state) {
    if (sliceP == 1) return List.of(state);
    List<INDArray> out = new ArrayList<>(model.layout().size());
    long at = 0;
    for (Segment seg : model.layout().segments()) {
      long n = (seg.length() + sliceP - 1) / sliceP;
      out.add(state.get(NDArrayIndex.interval(at, at + n)));
      at += n;
    }
    return out;
  }

  @Override
  public OptimizerState init(ModelView model) {
    INDArray p = model.params();
    List<INDArray> xs = sliced(model, p);
    long n = 0;
    for (INDArray x : xs) n += x.length();
    INDArray p0 =
        sliceP == 1
            ? p.dup()
            : Nd4j.concat(0, xs.stream().map(INDArray::dup).toArray(INDArray[]::new));
    OptimizerState st = new OptimizerState();
    st.putArray("s", Nd4j.zeros(p.dataType(), n), Combine.MEAN);
    st.putArray("p0", p0.reshape(n), Combine.SAME);
    if (betas[0] > 0) st.putArray("exp_avg", Vec.zerosLike(p), Combine.MEAN);
    st.putArray("exp_avg_sq", Vec.zerosLike(p), Combine.MEAN);
    st.putScalar("d", d0, Combine.MAX);
    st.putScalar("d_prev", d0, Combine.MAX);
    st.putScalar("d_max", d0, Combine.MAX);
    st.putScalar("d_numerator", 0, Combine.MEAN);
    st.putScalar("k", 0, Combine.SAME);
    return st;
  }

  @Override
  public void step(ModelView model, OptimizerState st, StepContext ctx) {
    double beta1 = betas[0];
    double beta2 = betas[1];
    double b3 = beta3 != null ? beta3 : Math.sqrt(beta2);
    double lrNow = lr * ctx.lrScale();
    double k = st.scalar("k");
    double bc =
        useBiasCorrection
            ? Math.sqrt(1 - Math.pow(beta2, k + 1)) / (1 - Math.pow(beta1, k + 1))
            : 1;
    double d = st.scalar("d");
    double dlr = d * lrNow * bc;
    INDArray p = model.params();
    INDArray g = model.grads();
    INDArray s = st.array("s");
    INDArray v = st.array("exp_avg_sq");
    INDArray m = beta1 > 0 ? st.array("exp_avg") : null;
    INDArray p0 = st.array("p0");
    boolean coupled = weightDecay != 0 && !decouple;
    boolean fused =
        sliceP == 1
            && (m != null ? Fused.applies(p, g, s, v, p0, m) : Fused.applies(p, g, s, v, p0));
    INDArray tmp = null;
    if (!fused) {
      if (coupled) {
        g = g.dup();
        Vec.axpy(weightDecay, p, g);
      }
      tmp = Vec.scratch(p);
    }

    double deltaNum = 0;
    double den = 0;
    double c = (d / d0) * (safeguardWarmup ? d : dlr);
    if (lrNow > 0 && fused) {
      Fused.Pass pass = Fused.pass().read(g).read(p).read(p0);
      if (m != null) pass.update(m);
      double[] r =
          pass.update(v)
              .update(s)
              .scratch(1)
              .run(
                  new ProdigyKernel.Accumulate(
                      coupled,
                      weightDecay,
                      m != null,
                      beta1,
                      d * (1 - beta1),
                      beta2,
                      d * d * (1 - beta2),
                      b3,
                      c));
      deltaNum = (d / d0) * dlr * r[0];
      den = r[1];
    } else if (lrNow > 0) {
      List<INDArray> gs = sliced(model, g);
      List<INDArray> xs = sliced(model, p);
      List<INDArray> x0s = parts(model, p0);
      List<INDArray> ss = parts(model, s);
      INDArray diff = sliceP == 1 ? tmp : Vec.scratch(s);
      List<INDArray> diffs = parts(model, diff);
      double dot = 0;
      for (int i = 0; i < gs.size(); i++)
        dot += Vec.dot(gs.get(i), Vec.subInto(x0s.get(i), xs.get(i), diffs.get(i)));
      deltaNum = (d / d0) * dlr * dot;
      if (m != null) Vec.scaleAdd(m, beta1, d * (1 - beta1), g);
      Vec.scaleAddSquare(v, beta2, d * d * (1 - beta2), g, tmp);
      if (sliceP == 1) {
        Vec.scaleAdd(s, b3, c, g);
      } else {
        for (int i = 0; i < gs.size(); i++)
          ss.get(i).muli(b3).addi(gs.get(i).mul(c)); // strided slices: plain ops, not BLAS
      }
      den = Vec.norm1(s);
    }
    double[] sums = ctx.reducer().sum(new double[] {deltaNum, den});
    if (sums[1] == 0) return;

    double num = b3 * st.scalar("d_numerator") + sums[0];
    double dHat = dCoef * num / sums[1];
    double dMax = st.scalar("d_max");
    double dNew = d;
    if (dNew == d0) dNew = PyMath.max(dNew, dHat);
    dMax = PyMath.max(dMax, dHat);
    dNew = PyMath.min(dMax, dNew * growthRate);
    st.setScalar("d_numerator", num);
    st.setScalar("d_prev", d);
    st.setScalar("d", dNew);
    st.setScalar("d_max", dMax);

    double decay = weightDecay != 0 && decouple ? 1 - weightDecay * dlr : 1;
    if (fused) {
      Fused.pass()
          .read(v)
          .read(m != null ? m : g)
          .update(p)
          .scratch(1)
          .run(
              new ProdigyKernel.Update(
                  coupled && m == null,
                  weightDecay,
                  decay,
                  m != null ? -dlr : -dlr * dNew,
                  dNew * eps));
    } else {
      Vec.sqrtPlusInto(v, dNew * eps, tmp);
      if (decay != 1) p.muli(decay);
      if (m != null) Vec.axpy(-dlr, Vec.divInto(m, tmp, tmp), p);
      else Vec.axpy(-dlr * dNew, Vec.divInto(g, tmp, tmp), p);
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
    INDArray v = merged.array("exp_avg_sq");
    INDArray p0 = merged.array("p0");
    boolean fused =
        sliceP == 1
            && (betas[0] > 0
                ? Fused.applies(model.params(), model.grads(), s, v, p0, merged.array("exp_avg"))
                : Fused.applies(model.params(), model.grads(), s, v, p0));
    double den = fused ? Fused.norm1(s) : Vec.norm1(s);
    if (merged.scalar("k") == 0 || den == 0) return;
    double dHat = dCoef * merged.scalar("d_numerator") / den;
    if (!Double.isFinite(dHat)) return;
    double d = merged.scalar("d_prev");
    if (d == d0) d = PyMath.max(d, dHat);
    double dMax = PyMath.max(merged.scalar("d_max"), dHat);
    d = PyMath.min(dMax, d * growthRate);
    merged.setScalar("d_max", dMax);
    merged.setScalar("d", PyMath.max(merged.scalar("d"), d));
  }
}
