package org.optimbench.optim.hypergrad;

import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.optimbench.optim.Combine;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.internal.Vec;

/**
 * MARTHE's Adam dynamics: {@code torch.optim.Adam} (coupled weight decay, denominator {@code
 * sqrt(v) / sqrt(1 - beta2^k) + eps}) and adatune's {@code MuAdam} tangent (adatune/mu_adam.py),
 * with Zm = dm/deta, Zv = dv/deta, Z = dw/deta and, at step t (the number of Adam steps already
 * taken), c = sqrt(1 - beta2^t) / (1 - beta1^t), s = sqrt(v + eps), m and v the moments before the
 * step, q = H Z:
 *
 * <pre>
 * (step 0 only fills the moments)
 * step 1:  Zm = Zv = 0;  Z = -c m / s
 * later:   Z  = mu (-lr0 c beta1 / s * Zm + lr0 c beta2 / 2 * m / s^3 * Zv
 *                   + (1 - lr0 c) ((1 - beta1) / s - (1 - beta2) m g / s^3) q) - c m / s
 *          Zm = mu (beta1 Zm + (1 - beta1) q);   Zv = mu (beta2 Zv + 2 (1 - beta2) g q)
 * </pre>
 *
 * Quirks (named in {@link Marthe}): no identity term for Z in its own recursion and the factor (1 -
 * lr0 c) on the Hessian bracket; eps inside the square root here but outside it in the Adam step;
 * lr0 is the initial learning rate; weight decay absent from the tangent.
 */
final class MuAdam implements TangentDynamics {
  private final double lr0;
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;

  MuAdam(double lr0, double[] betas, double eps, double weightDecay) {
    this.lr0 = lr0;
    this.beta1 = betas[0];
    this.beta2 = betas[1];
    this.eps = eps;
    this.weightDecay = weightDecay;
  }

  @Override
  public void init(ModelView model, OptimizerState s) {
    s.putArray("exp_avg", Vec.zerosLike(model.params()), Combine.MEAN);
    s.putArray("exp_avg_sq", Vec.zerosLike(model.params()), Combine.MEAN);
    s.putArray("z", Vec.zerosLike(model.params()), Combine.MEAN);
    s.putArray("z_exp_avg", Vec.zerosLike(model.params()), Combine.MEAN);
    s.putArray("z_exp_avg_sq", Vec.zerosLike(model.params()), Combine.MEAN);
  }

  @Override
  public boolean initialisesOnly(long t) {
    return t == 0;
  }

  @Override
  public long firstTangentStep() {
    return 1;
  }

  @Override
  public void tangent(
      INDArray g,
      long t,
      boolean restart,
      double mu,
      UnaryOperator<INDArray> hvp,
      OptimizerState s) {
    INDArray m = s.array("exp_avg");
    INDArray v = s.array("exp_avg_sq");
    INDArray z = s.array("z");
    INDArray zm = s.array("z_exp_avg");
    INDArray zv = s.array("z_exp_avg_sq");
    double c = Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
    INDArray invS = Transforms.sqrt(v.add(eps), false).rdivi(1.0); // 1 / sqrt(v + eps)
    if (restart) {
      zm.assign(0);
      zv.assign(0);
      z.assign(m).muli(invS).muli(-c);
      return;
    }
    INDArray q = hvp.apply(z);
    INDArray invS3 = invS.mul(invS).muli(invS);
    // a33 = (1 - lr0 c) ((1 - beta1) / s - (1 - beta2) m g / s^3) q
    INDArray next = m.mul(g).muli(invS3).muli(-(1 - beta2));
    Vec.axpy(1 - beta1, invS, next);
    next.muli(q).muli(1 - lr0 * c);
    // + a31 Zm + a32 Zv
    INDArray tmp = Nd4j.createUninitialized(z.dataType(), z.length());
    tmp.assign(zm).muli(invS);
    Vec.axpy(-lr0 * c * beta1, tmp, next);
    tmp.assign(m).muli(invS3).muli(zv);
    Vec.axpy(lr0 * c * 0.5 * beta2, tmp, next);
    next.muli(mu);
    tmp.assign(m).muli(invS);
    Vec.axpy(-c, tmp, next);
    z.assign(next);
    zm.muli(beta1);
    Vec.axpy(1 - beta1, q, zm);
    zm.muli(mu);
    zv.muli(beta2);
    tmp.assign(g).muli(q);
    Vec.axpy(2 * (1 - beta2), tmp, zv);
    zv.muli(mu);
  }

  @Override
  public void step(ModelView model, INDArray g, long t, double lr, OptimizerState s) {
    INDArray p = model.params();
    INDArray m = s.array("exp_avg");
    INDArray v = s.array("exp_avg_sq");
    INDArray d = g;
    if (weightDecay != 0) {
      d = g.dup();
      Vec.axpy(weightDecay, p, d);
    }
    INDArray tmp = Nd4j.createUninitialized(p.dataType(), p.length());
    Vec.scaleAdd(m, beta1, 1 - beta1, d);
    Vec.scaleAddSquare(v, beta2, 1 - beta2, d, tmp);
    long k = t + 1;
    double bc1 = 1 - Math.pow(beta1, k);
    double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, k));
    tmp.assign(v);
    Transforms.sqrt(tmp, false).divi(bc2Sqrt).addi(eps).rdivi(m); // m / (sqrt(v) / sqrt(bc2) + eps)
    Vec.axpy(-lr / bc1, tmp, p);
  }
}
