package org.optimbench.optim.graft;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
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
 * Learning-rate grafting M#D: the step magnitude of optimizer M with the direction of optimizer D,
 * per layer (each segment of the parameter vector) or globally. Any two registered optimizers.
 *
 * <pre>
 * u_M = M(x, g) − x        (M steps a copy of x with its own state "magnitude")
 * u_D = D(x, g) − x        (D steps another copy of x, same g, with its own state "direction")
 * per segment s (granularity "layer") or over all of x ("global"):
 *     x_s ← x_s + ‖u_M,s‖ / (‖u_D,s‖ + eps) · u_D,s
 * </pre>
 *
 * Both states advance every step on the gradients of the grafted trajectory; neither iterate is
 * kept (arXiv 2002.11803 v1, Algorithm 2). M#M is M (up to rounding: the ratio is ‖u‖/(‖u‖ + eps)
 * and x + (x_M − x) may differ from x_M in the last bit).
 *
 * <p>Hyperparameters: {@code magnitude} and {@code direction} (nested specs, required), {@code
 * granularity} ("layer" default, or "global"), {@code eps} (1e-16, as the standalone PyTorch {@code
 * Graft} and facebookresearch/optimizers' Shampoo grafting). The schedule factor is passed to both
 * inner optimizers unchanged (each applies its own lr × factor; D's lr cancels in the direction,
 * M's sets the magnitude).
 *
 * <p>Diagnostics: {@code ratio.<segment>} for each segment (layer granularity) and {@code ratio}
 * (the global ratio, both granularities), each the multiplier actually applied, ‖u_M‖/(‖u_D‖ +
 * eps); the inner optimizers' own diagnostics under {@code magnitude.} and {@code direction.}.
 * {@link StaticTransfer} turns logged {@code ratio.<segment>} columns into fixed per-layer
 * multipliers.
 *
 * <p>Cost: two inner optimizer states plus two parameter-sized copies per step (the copies are
 * temporary). Sharding: the two squared norms of each segment (or the two global ones) are partial
 * sums reduced in one reducer call, so segments may be split across workers. Paper: N. Agarwal, R.
 * Anil, E. Hazan, T. Koren, C. Zhang, "Disentangling Adaptive Gradient Methods from Learning
 * Rates", arXiv 2002.11803, and "Learning Rate Grafting: Transferability of Optimizer Tuning" (ICLR
 * 2022 submission, OpenReview FpKgG31Z_i9). No official code for the optimizer-agnostic form; the
 * update is the paper's Algorithm 2. Deviation: grafting inside Shampoo implementations applies
 * momentum and weight decay after grafting; here they live inside M and D, as in the paper.
 *
 * <p>CPU backend: the norms and the grafted update are two fused passes per group, before and after
 * the reducer call ({@link GraftKernel}, see {@link Fused}); ND4J ops everywhere else. The inner
 * optimizers take their own fused paths where they have one.
 */
public record Graft(Optimizer magnitude, Optimizer direction, String granularity, double eps)
    implements Optimizer {
  public Graft {
    Checks.require(magnitude != null, "magnitude", "missing");
    Checks.require(direction != null, "direction", "missing");
    Checks.require(
        "layer".equals(granularity) || "global".equals(granularity),
        "granularity",
        "'" + granularity + "' is not one of layer, global");
    Checks.nonNegative("eps", eps);
  }

  static Graft from(Hparams hp) {
    Optimizer m = hp.optimizer("magnitude");
    Optimizer d = hp.optimizer("direction");
    return new Graft(
        m, d, hp.choice("granularity", "layer", "layer", "global"), hp.real("eps", 1e-16));
  }

  @Override
  public String name() {
    return "graft";
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState s = new OptimizerState();
    s.putChild("magnitude", magnitude.init(model));
    s.putChild("direction", direction.init(model));
    return s;
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    INDArray x = model.params();
    INDArray xM = innerStep(magnitude, "magnitude", model, state, ctx);
    INDArray xD = innerStep(direction, "direction", model, state, ctx);

    List<Segment> segs = model.layout().segments();
    boolean layer = granularity.equals("layer");
    int groups = layer ? segs.size() : 1;
    boolean fused = Fused.applies(x, xM, xD);
    INDArray uD = null; // ND4J-op path: u_D = x_D - x, in place of the copy
    double[] partial = new double[2 * groups]; // ‖u_M,s‖², ‖u_D,s‖² per group
    if (fused) {
      Fused.Pass pass = Fused.pass().read(x).read(xM).read(xD);
      for (int i = 0; i < groups; i++) {
        double[] r =
            layer
                ? pass.run(new GraftKernel.Norms(), segs.get(i).offset(), segs.get(i).end())
                : pass.run(new GraftKernel.Norms());
        partial[2 * i] = r[0];
        partial[2 * i + 1] = r[1];
      }
    } else {
      INDArray uM = xM.subi(x);
      uD = xD.subi(x);
      for (int i = 0; i < groups; i++) {
        partial[2 * i] = Vec.sumSq(layer ? ModelView.slice(uM, segs.get(i)) : uM);
        partial[2 * i + 1] = Vec.sumSq(layer ? ModelView.slice(uD, segs.get(i)) : uD);
      }
    }
    double[] sums = ctx.reducer().sum(partial);

    double totalM = 0;
    double totalD = 0;
    Fused.Pass update = fused ? Fused.pass().read(xD).update(x) : null;
    for (int i = 0; i < groups; i++) {
      double nm = Math.sqrt(sums[2 * i]);
      double nd = Math.sqrt(sums[2 * i + 1]);
      double ratio = nm / (nd + eps);
      if (layer) {
        Segment s = segs.get(i);
        if (fused) update.run(new GraftKernel.Step(ratio), s.offset(), s.end());
        else Vec.axpy(ratio, ModelView.slice(uD, s), ModelView.slice(x, s));
        ctx.diagnostics().put("ratio." + s.name(), ratio);
      } else if (fused) {
        update.run(new GraftKernel.Step(ratio));
      } else {
        Vec.axpy(ratio, uD, x);
      }
      totalM += sums[2 * i];
      totalD += sums[2 * i + 1];
    }
    ctx.diagnostics().put("ratio", Math.sqrt(totalM) / (Math.sqrt(totalD) + eps));
  }

  @Override
  public void reconcile(ModelView model, OptimizerState merged) {
    magnitude.reconcile(model, merged.child("magnitude"));
    direction.reconcile(model, merged.child("direction"));
  }

  /**
   * Runs {@code opt} on a copy of the parameters with the same gradient; returns the stepped copy.
   */
  private static INDArray innerStep(
      Optimizer opt, String child, ModelView model, OptimizerState state, StepContext ctx) {
    INDArray copy = model.params().dup();
    opt.step(
        new ModelView(model.layout(), copy, model.grads()),
        state.child(child),
        ctx.withDiagnostics(ctx.diagnostics().prefixed(child)));
    return copy;
  }
}
