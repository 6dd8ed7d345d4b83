package org.optimbench.optim.hypergrad;

import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.Combine;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.baseline.Sgd;
import org.optimbench.optim.internal.Fused;
import org.optimbench.optim.internal.Vec;

/**
 * MARTHE's SGD dynamics: {@code torch.optim.SGD} (heavy-ball momentum, dampening 0, coupled weight
 * decay) and adatune's {@code MuSGD} tangent (adatune/mu_sgd.py).
 *
 * <pre>
 * plain:     Z = -g                                          (first step)
 *            Z = mu (Z - lr0 H Z) - g
 * momentum:  (step 0 only fills the buffer b)
 *            Z = -(m b + g),  Zb = 0                          (step 1)
 *            q = H Z;  Z = mu (Z - lr0 q - lr0 m Zb) - (m b + g);  Zb = mu (q + m Zb)
 * step:      d = g + weight_decay p;  b = d (step 0) or m b + d;  p = p - lr * (m != 0 ? b : d)
 * </pre>
 *
 * b is the buffer before the step; the step is {@link Sgd#update} itself. Quirks (named in {@link
 * Marthe}): lr0 is the initial learning rate, not the current one; weight decay is absent from the
 * tangent.
 */
final class MuSgd implements TangentDynamics {
  private final double lr0;
  private final double momentum;
  private final double weightDecay;

  MuSgd(double lr0, double momentum, double weightDecay) {
    this.lr0 = lr0;
    this.momentum = momentum;
    this.weightDecay = weightDecay;
  }

  @Override
  public void init(ModelView model, OptimizerState s) {
    s.putArray("z", Vec.zerosLike(model.params()), Combine.MEAN);
    if (momentum != 0) {
      s.putArray("momentum_buffer", Vec.zerosLike(model.params()), Combine.MEAN);
      s.putArray("z_momentum", Vec.zerosLike(model.params()), Combine.MEAN);
    }
  }

  @Override
  public boolean initialisesOnly(long t) {
    return momentum != 0 && t == 0;
  }

  @Override
  public long firstTangentStep() {
    return momentum != 0 ? 1 : 0;
  }

  @Override
  public void tangent(
      INDArray g,
      long t,
      boolean restart,
      double mu,
      UnaryOperator<INDArray> hvp,
      OptimizerState s) {
    INDArray z = s.array("z");
    if (momentum == 0) {
      if (restart) {
        z.assign(g).negi();
        return;
      }
      INDArray q = hvp.apply(z);
      if (Fused.applies(g, q, z)) {
        Fused.pass()
            .read(g)
            .read(q)
            .update(z)
            .run(new MuSgdKernel.Tangent(false, false, lr0, 0, mu));
        return;
      }
      Vec.axpy(-lr0, q, z);
      z.muli(mu).subi(g);
      return;
    }
    INDArray buf = s.array("momentum_buffer");
    INDArray zb = s.array("z_momentum");
    INDArray q = restart ? null : hvp.apply(z);
    if (restart ? Fused.applies(g, buf, z, zb) : Fused.applies(g, q, buf, z, zb)) {
      Fused.Pass pass = Fused.pass().read(g);
      if (restart) pass.read(buf).write(z).write(zb);
      else pass.read(q).read(buf).update(z).update(zb);
      pass.run(new MuSgdKernel.Tangent(restart, true, lr0, momentum, mu));
      return;
    }
    if (restart) {
      z.assign(g).negi();
      Vec.axpy(-momentum, buf, z);
      zb.assign(0);
      return;
    }
    Vec.axpy(-lr0, q, z);
    Vec.axpy(-lr0 * momentum, zb, z);
    z.muli(mu).subi(g);
    Vec.axpy(-momentum, buf, z);
    zb.muli(momentum).addi(q).muli(mu);
  }

  @Override
  public void step(ModelView model, INDArray g, long t, double lr, OptimizerState s) {
    INDArray buf = momentum != 0 ? s.array("momentum_buffer") : null;
    Sgd.update(model.params(), g, buf, t == 0, lr, momentum, 0, weightDecay, false, null);
  }
}
