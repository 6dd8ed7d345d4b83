package org.optimbench.optim.baseline;

import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.spec.Checks;
import org.optimbench.optim.spec.Hparams;

/**
 * AdamW: Adam with decoupled weight decay, with exactly the semantics of {@code torch.optim.AdamW}
 * in PyTorch 1.13 (single-tensor path).
 *
 * <pre>
 * p = p * (1 - lr * weight_decay)               (decoupled, before the Adam step, scaled by the current lr)
 * then Adam's moment update and step on the raw gradient g (see {@link Adam}), incl. AMSGrad
 * </pre>
 *
 * Hyperparameters (torch names and defaults): {@code lr=1e-3, betas=[0.9, 0.999], eps=1e-8,
 * weight_decay=1e-2, amsgrad=false}. State as {@link Adam}. With {@code weight_decay=0} the
 * trajectory equals Adam's (torch multiplies by 1.0; so do we).
 *
 * <p>Reference: Loshchilov &amp; Hutter, "Decoupled Weight Decay Regularization", arXiv 1711.05101.
 * Code: pytorch/pytorch v1.13 {@code torch/optim/adamw.py} ({@code _single_tensor_adamw}). Note
 * that torch's decay uses the scheduled lr (lr * weight_decay), not the paper's separate schedule
 * multiplier on weight_decay alone; we follow torch.
 *
 * <p>CPU backend: the decay and the Adam step are one fused pass ({@link AdamKernel}).
 */
public record AdamW(
    double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad)
    implements Optimizer {
  public AdamW {
    Checks.nonNegative("lr", lr);
    Checks.unitInterval("betas[0]", beta1);
    Checks.unitInterval("betas[1]", beta2);
    Checks.nonNegative("eps", eps);
    Checks.nonNegative("weight_decay", weightDecay);
  }

  static AdamW from(Hparams hp) {
    double lr = hp.real("lr", 1e-3);
    double[] b = Checks.betas("betas", hp.reals("betas", 0.9, 0.999), 2);
    return new AdamW(
        lr,
        b[0],
        b[1],
        hp.real("eps", 1e-8),
        hp.real("weight_decay", 1e-2),
        hp.bool("amsgrad", false));
  }

  @Override
  public String name() {
    return "adamw";
  }

  @Override
  public OptimizerState init(ModelView model) {
    return Adam.initMoments(model, amsgrad);
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    double lrNow = lr * ctx.lrScale();
    Adam.momentStep(model, state, lrNow, 1 - lrNow * weightDecay, 0, beta1, beta2, eps, amsgrad);
    ctx.diagnostics().put("lr", lrNow);
  }
}
