package org.optimbench.optim.polyak;

import org.nd4j.linalg.api.ndarray.INDArray;
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
 * MoMo: SGD with heavy-ball momentum whose step size comes from a truncated model of the loss built
 * from momentum averages of losses, gradients and ⟨x, g⟩ (a Polyak-type adaptive learning rate).
 *
 * <pre>
 * k ← k + 1                                   (k is 1-based)
 * k == 1: bias_correction ? (f̄ = 0, d = 0, γ_p = 0) : (f̄ = f, d = g, γ_p = ⟨x_p, g_p⟩)
 * f̄ ← β f̄ + (1 − β) f ;  ρ = bias_correction ? 1 − β^k : 1
 * per tensor p: d ← β d + (1 − β) g ;  γ_p ← β γ_p + (1 − β) ⟨x_p, g_p⟩     (x before the step)
 * dot = Σ ⟨x, d⟩ ;  Γ = Σ_p γ_p ;  N = Σ ‖d‖²                               (one reducer call)
 * a = 1 + lr λ
 * use_fstar: cap = a f̄ + dot − a Γ ; if cap &lt; a ρ lb: lb ← max(cap / (2 a ρ), lb_init)
 * t = max(a (f̄ − ρ lb) + dot − a Γ, 0) / N ;  τ = min(lr / ρ, t)
 * use_fstar: lb ← max((f̄ + dot − Γ − τ N / 2) / ρ, lb_init)
 * x ← (x − τ d) / a                                                         (proximal weight decay)
 * </pre>
 *
 * Hyperparameters (defaults as the reference): {@code lr=1.0, weight_decay=0, beta=0.9, lb=0,
 * bias_correction=false, use_fstar=false}. The loss is the batch loss {@code ctx.requireLoss}.
 * Diagnostics: {@code lr} (τ, the step size used) and {@code lb} (the lower bound in use after the
 * step).
 *
 * <p>Paper: F. Schaipp, R. Ohana, M. Eickenberg, A. Defazio, R. M. Gower, "MoMo: Momentum Models
 * for Adaptive Learning Rates", ICML 2024, arXiv 2305.07583. Reference: fabian-sp/MoMo @ 7be52f2,
 * {@code momo/momo.py} ({@code Momo}). Quirks of the reference, reproduced:
 *
 * <ul>
 *   <li>quirk: with {@code use_fstar} the user's {@code lb} is a floor: the estimate never goes
 *       below it;
 *   <li>quirk: the lb update uses f̄ + dot − Γ without the weight-decay factor a;
 *   <li>quirk: no guard for N = 0: t is NaN or +inf, and Python's {@code min(lr/ρ, t)} then returns
 *       lr/ρ (its first argument); we reproduce Python's min/max argument order, so a zero momentum
 *       vector leaves x unchanged instead of producing NaN;
 *   <li>quirk: first step without bias correction: f̄ and d are set to f and g and then averaged
 *       with themselves (so the first step is the stochastic Polyak step min(lr, (f − lb)₊/‖g‖²)).
 * </ul>
 *
 * Deviations: {@code beta} must be in [0, 1) (the reference accepts 1, which freezes d forever);
 * γ_p, f̄ and lb are kept in double (the reference keeps γ_p and f̄ as tensors in the model dtype).
 *
 * <p>Distributed use: the reference has no collectives. The loss must be averaged across workers
 * before the step (the trainer passes the averaged loss): a local loss gives each replica its own τ
 * and the replicas drift apart silently. Under parameter sharding dot, Γ and N are partial sums per
 * worker reduced in one call; γ_p is linear in the elements, so per-shard partial γ's sum exactly.
 *
 * <p>CPU backend: two fused passes, before and after the reducer call ({@link MomoKernel}, see
 * {@link Fused}); ND4J ops everywhere else.
 */
public record Momo(
    double lr, double weightDecay, double beta, double lb, boolean biasCorrection, boolean useFstar)
    implements Optimizer {
  public Momo {
    Checks.nonNegative("lr", lr);
    Checks.nonNegative("weight_decay", weightDecay);
    Checks.unitInterval("beta", beta);
    Checks.finite("lb", lb);
  }

  static Momo from(Hparams hp) {
    return new Momo(
        hp.real("lr", 1.0),
        hp.real("weight_decay", 0),
        hp.real("beta", 0.9),
        hp.real("lb", 0),
        hp.bool("bias_correction", false),
        hp.bool("use_fstar", false));
  }

  @Override
  public String name() {
    return "momo";
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState s = new OptimizerState();
    s.putScalar("step", 0, Combine.SAME);
    s.putArray("grad_avg", Vec.zerosLike(model.params()), Combine.MEAN);
    s.putScalars("grad_dot_w", new double[model.layout().size()], Combine.MEAN);
    s.putScalar("loss_avg", 0, Combine.MEAN);
    s.putScalar("lb", lb, Combine.MEAN);
    return s;
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    double loss = ctx.requireLoss(name());
    double lrNow = lr * ctx.lrScale();
    long k = (long) state.scalar("step") + 1;
    INDArray x = model.params();
    INDArray g = model.grads();
    INDArray d = state.array("grad_avg");
    double[] gamma = state.scalarsRef("grad_dot_w");
    int segments = model.layout().size();

    double lossAvg = state.scalar("loss_avg");
    if (k == 1 && !biasCorrection) lossAvg = loss;
    lossAvg = beta * lossAvg + (1 - beta) * loss;
    double rho = biasCorrection ? 1 - Math.pow(beta, k) : 1;

    boolean first = k == 1 && !biasCorrection;
    double[] partial = new double[3]; // dot, Γ, N
    boolean fused = Fused.applies(x, g, d);
    if (fused) {
      Fused.Pass pass = Fused.pass().read(g).read(x).update(d);
      MomoKernel.Average average = new MomoKernel.Average(first, beta);
      for (int i = 0; i < segments; i++) {
        Segment seg = model.layout().segment(i);
        double[] r = pass.run(average, seg.offset(), seg.end()); // <x_i, g_i>, <x_i, d_i>, ‖d_i‖²
        if (first) gamma[i] = r[0];
        gamma[i] = beta * gamma[i] + (1 - beta) * r[0];
        partial[1] += gamma[i];
        partial[0] += r[1];
        partial[2] += r[2];
      }
    } else {
      if (first) d.assign(g);
      Vec.scaleAdd(d, beta, 1 - beta, g);
      for (int i = 0; i < segments; i++) {
        INDArray xi = model.param(i);
        double xg = Vec.dot(xi, model.grad(i));
        if (first) gamma[i] = xg;
        gamma[i] = beta * gamma[i] + (1 - beta) * xg;
        partial[1] += gamma[i];
      }
      partial[0] = Vec.dot(x, d);
      partial[2] = Vec.sumSq(d);
    }
    double[] sums = ctx.reducer().sum(partial);
    double dot = sums[0];
    double gam = sums[1];
    double norm = sums[2];

    MomoStepSize step =
        MomoStepSize.of(
            lossAvg, dot, gam, norm, lrNow, weightDecay, rho, state.scalar("lb"), lb, useFstar);
    double tau = step.tau();
    double lowerBound = step.lowerBound();

    double div = weightDecay > 0 ? 1 + lrNow * weightDecay : 1;
    if (fused) {
      Fused.pass().read(d).update(x).run(new MomoKernel.Update(tau, div));
    } else {
      Vec.axpy(-tau, d, x);
      if (div != 1) x.divi(div);
    }

    state.setScalar("step", k);
    state.setScalar("loss_avg", lossAvg);
    state.setScalar("lb", lowerBound);
    ctx.diagnostics().put("lr", tau);
    ctx.diagnostics().put("lb", lowerBound);
  }
}
