package org.optimbench.optim.wrap;

import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.internal.Vec;
import org.optimbench.optim.spec.Checks;
import org.optimbench.optim.spec.Hparams;
import org.optimbench.optim.spec.SpecException;

/**
 * Global-norm gradient clipping in front of any base optimizer: the base optimizer steps on the
 * clipped gradient. Same rule as PyTorch's {@code torch.nn.utils.clip_grad_norm_(params, max_norm)}
 * (norm_type 2, torch 1.13 {@code torch/nn/utils/clip_grad.py}) followed by {@code base.step()}:
 *
 * <pre>
 * n = sqrt(Σ_all parameters g²)                    (one reducer call: global under sharding)
 * c = max_norm / (n + 1e-6)
 * g' = c · g  if c &lt; 1,  else g                    (torch multiplies by min(c, 1); the same)
 * base.step(params, g')
 * </pre>
 *
 * The total norm is over every parameter of the model at once (torch: the 2-norm of the per-tensor
 * 2-norms, which is the same number), so clipping preserves the gradient's direction. The caller's
 * gradient array is never written: a clipped step hands the base optimizer a scaled view ({@link
 * ModelView#withGradScale}). A base whose fused pass multiplies as it reads (Adam, AdamW) makes no
 * copy; any other base gets the scaled copy, one temporary of the parameter size. The norm is one
 * read of the gradient ({@link Vec#sumSq}), the only pass clipping adds.
 *
 * <p>Hyperparameters: {@code base} (nested spec, required) and {@code max_norm} (required, as in
 * torch's signature; &gt; 0, {@code "inf"} allowed and never clips). Language models are usually
 * trained with {@code max_norm} 1.0. The schedule factor reaches the base optimizer unchanged.
 *
 * <p>State: only the base optimizer's, as child {@code "base"}. Diagnostics: {@code grad_norm} (n,
 * the global norm before clipping), {@code clipped} (1 when the gradient was scaled, else 0), and
 * the base's own under {@code base.}.
 *
 * <p>Deviations from torch: the norm and the coefficient are computed in double for every model
 * dtype (torch computes them in the gradient's dtype, which matters only at float32 rounding);
 * {@code norm_type} other than 2 and {@code error_if_nonfinite} are not offered (a non-finite norm
 * gives a NaN coefficient, as in torch, and the trainer ends the run as diverged).
 */
public record Clip(Optimizer base, double maxNorm) implements WrapsBase {
  /** The constant torch adds to the total norm before dividing ({@code clip_grad.py}). */
  static final double NORM_EPS = 1e-6;

  public Clip {
    Objects.requireNonNull(base, "base");
    Checks.positive("max_norm", maxNorm);
  }

  static Clip from(Hparams hp) {
    Optimizer base = hp.optimizer("base");
    Double maxNorm = hp.optionalReal("max_norm");
    if (maxNorm == null)
      throw new SpecException(
          hp.field("max_norm"),
          "missing (the clipping threshold on the global gradient 2-norm, e.g. 1.0)");
    return new Clip(base, maxNorm);
  }

  @Override
  public String name() {
    return "clip";
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    INDArray g = model.grads();
    double norm = Math.sqrt(ctx.reducer().sum(new double[] {Vec.sumSq(g)})[0]);
    double coef = maxNorm / (norm + NORM_EPS);
    boolean clip = !(coef >= 1.0); // a NaN norm scales by NaN, as torch's min(c, 1) does
    ModelView seen = clip ? model.withGradScale(coef) : model;
    ctx.diagnostics().put("grad_norm", norm);
    ctx.diagnostics().put("clipped", clip ? 1.0 : 0.0);
    base.step(seen, state.child("base"), ctx.withDiagnostics(ctx.diagnostics().prefixed("base")));
  }
}
