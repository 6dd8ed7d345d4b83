package org.optimbench.optim.dadapt;

import org.optimbench.optim.spec.Registrar;

/** Registers this package's optimizers with the optimizer registry. */
public final class Family {
  private Family() {}

  public static void register(Registrar r) {
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
