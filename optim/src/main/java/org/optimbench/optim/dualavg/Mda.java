package org.optimbench.optim.dualavg;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.Combine;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.internal.Vec;
import org.optimbench.optim.spec.Checks;
import org.optimbench.optim.spec.Hparams;

/**
 * MDA, Modernized Dual Averaging: dual averaging with increasing step sizes and a square-root
 * scaling, plus primal averaging as momentum. Not adaptive; MADGRAD is this method with a cube-root
 * AdaGrad denominator in place of the scaling beta.
 *
 * <pre>
 * lambda_k = lr * sqrt(k + 1);  beta_{k+1} = sqrt(k + 1);  c = 1 - momentum     (k = 0-based step)
 * d = g + weight_decay * p
 * s = s + lambda_k * d                              (s starts at 0)
 * z = x0 - s / beta_{k+1}                           (x0 = the initial parameters)
 * p = (1 - c) * p + c * z
 * </pre>
 *
 * Hyperparameters: {@code lr=1e-2, momentum=0.9, weight_decay=0} (no reference code exists, so no
 * reference defaults either: lr and momentum mirror MADGRAD's). State: {@code s} (averaged across
 * workers), {@code x0} (identical on all workers), {@code k}. No global scalars.
 *
 * <p>Paper: Jelassi &amp; Defazio, "Dual Averaging is Surprisingly Effective for Deep Learning
 * Optimization", arXiv 2010.10502. <b>No public reference code.</b> The paper's algorithm text
 * could not be retrieved (only its abstract was reachable), so what is implemented is the MDA
 * recursion as MADGRAD's paper and code imply it (MADGRAD = MDA + AdaGrad-style denominator;
 * facebookresearch/madgrad {@code madgrad.py} with cbrt(nu) + eps replaced by beta_{k+1} =
 * sqrt(k+1)), which is also what the third-party RMDA port (zihsyuan1214/RMDA, {@code rmda.py},
 * "Regularized MDA") computes. Uncertain, not checked against the paper: how an lr schedule enters
 * (here it scales lambda_k only, as in MADGRAD), whether the paper schedules c_k (here constant),
 * and the weight-decay form (here coupled L2 on the gradient, MADGRAD's default). There are no
 * golden traces for MDA.
 */
public record Mda(double lr, double momentum, double weightDecay) implements Optimizer {
  public Mda {
    Checks.nonNegative("lr", lr);
    Checks.unitInterval("momentum", momentum);
    Checks.nonNegative("weight_decay", weightDecay);
  }

  static Mda from(Hparams hp) {
    return new Mda(hp.real("lr", 1e-2), hp.real("momentum", 0.9), hp.real("weight_decay", 0));
  }

  @Override
  public String name() {
    return "mda";
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState s = new OptimizerState();
    s.putScalar("k", 0, Combine.SAME);
    s.putArray("s", Vec.zerosLike(model.params()), Combine.MEAN);
    s.putArray("x0", model.params().dup(), Combine.SAME);
    return s;
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    double k = state.scalar("k");
    double lrNow = lr * ctx.lrScale();
    double lamb = lrNow * Math.sqrt(k + 1);
    double beta = Math.sqrt(k + 1);
    double c = 1 - momentum;
    INDArray p = model.params();
    INDArray s = state.array("s");
    Vec.axpy(lamb, model.grads(), s);
    if (weightDecay != 0)
      Vec.axpy(lamb * weightDecay, p, s); // s += lambda (g + wd p), without copying g
    // p = (1 - c) p + c (x0 - s / beta), folded into three in-place passes
    if (c != 1) p.muli(1 - c);
    else p.assign(0);
    Vec.axpy(c, state.array("x0"), p);
    Vec.axpy(-c / beta, s, p);
    state.setScalar("k", k + 1);
    ctx.diagnostics().put("lr", lrNow);
  }
}
