package org.optimbench.optim.wrap;

import org.optimbench.optim.spec.Registrar;

/** Registers this package's optimizers with the optimizer registry. */
public final class Family {
  private Family() {}

  public static void register(Registrar r) {
    r.add(
        "mechanic",
        "Mechanic learning-rate tuner wrapping any base optimizer (optimizedlearning/mechanic, mechanize)",
        Mechanic::from);
    r.add(
        "clip",
        "Global-norm gradient clipping in front of any base optimizer (torch.nn.utils.clip_grad_norm_)",
        Clip::from);
  }
}
