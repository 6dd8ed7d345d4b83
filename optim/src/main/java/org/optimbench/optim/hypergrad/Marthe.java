package org.optimbench.optim.hypergrad;

import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.Combine;
import org.optimbench.optim.GradientOracle;
import org.optimbench.optim.HessianVectorOracle;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.internal.Vec;
import org.optimbench.optim.spec.Checks;
import org.optimbench.optim.spec.Hparams;

/**
 * MARTHE: the learning rate follows an online hypergradient of the validation loss, taken against a
 * discounted forward-mode tangent Z of the trajectory with respect to the learning rate. RTHO is
 * the same with mu = 1 (registered as {@code rtho}, without the {@code mu} hyperparameter).
 *
 * <pre>
 * g = clip(grad L_t(w_t))                              elementwise to [-grad_clipping, grad_clipping]
 * Z = B_t                     on the first tangent step, and every step when first_order
 * Z = mu A_t Z + B_t          otherwise; A_t Z needs clip(H_t Z), H_t the batch Hessian at w_t
 * w_{t+1} = Phi_t(w_t, eta_t)                          the SGD, heavy-ball or Adam step on g
 * h = clip(grad E(w_{t+1})) . Z                        E: the validation loss (ctx.requireValidationGradient)
 * eta = eta - hyper_lr * h;   hyper_lr = max(hyper_lr + alpha h eta, 0)
 * mu < 0 ('auto'):  z = clamp(eta / (grad E . g), 0, 1);  c = c sign(mu) + mu;  mu = z^(1 / (c + 1))
 * </pre>
 *
 * A_t and B_t for each dynamics are in {@link MuSgd} and {@link MuAdam}. Hessian-vector products
 * come from {@code ctx.requireHvp} at the parameters before the step (exact where the model
 * provides them; otherwise {@link org.optimbench.optim.FiniteDifferenceHvp}, one or two extra
 * gradient evaluations per step); first-order runs never ask for one.
 *
 * <p>Hyperparameters (names of adatune's {@code MuSGD}/{@code MuAdam} and {@code torch.optim};
 * defaults of adatune's {@code bin/rtho.py} command line): {@code dynamics} "sgd" or "adam"
 * ("sgd"), {@code lr} 0.01 (eta_0), {@code hyper_lr} 1e-8 (beta), {@code mu} 0.99999 (in [0, 1];
 * negative selects 'auto'), {@code alpha} 1e-6 (hyper-hyper learning rate; 0 keeps beta fixed),
 * {@code grad_clipping} 100 ("inf" disables it), {@code first_order} false, {@code weight_decay}
 * 5e-4, and per dynamics {@code momentum} 0.9 (sgd) or {@code betas} (0.9, 0.999) and {@code eps}
 * 1e-4 (adam). Diagnostics: {@code lr} (the rate of the step), {@code hypergradient} (h; 0 on a
 * step without hyper-step), {@code hyper_lr} and {@code mu} (after the step's update).
 *
 * <p>Papers: G. Donini, L. Franceschi, O. Majumder, M. Pontil, P. Frasconi, "MARTHE: Scheduling the
 * Learning Rate Via Online Hypergradients", IJCAI 2020, arXiv:1910.08525 (Algorithm 1); L.
 * Franceschi, M. Donini, P. Frasconi, M. Pontil, "Forward and Reverse Gradient-Based Hyperparameter
 * Optimization", ICML 2017, arXiv:1703.01785 (RTHO). Reference: awslabs/adatune @ aecbc498, {@code
 * adatune/mu_sgd.py}, {@code adatune/mu_adam.py}, driven as in {@code bin/rtho.py}.
 *
 * <p>Quirks of the reference, kept:
 *
 * <ul>
 *   <li>quirk: the learning rate inside A_t is the initial {@code lr}, not the current eta;
 *   <li>quirk: weight decay acts in the step but is absent from A_t and B_t;
 *   <li>quirk (adam): MuAdam drops the identity term of Z's own recursion, multiplies the Hessian
 *       bracket by (1 - lr c), puts eps inside the square root ({@code sqrt(v + eps)}) while the
 *       Adam step has it outside, and uses the moments before the step with the previous step's
 *       bias correction;
 *   <li>quirk: eta is not projected onto eta >= 0 (the paper's constraint); only hyper_lr is
 *       clamped;
 *   <li>quirk: with momentum or Adam the first step only fills the optimizer's buffers: its
 *       gradient is not clipped and no hyper-step follows; the tangent starts at the second step;
 *   <li>the clamp of the training gradient is differentiated through: H is applied to Z with the
 *       clamped coordinates zeroed (torch's clamp derivative), and the product is clamped again;
 *   <li>'auto' mu: with mu = -1 the first exponent is 1/0, so mu jumps to 0 or 1 (numpy semantics,
 *       including 1^inf = 1).
 * </ul>
 *
 * A schedule factor multiplies eta where the step uses it and does not enter the tangent (the
 * reference runs without a scheduler). State: {@code lr} (eta), {@code hyper_lr}, {@code mu},
 * {@code mu_c} (auto mu's running sum), {@code step}, and the dynamics' arrays.
 *
 * <p>CPU backend: the SGD dynamics' tangent update is one fused pass ({@link MuSgdKernel}, see
 * {@link org.optimbench.optim.internal.Fused}) and its step is the {@code sgd} optimizer's own
 * ({@link org.optimbench.optim.baseline.Sgd#update}); the Adam dynamics and the hypergradient dot
 * products keep their ND4J ops (a dot product alone measured faster as BLAS's float dot than as the
 * fused path's double-accumulated sum; BENCHMARKS.md, "Measurements behind code choices").
 */
public record Marthe(
    String name,
    String dynamics,
    double lr,
    double hyperLr,
    double mu,
    double alpha,
    double gradClipping,
    boolean firstOrder,
    double momentum,
    double weightDecay,
    double[] betas,
    double eps)
    implements Optimizer {
  public Marthe {
    Checks.require(
        name.equals("marthe") || name.equals("rtho"),
        "name",
        "'" + name + "' is not marthe or rtho");
    Checks.require(
        dynamics.equals("sgd") || dynamics.equals("adam"),
        "dynamics",
        "'" + dynamics + "' is not one of sgd, adam");
    Checks.nonNegative("lr", lr);
    Checks.finite("lr", lr);
    Checks.nonNegative("hyper_lr", hyperLr);
    Checks.finite("hyper_lr", hyperLr);
    Checks.finite("mu", mu);
    Checks.require(mu <= 1, "mu", mu + " must be <= 1 (negative selects 'auto')");
    Checks.require(name.equals("marthe") || mu == 1, "mu", "rtho has mu = 1");
    Checks.nonNegative("alpha", alpha);
    Checks.finite("alpha", alpha);
    Checks.positive("grad_clipping", gradClipping);
    Checks.nonNegative("momentum", momentum);
    Checks.nonNegative("weight_decay", weightDecay);
    betas = Checks.betas("betas", betas, 2);
    Checks.nonNegative("eps", eps);
  }

  static Marthe from(Hparams hp) {
    return read(hp, "marthe");
  }

  static Marthe rtho(Hparams hp) {
    return read(hp, "rtho");
  }

  private static Marthe read(Hparams hp, String name) {
    String dyn = hp.choice("dynamics", "sgd", "sgd", "adam");
    double lr = hp.real("lr", 0.01);
    double hyperLr = hp.real("hyper_lr", 1e-8);
    double mu = name.equals("rtho") ? 1.0 : hp.real("mu", 0.99999);
    double alpha = hp.real("alpha", 1e-6);
    double clip = hp.real("grad_clipping", 100.0);
    boolean firstOrder = hp.bool("first_order", false);
    double wd = hp.real("weight_decay", 5e-4);
    boolean sgd = dyn.equals("sgd");
    double momentum = sgd ? hp.real("momentum", 0.9) : 0;
    double[] betas = sgd ? new double[] {0.9, 0.999} : hp.reals("betas", 0.9, 0.999);
    double eps = sgd ? 1e-4 : hp.real("eps", 1e-4);
    return new Marthe(
        name, dyn, lr, hyperLr, mu, alpha, clip, firstOrder, momentum, wd, betas, eps);
  }

  @Override
  public double[] betas() {
    return betas.clone();
  }

  private TangentDynamics tangentDynamics() {
    return dynamics.equals("sgd")
        ? new MuSgd(lr, momentum, weightDecay)
        : new MuAdam(lr, betas, eps, weightDecay);
  }

  @Override
  public OptimizerState init(ModelView model) {
    OptimizerState s = new OptimizerState();
    s.putScalar("step", 0, Combine.SAME);
    s.putScalar("lr", lr, Combine.MEAN);
    s.putScalar("hyper_lr", hyperLr, Combine.MEAN);
    s.putScalar("mu", mu, Combine.MEAN);
    s.putScalar("mu_c", 0, Combine.MEAN);
    tangentDynamics().init(model, s);
    return s;
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    TangentDynamics dyn = tangentDynamics();
    long t = (long) state.scalar("step");
    boolean initOnly = dyn.initialisesOnly(t);
    boolean autoMu = mu < 0;
    double muNow = state.scalar("mu");
    // fail fast on a context without the oracles, even on steps that do not use them yet
    GradientOracle validation = ctx.requireValidationGradient(name);
    HessianVectorOracle oracle = firstOrder ? null : ctx.requireHvp(name);
    INDArray g = model.grads();
    INDArray gc = g;
    if (!initOnly) {
      boolean clamped = Clamp.exceeds(g, gradClipping);
      gc = Clamp.clamp(g, gradClipping, clamped);
      UnaryOperator<INDArray> hvp =
          z ->
              Clamp.clamp(
                  oracle.hvp(Clamp.throughClamp(z, g, gradClipping, clamped)), gradClipping);
      dyn.tangent(gc, t, firstOrder || t == dyn.firstTangentStep(), muNow, hvp, state);
    }
    double eta = state.scalar("lr");
    double lrNow = eta * ctx.lrScale();
    dyn.step(model, gc, t, lrNow, state);

    double[] sums = new double[2];
    if (!initOnly) {
      INDArray val = Clamp.clamp(validation.gradientAt(model.params()), gradClipping);
      sums[0] = Vec.dot(val, state.array("z"));
      if (autoMu) sums[1] = Vec.dot(val, gc);
    }
    sums = ctx.reducer().sum(sums);
    double h = 0;
    double beta = state.scalar("hyper_lr");
    if (!initOnly) {
      h = sums[0];
      eta = eta - beta * h;
      beta = Math.max(beta + alpha * h * eta, 0.0);
      if (autoMu) {
        double z = Math.max(Math.min(eta / sums[1], 1.0), 0.0);
        double c = state.scalar("mu_c") * Math.signum(muNow) + muNow;
        muNow = numpyPow(z, 1 / (c + 1));
        state.setScalar("mu_c", c);
      }
      state.setScalar("lr", eta);
      state.setScalar("hyper_lr", beta);
      state.setScalar("mu", muNow);
    }
    state.setScalar("step", t + 1);
    ctx.diagnostics().put("lr", lrNow);
    ctx.diagnostics().put("hypergradient", h);
    ctx.diagnostics().put("hyper_lr", beta);
    ctx.diagnostics().put("mu", muNow);
  }

  /** {@code np.power} for a base in [0, 1]: as Java's pow, except 1^y = 1 for every y (C99). */
  private static double numpyPow(double base, double exponent) {
    return base == 1.0 ? 1.0 : Math.pow(base, exponent);
  }
}
