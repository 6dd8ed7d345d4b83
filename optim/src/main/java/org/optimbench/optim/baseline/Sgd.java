package org.optimbench.optim.baseline;

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
 * Stochastic gradient descent with heavy-ball momentum, dampening, Nesterov momentum and coupled
 * (L2) weight decay, with exactly the semantics of {@code torch.optim.SGD}.
 *
 * <pre>
 * d = g + weight_decay * p
 * if momentum != 0:
 *     buf = d                                  (first step: the buffer is a copy, dampening not applied)
 *     buf = momentum * buf + (1 - dampening) * d  (later steps)
 *     d = nesterov ? d + momentum * buf : buf
 * p = p - lr * d
 * </pre>
 *
 * Defaults as {@code torch.optim.SGD} (lr has no default there; 1e-3 here). State: one vector
 * ({@code momentum_buffer}, averaged across workers) when momentum != 0.
 */
public record Sgd(
    double lr, double momentum, double dampening, double weightDecay, boolean nesterov)
    implements Optimizer {
  public Sgd {
    Checks.nonNegative("lr", lr);
    Checks.nonNegative("momentum", momentum);
    Checks.finite("dampening", dampening);
    Checks.nonNegative("weight_decay", weightDecay);
    Checks.require(
        !nesterov || (momentum > 0 && dampening == 0),
        "nesterov",
        "Nesterov momentum requires a momentum and zero dampening");
  }

  static Sgd from(Hparams hp) {
    return new Sgd(
        hp.real("lr", 1e-3),
        hp.real("momentum", 0),
        hp.real("dampening", 0),
        hp.real("weight_decay", 0),
        hp.bool("nesterov", false));
  }

  @Override
  public String name() {
    return "sgd";
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState s = new OptimizerState();
    s.putScalar("step", 0, Combine.SAME);
    if (momentum != 0) s.putArray("momentum_buffer", Vec.zerosLike(model.params()), Combine.MEAN);
    return s;
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    double lrNow = lr * ctx.lrScale();
    INDArray buf = momentum != 0 ? state.array("momentum_buffer") : null;
    update(
        model.params(),
        model.grads(),
        buf,
        state.scalar("step") == 0,
        lrNow,
        momentum,
        dampening,
        weightDecay,
        nesterov,
        null);
    state.setScalar("step", state.scalar("step") + 1);
    ctx.diagnostics().put("lr", lrNow);
  }

  /**
   * One {@code torch.optim.SGD} step on {@code p} with gradient {@code g} and momentum buffer
   * {@code buf} (null without momentum; {@code first}: the buffer is filled, not averaged); the
   * step direction (d, the buffer, or d + momentum * buffer) is also written to {@code direction}
   * unless it is null. Shared by every method whose update is an SGD step (SGD-HD, MARTHE's SGD
   * dynamics), so they stay bit for bit equal to this class. ND4J ops on every backend: a fused CPU
   * pass of this step was measured slower than these three BLAS level-1 calls on one thread
   * (BENCHMARKS.md, "Optimizer step").
   */
  public static void update(
      INDArray p,
      INDArray g,
      INDArray buf,
      boolean first,
      double lr,
      double momentum,
      double dampening,
      double weightDecay,
      boolean nesterov,
      INDArray direction) {
    INDArray d = g;
    if (weightDecay != 0) {
      d = d.dup();
      Vec.axpy(weightDecay, p, d);
    }
    if (buf != null) {
      if (first) buf.assign(d);
      else Vec.scaleAdd(buf, momentum, 1 - dampening, d);
      if (nesterov) {
        if (d == g) d = d.dup();
        Vec.axpy(momentum, buf, d);
      } else {
        d = buf;
      }
    }
    if (direction != null) direction.assign(d);
    Vec.axpy(-lr, d, p);
  }
}
