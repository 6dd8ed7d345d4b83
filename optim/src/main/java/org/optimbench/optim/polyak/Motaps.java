package org.optimbench.optim.polyak;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.Combine;
import org.optimbench.optim.ExampleStore;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.internal.Vec;
import org.optimbench.optim.spec.Checks;
import org.optimbench.optim.spec.Hparams;

/**
 * A stochastic Polyak step with per-example loss targets and a moving global target, after MOTAPS
 * (R. M. Gower, A. Defazio, M. Rabbat, "Stochastic Polyak Stepsize with a Moving Target", arXiv
 * 2106.11851). No public code exists.
 *
 * <p><b>Honest status.</b> The paper's Algorithm (its exact MOTAPS/TAPS coefficients) could not be
 * retrieved here: only the abstract was reachable. What the abstract fixes: one auxiliary scalar
 * α_i per training example that tracks that example's loss; a target τ for the loss that moves; the
 * stochastic Polyak step viewed as a (subsampled) Newton–Raphson projection onto the linearised
 * interpolation equation. The equations below are our derivation from that description (the
 * projection form is the one in docs/METHODS-NOTES.md, "Methods without reference code"), not a
 * transcription of the paper; expected values in the tests are these equations worked by hand.
 *
 * <p><b>Mini-batches.</b> The step context carries the batch's mean loss f and mean gradient g, not
 * per-example losses. The batch is therefore treated as one constraint f_B(x) = a whose target a is
 * the mean ā of the batch's α_i; every α_i of the batch moves by the same amount, so the batch mean
 * follows a. With batch size 1 this is the per-example method.
 *
 * <pre>
 * read α_i for the batch ids; an id never seen before gets α_i = τ            (M0, first visit)
 * ā = mean_B α_i ;  N = ‖g‖²                                                (N: one reducer call)
 * s = γ (f − ā) / (N + 1)                                                     (M1)
 * x ← x − s g ;  a = ā + s        projection of (x, a) onto f + ⟨g, Δx⟩ = a   (M2)
 * e = a − τ ;  a ← a − γ e / 2 ;  τ ← τ + γ e / 2 − γ λ                      (M3) a = τ, target moved down by λ
 * α_i ← α_i + (a − ā) for i in B                                              (M4)
 * </pre>
 *
 * γ = lr × schedule factor. Hyperparameters: {@code lr} (γ, relaxation of both projections, default
 * 1.0), {@code lmbda} (λ ≥ 0, how fast the target is pushed down, default 0.01), {@code tau}
 * (initial target τ₀, default 0: the usual lower bound of a loss). With λ = 0 and a target that
 * stays at a known optimal loss this is TAPS-like; τ only moves through (M3).
 *
 * <p>First visit (M0): a new example starts at the current target τ, so a batch of new examples
 * takes the damped stochastic Polyak step γ (f − τ)/(‖g‖² + 1) towards the target, and from then on
 * its α_i tracks its loss. (Starting at the observed loss instead would give s = 0 on every first
 * visit, i.e. no progress during the whole first epoch of a large dataset.) Example ids must be
 * stable across epochs; the store never forgets.
 *
 * <p>State: τ and a step counter in the optimizer state; α_i in {@code ctx.requireExampleStore}
 * (one double per example, kept by the trainer next to the data partition, never on the driver).
 * Diagnostics: {@code lr} (s, the step size applied to g), {@code tau}, {@code alpha_mean} (ā) and
 * {@code new_ids} (first visits in this batch).
 *
 * <p>Distributed use: f and g must be the global batch's (averaged across workers). Each worker
 * passes its own part of the batch's ids and its own store (the α_i of its data partition); the
 * batch mean ā and the first-visit count are summed across workers with {@code ctx.batchReducer()},
 * so every replica takes the same step. The residual f − ā may be negative (the batch loss fell
 * below its targets): the step then increases that batch's loss while its targets fall, as the
 * projection prescribes; no truncation is applied.
 */
public record Motaps(double lr, double lmbda, double tau) implements Optimizer {
  public Motaps {
    Checks.nonNegative("lr", lr);
    Checks.nonNegative("lmbda", lmbda);
    Checks.finite("lmbda", lmbda);
    Checks.finite("tau", tau);
  }

  static Motaps from(Hparams hp) {
    return new Motaps(hp.real("lr", 1.0), hp.real("lmbda", 0.01), hp.real("tau", 0.0));
  }

  @Override
  public String name() {
    return "motaps";
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState s = new OptimizerState();
    s.putScalar("step", 0, Combine.SAME);
    s.putScalar("tau", tau, Combine.MEAN);
    return s;
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    double f = ctx.requireLoss(name());
    long[] ids = ctx.requireExampleIds(name());
    ExampleStore store = ctx.requireExampleStore(name());
    double gamma = lr * ctx.lrScale();
    INDArray g = model.grads();
    double sq = Vec.sumSq(g); // one fused read of g where it applies
    double norm = ctx.reducer().sum(new double[] {sq})[0];

    double t = state.scalar("tau");
    double[] alpha = new double[ids.length];
    store.read(ids, alpha);
    int fresh = 0;
    double sum = 0;
    for (int i = 0; i < ids.length; i++) {
      if (Double.isNaN(alpha[i])) {
        alpha[i] = t;
        fresh++;
      }
      sum += alpha[i];
    }
    // The batch may be split across data-parallel workers: each holds (and updates) only its own
    // examples' α_i, and the batch mean ā is combined from the workers' sums.
    double[] batch = ctx.batchReducer().sum(new double[] {sum, ids.length, fresh});
    double aBar = batch[1] == 0 ? t : batch[0] / batch[1];
    fresh = (int) batch[2];

    double s = gamma * (f - aBar) / (norm + 1);
    Vec.axpy(-s, g, model.params());
    double a = aBar + s;
    double e = a - t;
    a -= gamma * e / 2;
    t += gamma * e / 2 - gamma * lmbda;
    double shift = a - aBar;
    for (int i = 0; i < ids.length; i++) alpha[i] += shift;
    store.write(ids, alpha);

    state.setScalar("tau", t);
    state.setScalar("step", state.scalar("step") + 1);
    ctx.diagnostics().put("lr", s);
    ctx.diagnostics().put("tau", t);
    ctx.diagnostics().put("alpha_mean", aBar);
    ctx.diagnostics().put("new_ids", fresh);
  }
}
