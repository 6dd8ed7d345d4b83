package org.optimbench.optim.hypergrad;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.Combine;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.baseline.Sgd;
import org.optimbench.optim.internal.Vec;
import org.optimbench.optim.spec.Checks;
import org.optimbench.optim.spec.Hparams;
import org.optimbench.optim.spec.SpecException;

/**
 * Hypergradient descent on the learning rate of SGD (plain, heavy-ball or Nesterov momentum):
 * before each step the learning rate moves along the derivative of the current loss with respect to
 * the previous step's learning rate, which is the dot product of the current gradient with the
 * previous update direction.
 *
 * <pre>
 * g~  = g + weight_decay * p                       (all parameters as one flat vector)
 * h   = g~ . d_prev                                (d_prev = 0 on the first step)
 * eta = eta + hypergrad_lr * h
 * d   = g~                                          momentum = 0
 *     = buf, buf = momentum * buf + (1 - dampening) * g~   heavy ball (first step: buf = g~)
 *     = g~ + momentum * buf                         Nesterov
 * p   = p - eta * d;   d_prev = d
 * </pre>
 *
 * <p>Hyperparameters (names and defaults of {@code SGDHD.__init__}): {@code lr} (required, as
 * torch's {@code required}), {@code momentum} 0, {@code dampening} 0, {@code weight_decay} 0,
 * {@code nesterov} false, {@code hypergrad_lr} 1e-6. Diagnostics: {@code lr} (the rate of the step,
 * adapted eta times the schedule factor), {@code hypergradient} (h).
 *
 * <p>Paper: A. G. Baydin, R. Cornish, D. Martínez Rubio, M. Schmidt, F. Wood, "Online Learning Rate
 * Adaptation with Hypergradient Descent", ICLR 2018, arXiv:1703.04782. Reference: awslabs/adatune
 * {@code adatune/hd_sgd.py} (a copy of gbaydin/hypergradient-descent {@code hypergrad/sgd_hd.py}).
 *
 * <p>Reference behaviour kept: the hypergradient uses the gradient <em>with</em> weight decay and
 * the previous <em>direction</em> (the momentum buffer, not the raw gradient); eta is neither
 * clipped nor kept non-negative; the first step's momentum buffer is the gradient (dampening not
 * applied). Schedule: a {@code LambdaLR} on the reference would overwrite the adapted rate; here
 * the schedule factor multiplies the adapted eta where it is used and does not enter the
 * adaptation. State: {@code lr} (eta), {@code momentum_buffer}, {@code grad_prev} (only when it
 * differs from the buffer: no momentum, or Nesterov), {@code step}. The step itself is {@link
 * Sgd#update} (the {@code sgd} optimizer's), which also writes the direction.
 */
public record SgdHd(
    double lr,
    double momentum,
    double dampening,
    double weightDecay,
    boolean nesterov,
    double hypergradLr)
    implements Optimizer {
  public SgdHd {
    Checks.nonNegative("lr", lr);
    Checks.nonNegative("momentum", momentum);
    Checks.finite("dampening", dampening);
    Checks.nonNegative("weight_decay", weightDecay);
    Checks.require(
        !nesterov || (momentum > 0 && dampening == 0),
        "nesterov",
        "Nesterov momentum requires a momentum and zero dampening");
    Checks.nonNegative("hypergrad_lr", hypergradLr);
    Checks.finite("hypergrad_lr", hypergradLr);
  }

  static SgdHd from(Hparams hp) {
    Double lr = hp.optionalReal("lr");
    if (lr == null) throw new SpecException("lr", "required (SGDHD has no default learning rate)");
    return new SgdHd(
        lr,
        hp.real("momentum", 0),
        hp.real("dampening", 0),
        hp.real("weight_decay", 0),
        hp.bool("nesterov", false),
        hp.real("hypergrad_lr", 1e-6));
  }

  @Override
  public String name() {
    return "sgd_hd";
  }

  private boolean directionIsBuffer() {
    return momentum != 0 && !nesterov;
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState s = new OptimizerState();
    s.putScalar("step", 0, Combine.SAME);
    s.putScalar("lr", lr, Combine.MEAN);
    if (momentum != 0) s.putArray("momentum_buffer", Vec.zerosLike(model.params()), Combine.MEAN);
    if (!directionIsBuffer()) s.putArray("grad_prev", Vec.zerosLike(model.params()), Combine.MEAN);
    return s;
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    INDArray p = model.params();
    INDArray d = model.grads();
    if (weightDecay != 0) {
      d = d.dup();
      Vec.axpy(weightDecay, p, d);
    }
    INDArray prev = directionIsBuffer() ? state.array("momentum_buffer") : state.array("grad_prev");
    double h = ctx.reducer().sum(new double[] {Vec.dot(d, prev)})[0];
    double eta = state.scalar("lr") + hypergradLr * h;
    state.setScalar("lr", eta);
    double lrNow = eta * ctx.lrScale();
    INDArray buf = momentum != 0 ? state.array("momentum_buffer") : null;
    Sgd.update(
        p,
        model.grads(),
        buf,
        state.scalar("step") == 0,
        lrNow,
        momentum,
        dampening,
        weightDecay,
        nesterov,
        directionIsBuffer() ? null : state.array("grad_prev"));
    state.setScalar("step", state.scalar("step") + 1);
    ctx.diagnostics().put("lr", lrNow);
    ctx.diagnostics().put("hypergradient", h);
  }
}
