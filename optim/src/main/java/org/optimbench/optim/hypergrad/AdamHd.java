package org.optimbench.optim.hypergrad;

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
 * Hypergradient descent on Adam's learning rate: before a step, eta moves along the dot product of
 * the gradient with the previous Adam direction.
 *
 * <pre>
 * for each tensor (segment) p, in order:
 *   k = k + 1;  g~ = g + weight_decay * p
 *   if k > 1:  eta = eta + hypergrad_lr * g~ . (m / (sqrt(v) + eps)) * sqrt(1 - beta2^(k-1)) / (1 - beta1^(k-1))
 *   m = beta1 m + (1 - beta1) g~;   v = beta2 v + (1 - beta2) g~^2
 *   p = p - eta * sqrt(1 - beta2^k) / (1 - beta1^k) * m / (sqrt(v) + eps)
 * </pre>
 *
 * <p>Hyperparameters (names and defaults of {@code AdamHD.__init__}): {@code lr} 1e-3, {@code
 * betas} (0.9, 0.999), {@code eps} 1e-8, {@code weight_decay} 0, {@code hypergrad_lr} 1e-8.
 * Diagnostics: {@code lr} (eta after the step times the schedule factor: the rate of the last
 * tensor), {@code hypergradient} (the sum of the per-tensor terms).
 *
 * <p>Paper: A. G. Baydin, R. Cornish, D. Martínez Rubio, M. Schmidt, F. Wood, "Online Learning Rate
 * Adaptation with Hypergradient Descent", ICLR 2018, arXiv:1703.04782. Reference: awslabs/adatune
 * {@code adatune/hd_adam.py} (a copy of gbaydin/hypergradient-descent {@code
 * hypergrad/adam_hd.py}).
 *
 * <p>Quirks of the reference, kept:
 *
 * <ul>
 *   <li>quirk: eta is updated <em>sequentially per tensor</em> inside one step: tensor i's Adam
 *       step already uses the eta that includes the hypergradient terms of tensors 0..i. Our
 *       segments are the reference's tensors, so the same happens per segment, in segment order.
 *       The per-segment terms do not depend on eta, so they are computed first and reduced in one
 *       call, then applied as running sums;
 *   <li>quirk: Adam's eps sits outside the square root and the bias corrections multiply the step
 *       size (the pre-1.x torch form: {@code sqrt(v) + eps}, not {@code sqrt(v / bc2) + eps});
 *   <li>eta is not kept non-negative; weight decay is the coupled (L2) kind and enters h.
 * </ul>
 *
 * A schedule factor multiplies eta where it is used and does not enter the adaptation (a {@code
 * LambdaLR} would overwrite the adapted rate). State: {@code lr} (eta), {@code exp_avg}, {@code
 * exp_avg_sq}, {@code step}.
 *
 * <p>CPU backend: two fused passes per segment, before and after the reducer call ({@link
 * AdamHdKernel}, see {@link org.optimbench.optim.internal.Fused}); ND4J ops everywhere else.
 */
public record AdamHd(double lr, double[] betas, double eps, double weightDecay, double hypergradLr)
    implements Optimizer {
  public AdamHd {
    Checks.nonNegative("lr", lr);
    betas = Checks.betas("betas", betas, 2);
    Checks.nonNegative("eps", eps);
    Checks.nonNegative("weight_decay", weightDecay);
    Checks.nonNegative("hypergrad_lr", hypergradLr);
    Checks.finite("hypergrad_lr", hypergradLr);
  }

  static AdamHd from(Hparams hp) {
    return new AdamHd(
        hp.real("lr", 1e-3),
        hp.reals("betas", 0.9, 0.999),
        hp.real("eps", 1e-8),
        hp.real("weight_decay", 0),
        hp.real("hypergrad_lr", 1e-8));
  }

  @Override
  public double[] betas() {
    return betas.clone();
  }

  @Override
  public String name() {
    return "adam_hd";
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState s = new OptimizerState();
    s.putScalar("step", 0, Combine.SAME);
    s.putScalar("lr", lr, Combine.MEAN);
    s.putArray("exp_avg", Vec.zerosLike(model.params()), Combine.MEAN);
    s.putArray("exp_avg_sq", Vec.zerosLike(model.params()), Combine.MEAN);
    return s;
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    double b1 = betas[0];
    double b2 = betas[1];
    long k = (long) state.scalar("step") + 1;
    INDArray p = model.params();
    INDArray g = model.grads();
    INDArray m = state.array("exp_avg");
    INDArray v = state.array("exp_avg_sq");
    int n = model.layout().size();
    double[] h = new double[n];
    boolean fused = Fused.applies(p, g, m, v);
    INDArray dir = null;
    if (fused) {
      // per segment: g~ . m / (sqrt(v) + eps) with the previous moments, then the moment updates
      Fused.Pass pass = Fused.pass().read(g);
      if (weightDecay != 0) pass.read(p);
      pass.update(m).update(v).scratch(1);
      AdamHdKernel.Moments moments =
          new AdamHdKernel.Moments(k > 1, weightDecay != 0, weightDecay, b1, b2, eps);
      for (int i = 0; i < n; i++) {
        Segment s = model.layout().segment(i);
        h[i] = pass.run(moments, s.offset(), s.end())[0];
      }
    } else {
      if (weightDecay != 0) {
        g = g.dup();
        Vec.axpy(weightDecay, p, g);
      }
      dir = Nd4j.createUninitialized(p.dataType(), p.length());
      if (k > 1) {
        // g~ . m / (sqrt(v) + eps) per segment, with the moments of the previous step
        adamDirection(m, v, dir);
        for (int i = 0; i < n; i++) {
          Segment s = model.layout().segment(i);
          h[i] = Vec.dot(ModelView.slice(g, s), ModelView.slice(dir, s));
        }
      }
      Vec.scaleAdd(m, b1, 1 - b1, g);
      Vec.scaleAddSquare(v, b2, 1 - b2, g, dir); // dir is scratch here
      adamDirection(m, v, dir);
    }
    h = ctx.reducer().sum(h);
    double prevCorrection =
        k > 1 ? Math.sqrt(1 - Math.pow(b2, k - 1)) / (1 - Math.pow(b1, k - 1)) : 0;
    Fused.Pass update = fused ? Fused.pass().read(m).read(v).update(p) : null;
    double correction = Math.sqrt(1 - Math.pow(b2, k)) / (1 - Math.pow(b1, k));
    double eta = state.scalar("lr");
    double hSum = 0;
    for (int i = 0; i < n; i++) {
      Segment s = model.layout().segment(i);
      if (k > 1) {
        double hi = h[i] * prevCorrection;
        eta += hypergradLr * hi;
        hSum += hi;
      }
      double coef = -eta * ctx.lrScale() * correction;
      if (fused) update.run(new AdamHdKernel.Update(coef, eps), s.offset(), s.end());
      else Vec.axpy(coef, ModelView.slice(dir, s), ModelView.slice(p, s));
    }
    state.setScalar("lr", eta);
    state.setScalar("step", k);
    ctx.diagnostics().put("lr", eta * ctx.lrScale());
    ctx.diagnostics().put("hypergradient", hSum);
  }

  /** {@code out = m / (sqrt(v) + eps)}. */
  private void adamDirection(INDArray m, INDArray v, INDArray out) {
    out.assign(v);
    Transforms.sqrt(out, false).addi(eps).rdivi(m);
  }
}
