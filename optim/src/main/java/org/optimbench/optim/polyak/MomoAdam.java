package org.optimbench.optim.polyak;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.optimbench.optim.Combine;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.Segment;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.internal.Fused;
import org.optimbench.optim.internal.Vec;
import org.optimbench.optim.spec.Checks;
import org.optimbench.optim.spec.Hparams;

/**
 * MoMo-Adam: Adam's direction m/D with the MoMo model-based step size (a Polyak-type adaptive
 * learning rate from momentum averages of the loss, the gradient and ⟨x, g⟩, in Adam's metric).
 *
 * <pre>
 * k ← k + 1 ;  bc1 = 1 − β1^k ;  bc2 = 1 − β2^k
 * per tensor p: m ← β1 m + (1 − β1) g ;  v ← β2 v + (1 − β2) g² ;  γ_p ← β1 γ_p + (1 − β1) ⟨x_p, g_p⟩
 *               D = sqrt(v / bc2) + eps
 * dot = Σ ⟨x, m⟩ ;  Γ = Σ_p γ_p ;  N = Σ m (m / D)                     (one reducer call)
 * f̄ ← (1 − β1) f + β1 f̄                                               (f̄ starts at 0)
 * a = 1 + lr λ
 * use_fstar: cap = a f̄ + dot − a Γ ; if cap &lt; a bc1 lb: lb ← max(cap / (2 a bc1), lb_init)
 * τ = min(lr / bc1, max(a (f̄ − bc1 lb) + dot − a Γ, 0) / N)
 * use_fstar: lb ← max((f̄ + dot − Γ − τ N / 2) / bc1, lb_init)
 * λ &gt; 0 and !divide: x ← x (1 − λ lr)          (AdamW-style decay)
 * x ← x − τ m / D
 * λ &gt; 0 and divide:  x ← x / (1 + λ lr)        (proximal decay)
 * </pre>
 *
 * Hyperparameters (defaults as the reference): {@code lr=1e-2, betas=[0.9, 0.999], eps=1e-8,
 * weight_decay=0, lb=0, divide=true, use_fstar=false}. Diagnostics: {@code lr} (τ) and {@code lb}.
 *
 * <p>Paper: F. Schaipp, R. Ohana, M. Eickenberg, A. Defazio, R. M. Gower, "MoMo: Momentum Models
 * for Adaptive Learning Rates", ICML 2024, arXiv 2305.07583. Reference: fabian-sp/MoMo @ 7be52f2,
 * {@code momo/momo_adam.py} ({@code MomoAdam}). Quirks of the reference:
 *
 * <ul>
 *   <li>quirk: bc2 in the first loop uses each tensor's own step counter and in the update loop the
 *       global one. Every tensor of a {@link ModelView} has a gradient on every step, so the two
 *       counters are always equal here and one counter ("step") serves both;
 *   <li>quirk: the loss average f̄ is bias-corrected only through bc1 inside the model (it starts
 *       at 0, unlike MoMo's f̄ = f on the first step);
 *   <li>quirk: with {@code use_fstar} the user's {@code lb} is a floor (never undercut);
 *   <li>quirk: no guard for N = 0 (Python's {@code min(lr/bc1, nan)} is lr/bc1; reproduced);
 *   <li>quirk: AdamW-style decay ({@code divide=false}) multiplies by 1 − λ lr before the step and
 *       the model's factor a = 1 + lr λ is used in τ either way.
 * </ul>
 *
 * Deviations: γ_p, f̄ and lb are doubles (the reference keeps γ_p and f̄ as tensors). Distributed
 * use: the loss must be averaged across workers before the step (the reference does not, and
 * replicas drift); under sharding dot, Γ and N are per-worker partial sums reduced in one call.
 *
 * <p>CPU backend: two fused passes, before and after the reducer call ({@link MomoAdamKernel}, see
 * {@link org.optimbench.optim.internal.Fused}); ND4J ops everywhere else.
 */
public record MomoAdam(
    double lr,
    double[] betas,
    double eps,
    double weightDecay,
    double lb,
    boolean divide,
    boolean useFstar)
    implements Optimizer {
  public MomoAdam {
    Checks.nonNegative("lr", lr);
    betas = Checks.betas("betas", betas, 2);
    Checks.nonNegative("eps", eps);
    Checks.nonNegative("weight_decay", weightDecay);
    Checks.finite("lb", lb);
  }

  static MomoAdam from(Hparams hp) {
    return new MomoAdam(
        hp.real("lr", 1e-2),
        hp.reals("betas", 0.9, 0.999),
        hp.real("eps", 1e-8),
        hp.real("weight_decay", 0),
        hp.real("lb", 0),
        hp.bool("divide", true),
        hp.bool("use_fstar", false));
  }

  @Override
  public double[] betas() {
    return betas.clone();
  }

  @Override
  public String name() {
    return "momo_adam";
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState s = new OptimizerState();
    s.putScalar("step", 0, Combine.SAME);
    s.putArray("grad_avg", Vec.zerosLike(model.params()), Combine.MEAN);
    s.putArray("grad_avg_sq", Vec.zerosLike(model.params()), Combine.MEAN);
    s.putScalars("grad_dot_w", new double[model.layout().size()], Combine.MEAN);
    s.putScalar("loss_avg", 0, Combine.MEAN);
    s.putScalar("lb", lb, Combine.MEAN);
    return s;
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    double loss = ctx.requireLoss(name());
    double lrNow = lr * ctx.lrScale();
    double beta1 = betas[0];
    double beta2 = betas[1];
    long k = (long) state.scalar("step") + 1;
    double bc1 = 1 - Math.pow(beta1, k);
    double bc2 = 1 - Math.pow(beta2, k);
    INDArray x = model.params();
    INDArray g = model.grads();
    INDArray m = state.array("grad_avg");
    INDArray v = state.array("grad_avg_sq");
    double[] gamma = state.scalarsRef("grad_dot_w");

    double[] partial = new double[3]; // dot, Γ, N
    boolean fused = Fused.applies(x, g, m, v);
    INDArray ratio = null;
    if (fused) {
      Fused.Pass pass = Fused.pass().read(g).read(x).update(m).update(v);
      MomoAdamKernel.Moments moments = new MomoAdamKernel.Moments(beta1, beta2, bc2, eps);
      for (int i = 0; i < model.layout().size(); i++) {
        Segment seg = model.layout().segment(i);
        double[] r =
            pass.run(moments, seg.offset(), seg.end()); // <x_i, g_i>, <x_i, m_i>, <m_i, m_i / D_i>
        gamma[i] = beta1 * gamma[i] + (1 - beta1) * r[0];
        partial[1] += gamma[i];
        partial[0] += r[1];
        partial[2] += r[2];
      }
    } else {
      Vec.scaleAdd(m, beta1, 1 - beta1, g);
      ratio = Nd4j.createUninitialized(g.dataType(), g.shape());
      Vec.scaleAddSquare(v, beta2, 1 - beta2, g, ratio);
      for (int i = 0; i < model.layout().size(); i++) {
        gamma[i] = beta1 * gamma[i] + (1 - beta1) * Vec.dot(model.param(i), model.grad(i));
        partial[1] += gamma[i];
      }
      // ratio = m / (sqrt(v / bc2) + eps), shared by N and the update
      ratio.assign(v).divi(bc2);
      Transforms.sqrt(ratio, false).addi(eps);
      ratio.rdivi(m);
      partial[0] = Vec.dot(x, m);
      partial[2] = Vec.dot(m, ratio);
    }
    double[] sums = ctx.reducer().sum(partial);
    double dot = sums[0];
    double gam = sums[1];
    double norm = sums[2];

    double lossAvg = (1 - beta1) * loss + beta1 * state.scalar("loss_avg");
    MomoStepSize step =
        MomoStepSize.of(
            lossAvg, dot, gam, norm, lrNow, weightDecay, bc1, state.scalar("lb"), lb, useFstar);
    double tau = step.tau();
    double lowerBound = step.lowerBound();

    double pre = weightDecay > 0 && !divide ? 1 - weightDecay * lrNow : 1;
    double post = weightDecay > 0 && divide ? 1 + weightDecay * lrNow : 1;
    if (fused) {
      Fused.pass()
          .read(m)
          .read(v)
          .update(x)
          .run(new MomoAdamKernel.Update(pre, tau, post, bc2, eps));
    } else {
      if (pre != 1) x.muli(pre);
      Vec.axpy(-tau, ratio, x);
      if (post != 1) x.divi(post);
    }

    state.setScalar("step", k);
    state.setScalar("loss_avg", lossAvg);
    state.setScalar("lb", lowerBound);
    ctx.diagnostics().put("lr", tau);
    ctx.diagnostics().put("lb", lowerBound);
  }
}
