package org.optimbench.jobs.conf;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.baseline.Adagrad;
import org.optimbench.optim.baseline.Adam;
import org.optimbench.optim.baseline.Sgd;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.schedule.Schedule;
import org.optimbench.optim.spec.Spec;

/**
 * The optimizers of {@link Mode#DL4J_AVERAGING}: our spec mapped to the DL4J updater with the same
 * update rule, or a {@link ConfException} naming the key DL4J cannot express. DL4J's updaters step
 * each worker on its own gradient and its averaging takes plain means of parameters and updater
 * state, so methods that need a global loss, global scalars or their own merge rules have no DL4J
 * counterpart and are refused, as are hyperparameters DL4J's updaters lack.
 *
 * <ul>
 *   <li>{@code sgd} (momentum 0): DL4J {@code Sgd}; with {@code nesterov: true} (dampening 0): DL4J
 *       {@code Nesterovs}, whose velocity form, started at zero, gives the iterates of torch's
 *       Nesterov SGD;
 *   <li>{@code adam}: DL4J {@code Adam}, whose epsilon is added to the square root of the raw
 *       second moment before the bias correction is applied to the step size, where torch (and
 *       ours) adds it after; the difference is a rescaled epsilon and vanishes as the step count
 *       grows;
 *   <li>{@code adagrad}: DL4J {@code AdaGrad} (eps added outside the square root, as torch), whose
 *       accumulator starts at DL4J's default epsilon, {@value #DL4J_ADAGRAD_START}, whatever the
 *       epsilon configured: torch's Adagrad with that {@code initial_accumulator_value}. Our
 *       default 0 is accepted as the nearest rule (the first steps differ where a squared gradient
 *       entry is of that order); other starting values are refused.
 * </ul>
 */
public final class Dl4jUpdaters {
  private Dl4jUpdaters() {}

  /**
   * The workloads the mode trains: DL4J's Spark master averages MultiLayerNetworks (logreg, mlp)
   * and ComputationGraphs (dlrm).
   */
  public static final List<String> WORKLOADS = List.of("logreg", "mlp", "dlrm");

  /**
   * Why {@code gpt} is refused: DL4J's updater finds the layer of each gradient by the text before
   * the last '_' of its key, and the GPT layer's parameters carry GPT-2's names ({@code
   * 0_h.0.ln_1.weight}), so DL4J's own {@code fit} cannot step them.
   */
  public static final String GPT_REFUSED =
      "gpt is a SameDiff layer whose parameters have GPT-2's names (h.0.ln_1.weight, ...), and"
          + " DL4J's updater takes the text before a gradient's last '_' as its layer, so DL4J's"
          + " own fit cannot step it (docs/PEERS.md)";

  /**
   * Where DL4J's AdaGrad starts its accumulator: its updater fills the state with its own default
   * epsilon, not the configured one.
   */
  public static final double DL4J_ADAGRAD_START = 1e-6;

  /** The optimizer names the mode accepts. */
  public static final List<String> OPTIMIZERS = List.of("sgd", "adam", "adagrad");

  /**
   * Checks that {@code optimizer} has a DL4J updater; throws a {@link ConfException} naming the key
   * and why otherwise.
   */
  public static void check(Spec optimizer) {
    of(optimizer, null, 0);
  }

  /**
   * The DL4J updater of {@code optimizer}, its learning rate multiplied at each step by {@code
   * schedule}'s factor for the run's {@code steps} (a DL4J schedule over iterations, which DL4J's
   * Spark master carries across averaging rounds); {@code schedule} null or constant: a constant
   * learning rate.
   */
  public static IUpdater of(Spec optimizer, Schedule schedule, long steps) {
    Optimizer o = OptimizerRegistry.resolve(optimizer, "optimizer").optimizer();
    IUpdater u;
    double lr;
    if (o instanceof Sgd s) {
      noDecay(s.weightDecay());
      lr = s.lr();
      if (s.momentum() == 0) u = new org.nd4j.linalg.learning.config.Sgd(lr);
      else if (s.nesterov()) u = new Nesterovs(lr, s.momentum());
      else
        throw new ConfException(
            "optimizer.hparams.nesterov",
            "mode dl4j_averaging: DL4J has no heavy-ball momentum (Nesterovs is its only momentum"
                + " updater); set nesterov: true or momentum: 0");
    } else if (o instanceof Adam a) {
      noDecay(a.weightDecay());
      if (a.amsgrad())
        throw new ConfException(
            "optimizer.hparams.amsgrad", "mode dl4j_averaging maps adam to DL4J's Adam only");
      lr = a.lr();
      u = new org.nd4j.linalg.learning.config.Adam(lr, a.beta1(), a.beta2(), a.eps());
    } else if (o instanceof Adagrad a) {
      noDecay(a.weightDecay());
      if (a.lrDecay() != 0)
        throw new ConfException(
            "optimizer.hparams.lr_decay", "mode dl4j_averaging: DL4J's AdaGrad has no lr_decay");
      if (a.initialAccumulatorValue() != 0 && a.initialAccumulatorValue() != DL4J_ADAGRAD_START)
        throw new ConfException(
            "optimizer.hparams.initial_accumulator_value",
            "mode dl4j_averaging: DL4J's AdaGrad starts its accumulator at "
                + DL4J_ADAGRAD_START
                + "; set that or 0");
      lr = a.lr();
      u = new AdaGrad(lr, a.eps());
    } else {
      throw new ConfException(
          "optimizer",
          o.name()
              + " cannot run in mode dl4j_averaging, which has DL4J's updaters "
              + String.join(", ", OPTIMIZERS)
              + " (sgd with nesterov: true for Nesterovs) only: they step each worker on its own"
              + " gradient, and DL4J averages parameters and updater state by plain means, with no"
              + " global loss, no global scalars and no per-entry merge rules (docs/PEERS.md)");
    }
    if (schedule != null) {
      Map<Integer, Double> perStep = new HashMap<>();
      boolean constant = true;
      for (int t = 0; t < steps; t++) {
        double f = schedule.factor(t);
        constant &= f == 1.0;
        perStep.put(t, lr * f);
      }
      if (!constant) u.setLrAndSchedule(lr, new MapSchedule(ScheduleType.ITERATION, perStep));
    }
    return u;
  }

  private static void noDecay(double weightDecay) {
    if (weightDecay != 0)
      throw new ConfException(
          "optimizer.hparams.weight_decay",
          "mode dl4j_averaging: weight decay is DL4J's regularization, not its updater's, and is"
              + " not mapped; set 0");
  }
}
