package org.optimbench.optim.wrap;

import org.optimbench.optim.spec.OptimizerRegistry;

/** Registers this package's optimizers with {@link OptimizerRegistry}. */
public final class Family {
  private Family() {}

  public static void register(OptimizerRegistry.Registrar r) {
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
