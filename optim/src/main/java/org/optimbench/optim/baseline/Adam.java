package org.optimbench.optim.baseline;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
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
 * Adam with coupled (L2) weight decay and the AMSGrad option, with exactly the semantics of {@code
 * torch.optim.Adam} in PyTorch 1.13 (single-tensor path, {@code foreach=False}).
 *
 * <pre>
 * t = t + 1
 * d = g + weight_decay * p                      (coupled: the decay goes through the moments)
 * m = beta1 * m + (1 - beta1) * d
 * v = beta2 * v + (1 - beta2) * d^2
 * vhat = amsgrad ? (v_max = max(v_max, v)) : v  (the max of the raw, not bias-corrected, v)
 * denom = sqrt(vhat) / sqrt(1 - beta2^t) + eps  (eps outside the bias correction)
 * p = p - lr / (1 - beta1^t) * m / denom
 * </pre>
 *
 * Hyperparameters (torch names and defaults): {@code lr=1e-3, betas=[0.9, 0.999], eps=1e-8,
 * weight_decay=0, amsgrad=false}. State: {@code exp_avg}, {@code exp_avg_sq} (and {@code
 * max_exp_avg_sq} with AMSGrad), averaged across workers; the step count.
 *
 * <p>Reference: Kingma &amp; Ba, "Adam: A Method for Stochastic Optimization", arXiv 1412.6980;
 * AMSGrad: Reddi, Kale &amp; Kumar, "On the Convergence of Adam and Beyond" (ICLR 2018). Code:
 * pytorch/pytorch v1.13 {@code torch/optim/adam.py} ({@code _single_tensor_adam}). No deviations;
 * the gradient is never written (the decayed gradient is a copy, as in torch's non-inplace add).
 *
 * <p>CPU backend: the step is one fused pass ({@link AdamKernel}, see {@link
 * org.optimbench.optim.internal.Fused}); the ND4J ops of {@link #momentStep} run everywhere else.
 */
public record Adam(
    double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad)
    implements Optimizer {
  public Adam {
    Checks.nonNegative("lr", lr);
    Checks.unitInterval("betas[0]", beta1);
    Checks.unitInterval("betas[1]", beta2);
    Checks.nonNegative("eps", eps);
    Checks.nonNegative("weight_decay", weightDecay);
  }

  static Adam from(Hparams hp) {
    double lr = hp.real("lr", 1e-3);
    double[] b = Checks.betas("betas", hp.reals("betas", 0.9, 0.999), 2);
    return new Adam(
        lr,
        b[0],
        b[1],
        hp.real("eps", 1e-8),
        hp.real("weight_decay", 0),
        hp.bool("amsgrad", false));
  }

  @Override
  public String name() {
    return "adam";
  }

  @Override
  public OptimizerState init(ModelView model) {
    return initMoments(model, amsgrad);
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    double lrNow = lr * ctx.lrScale();
    momentStep(model, state, lrNow, 1, weightDecay, beta1, beta2, eps, amsgrad);
    ctx.diagnostics().put("lr", lrNow);
  }

  /** The state Adam and AdamW share. */
  static OptimizerState initMoments(ModelView model, boolean amsgrad) {
    OptimizerState s = new OptimizerState();
    s.putScalar("step", 0, Combine.SAME);
    s.putArray("exp_avg", Vec.zerosLike(model.params()), Combine.MEAN);
    s.putArray("exp_avg_sq", Vec.zerosLike(model.params()), Combine.MEAN);
    if (amsgrad) s.putArray("max_exp_avg_sq", Vec.zerosLike(model.params()), Combine.MAX);
    return s;
  }

  /**
   * The step of torch's {@code _single_tensor_adam}/{@code _single_tensor_adamw}: {@code p *=
   * decay} (AdamW's decoupled decay, 1 for Adam), {@code d = g + l2 * p} (Adam's coupled decay, 0
   * for AdamW), then the moment updates and the bias-corrected step on d. One fused pass on the CPU
   * backend ({@link AdamKernel}), which also applies a scaled view's gradient scale as it reads g
   * ({@link ModelView#gradScale()}: clipping costs no copy); ND4J ops otherwise.
   */
  static void momentStep(
      ModelView model,
      OptimizerState s,
      double lr,
      double decay,
      double l2,
      double beta1,
      double beta2,
      double eps,
      boolean amsgrad) {
    double t = s.scalar("step") + 1;
    s.setScalar("step", t);
    INDArray m = s.array("exp_avg");
    INDArray v = s.array("exp_avg_sq");
    INDArray vmax = amsgrad ? s.array("max_exp_avg_sq") : null;
    double stepSize = lr / (1 - Math.pow(beta1, t));
    double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
    INDArray p = model.params();
    INDArray raw = model.unscaledGrads();
    if (amsgrad ? Fused.applies(p, raw, m, v, vmax) : Fused.applies(p, raw, m, v)) {
      Fused.Pass pass = Fused.pass().read(raw).update(m).update(v);
      if (amsgrad) pass.update(vmax);
      pass.update(p)
          .run(
              new AdamKernel(
                  model.gradScale(), decay, l2, beta1, beta2, bc2Sqrt, eps, stepSize, amsgrad));
      return;
    }
    INDArray g = model.grads();
    if (decay != 1) p.muli(decay);
    if (l2 != 0) {
      g = g.dup();
      Vec.axpy(l2, p, g);
    }
    INDArray tmp = Vec.scratch(p);
    Vec.scaleAdd(m, beta1, 1 - beta1, g);
    Vec.scaleAddSquare(v, beta2, 1 - beta2, g, tmp);
    INDArray second = v;
    if (amsgrad) {
      second = vmax;
      Transforms.max(second, v, false);
    }
    Vec.sqrtPlusInto(second, 0, tmp).divi(bc2Sqrt).addi(eps);
    Vec.divInto(m, tmp, tmp);
    Vec.axpy(-stepSize, tmp, p);
  }
}
