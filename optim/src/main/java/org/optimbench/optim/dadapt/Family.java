package org.optimbench.optim.dadapt;

import org.optimbench.optim.spec.OptimizerRegistry;

/** Registers this package's optimizers with {@link OptimizerRegistry}. */
public final class Family {
  private Family() {}

  public static void register(OptimizerRegistry.Registrar r) {
    r.add(
        "dadapt_sgd",
        "SGD with D-Adaptation (facebookresearch/dadaptation DAdaptSGD)",
        DAdaptSgd::from);
    r.add(
        "dadapt_adam",
        "Adam with D-Adaptation, v3 estimator (facebookresearch/dadaptation DAdaptAdam)",
        DAdaptAdam::from);
    r.add(
        "dadapt_adagrad",
        "AdaGrad with D-Adaptation, dense path (facebookresearch/dadaptation DAdaptAdaGrad)",
        DAdaptAdaGrad::from);
    r.add(
        "prodigy",
        "Prodigy: Adam with D-Adaptation-style step size (konstmish/prodigy)",
        Prodigy::from);
  }
}
