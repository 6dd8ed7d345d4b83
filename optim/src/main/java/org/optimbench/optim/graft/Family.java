package org.optimbench.optim.graft;

import org.optimbench.optim.spec.Registrar;

/** Registers this package's optimizers with the optimizer registry. */
public final class Family {
  private Family() {}

  public static void register(Registrar r) {
    r.add(
        "graft",
        "Learning-rate grafting M#D: magnitude of one optimizer, direction of another, per layer or global (Agarwal et al.)",
        Graft::from);
    r.add(
        "layer_scaled",
        "A base optimizer with fixed per-segment update multipliers (per-layer learning rates for SGD; grafting's static transfer)",
        LayerScaled::from);
  }
}
