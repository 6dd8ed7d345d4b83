package org.optimbench.optim.polyak;

import org.optimbench.optim.spec.Registrar;

/** Registers this package's optimizers with the optimizer registry. */
public final class Family {
  private Family() {}

  public static void register(Registrar r) {
    r.add(
        "momo",
        "MoMo: SGD-M with a model-based Polyak-type step size (fabian-sp/MoMo momo.py)",
        Momo::from);
    r.add(
        "momo_adam",
        "MoMo-Adam: Adam direction with the MoMo step size (fabian-sp/MoMo momo_adam.py)",
        MomoAdam::from);
    r.add(
        "motaps",
        "Stochastic Polyak step with per-example loss targets and a moving target (after Gower, Defazio, Rabbat; derived, no reference code)",
        Motaps::from);
  }
}
