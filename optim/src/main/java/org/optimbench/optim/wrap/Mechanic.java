package org.optimbench.optim.wrap;

import java.util.Arrays;
import java.util.Objects;
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
 * Mechanic: learns a scalar scale for the cumulative update of any base optimizer, so that the base
 * learning rate need not be tuned (Cutkosky, Defazio, Mehta, "Mechanic: A Learning Rate Tuner",
 * arXiv 2306.00144). Same algorithm, step for step, as the PyTorch reference {@code
 * optimizedlearning/mechanic @ 4a037bc, src/mechanic_pytorch/mechanic.py} ({@code mechanize}).
 *
 * <p>State: the reference point {@code x_ref} (params at {@link #init}), per-beta scalar vectors
 * {@code s, m, v, r} (length n = len(betas)), the base optimizer's state as child {@code "base"},
 * and {@code delta} only with {@code store_delta}. One step, with S = Σs before the step:
 *
 * <pre>
 * X = copy(params);  base.step(params)                 // the base runs on the real params
 * Δ = store_delta ? delta : (X − x_ref) / (S + eps)
 * gn = ‖g‖₂,  xn = ‖params‖₂ (after the base step)    // g: the raw gradient
 * h = ⟨Δ, g + s_decay·S·gn/(xn + eps)·params⟩          // params after the base step
 * Δ ← Δ + (params − X)
 * m ← max(β·m, |h|);  v ← β²·v + h²;  r ← max(0, β·r − s·h)     // element-wise over the betas
 * s ← ((s_init/n)·m + r) / (sqrt(v) + eps)
 * params ← x_ref + Δ·max(Σs, 0)
 * </pre>
 *
 * The three global scalars Σg², Σparams², and h (as ⟨Δ,g⟩ and ⟨Δ,params⟩) go through one reducer
 * call per step; the base optimizer makes its own. First step: Δ = 0, so h = 0 and Σs = 1e-6·Σβ/n
 * (9.8148e-7 with the default betas).
 *
 * <p>Hyperparameters (reference names and defaults): {@code base} (nested spec, required), {@code
 * s_decay} 0.01 (λ in the paper), {@code betas} (0.9, 0.99, 0.999, 0.9999, 0.99999, 0.999999),
 * {@code s_init} 1e-8, {@code eps} 1e-8, {@code store_delta} false. The learning-rate schedule
 * reaches the base optimizer (its lr is multiplied by the factor, as LambdaLR does to the wrapped
 * group); Mechanic itself has no lr. Diagnostics: {@code s_sum}, and the base's under {@code
 * base.}.
 *
 * <p>Quirks of the PyTorch reference, kept (the paper's experiments used the JAX/optax version,
 * which differs in each point):
 *
 * <ul>
 *   <li>quirk: s starts at 0, not s_init; s_init only enters through the wealth term (s_init/n)·m;
 *   <li>quirk: m starts at 1e-6 (JAX: 0, with eps added to |h| instead);
 *   <li>quirk: eps placement: Δ = (X − x_ref)/(S + eps) and s = W/(sqrt(v) + eps), no eps in m;
 *   <li>quirk: r is stored clamped at 0 (JAX stores it unclamped and clamps in the wealth), and h
 *       is not clipped (optax contrib clips it to ±m);
 *   <li>quirk: the parameter norm and the decay term use the params after the base step (JAX:
 *       before);
 *   <li>quirk: without store_delta, Δ is recomputed from params, which differs from the accumulated
 *       Δ by the eps in (S + eps).
 * </ul>
 *
 * Deviations: x_ref is taken in {@link #init} (the reference takes it lazily at the first step,
 * from the same params); scalars are doubles in every model dtype (the reference uses the default
 * torch dtype). The reference has no collectives; here h, ‖g‖, ‖x‖ are reduced across workers.
 * Bases that evaluate elsewhere than at params (Schedule-Free) are not supported by the reference
 * either.
 *
 * <p>CPU backend: Mechanic's own work around the base step is two fused passes, before and after
 * the reducer call ({@link MechanicKernel}, see {@link Fused}); ND4J ops everywhere else. The base
 * optimizer takes its own fused path where it has one.
 */
public record Mechanic(
    Optimizer base, double sDecay, double[] betas, double sInit, double eps, boolean storeDelta)
    implements Optimizer {
  /** Initial value of every m (max_product) entry in the PyTorch reference. */
  static final double M_INIT = 1e-6;

  public Mechanic {
    Objects.requireNonNull(base, "base");
    Checks.finite("s_decay", Checks.nonNegative("s_decay", sDecay));
    Checks.require(betas.length > 0, "betas", "expected at least one value");
    betas = betas.clone();
    for (int i = 0; i < betas.length; i++) Checks.unitInterval("betas[" + i + "]", betas[i]);
    Checks.finite("s_init", Checks.positive("s_init", sInit));
    Checks.finite("eps", Checks.nonNegative("eps", eps));
  }

  static Mechanic from(Hparams hp) {
    Optimizer base = hp.optimizer("base");
    return new Mechanic(
        base,
        hp.real("s_decay", 0.01),
        hp.reals("betas", 0.9, 0.99, 0.999, 0.9999, 0.99999, 0.999999),
        hp.real("s_init", 1e-8),
        hp.real("eps", 1e-8),
        hp.bool("store_delta", false));
  }

  @Override
  public double[] betas() {
    return betas.clone();
  }

  @Override
  public String name() {
    return "mechanic";
  }

  @Override
  public OptimizerState init(ModelView model) {
    int n = betas.length;
    OptimizerState s = new OptimizerState();
    s.putScalar("step", 0, Combine.SAME);
    s.putArray("x_ref", model.params().dup(), Combine.SAME);
    if (storeDelta) s.putArray("delta", Vec.zerosLike(model.params()), Combine.MEAN);
    s.putScalars("s", new double[n], Combine.MEAN);
    double[] m = new double[n];
    Arrays.fill(m, M_INIT);
    s.putScalars("m", m, Combine.MEAN);
    s.putScalars("v", new double[n], Combine.MEAN);
    s.putScalars("r", new double[n], Combine.MEAN);
    s.putChild("base", base.init(model));
    return s;
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    INDArray p = model.params();
    INDArray g = model.grads();
    INDArray xRef = state.array("x_ref");
    double[] s = state.scalarsRef("s");
    double sumS = sum(s);

    INDArray update = p.dup(); // X: params before the base step; becomes the base update below
    base.step(model, state.child("base"), ctx.withDiagnostics(ctx.diagnostics().prefixed("base")));

    INDArray stored = storeDelta ? state.array("delta") : null;
    boolean fused =
        storeDelta ? Fused.applies(p, g, update, xRef, stored) : Fused.applies(p, g, update, xRef);
    INDArray delta; // Δ, then Δ + (params − X)
    double[] partial;
    if (fused) {
      Fused.Pass pass = Fused.pass().read(g).read(p);
      if (storeDelta) pass.read(update).update(stored);
      else pass.update(update).read(xRef); // X becomes Δ_new
      partial = pass.scratch(1).run(new MechanicKernel.Accumulate(storeDelta, sumS + eps));
      delta = storeDelta ? stored : update;
    } else {
      delta = storeDelta ? stored : update.sub(xRef).divi(sumS + eps);
      partial = new double[] {Vec.sumSq(g), Vec.sumSq(p), Vec.dot(delta, g), Vec.dot(delta, p)};
      update.rsubi(p); // params − X
      delta.addi(update);
    }
    double[] tot = ctx.reducer().sum(partial);
    double gradNorm = Math.sqrt(tot[0]);
    double paramNorm = Math.sqrt(tot[1]);
    double h = tot[2] + sDecay * sumS * gradNorm / (paramNorm + eps) * tot[3];

    double[] m = state.scalarsRef("m");
    double[] v = state.scalarsRef("v");
    double[] r = state.scalarsRef("r");
    int n = betas.length;
    for (int i = 0; i < n; i++) {
      double b = betas[i];
      m[i] = Math.max(b * m[i], Math.abs(h));
      v[i] = v[i] * (b * b) + h * h;
      r[i] = Math.max(0.0, r[i] * b - s[i] * h);
      double wealth = m[i] * sInit / n + r[i];
      s[i] = wealth / (Math.sqrt(v[i]) + eps);
    }
    double newSum = sum(s);
    if (fused)
      Fused.pass()
          .read(delta)
          .read(xRef)
          .write(p)
          .run(new MechanicKernel.Apply(Math.max(newSum, 0.0)));
    else p.assign(delta).muli(Math.max(newSum, 0.0)).addi(xRef);

    state.setScalar("step", state.scalar("step") + 1);
    ctx.diagnostics().put("s_sum", newSum);
  }

  /**
   * After averaging, params are no longer x_ref + Δ·Σs for the averaged Δ and s; with store_delta,
   * Δ is re-derived from the merged params exactly as the store_delta=false path derives it every
   * step. The base optimizer reconciles its own child state.
   */
  @Override
  public void reconcile(ModelView model, OptimizerState merged) {
    if (storeDelta) {
      INDArray delta = merged.array("delta");
      delta
          .assign(model.params())
          .subi(merged.array("x_ref"))
          .divi(sum(merged.scalarsRef("s")) + eps);
    }
    base.reconcile(model, merged.child("base"));
  }

  private static double sum(double[] a) {
    double t = 0;
    for (double x : a) t += x;
    return t;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Mechanic c
        && c.base.equals(base)
        && c.sDecay == sDecay
        && Arrays.equals(c.betas, betas)
        && c.sInit == sInit
        && c.eps == eps
        && c.storeDelta == storeDelta;
  }

  @Override
  public int hashCode() {
    return Objects.hash(base, sDecay, Arrays.hashCode(betas), sInit, eps, storeDelta);
  }

  @Override
  public String toString() {
    return "Mechanic[base="
        + base
        + ", s_decay="
        + sDecay
        + ", betas="
        + Arrays.toString(betas)
        + ", s_init="
        + sInit
        + ", eps="
        + eps
        + ", store_delta="
        + storeDelta
        + "]";
  }
}
