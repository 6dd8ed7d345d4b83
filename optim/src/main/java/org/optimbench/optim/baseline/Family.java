package org.optimbench.optim.baseline;

import org.optimbench.optim.spec.OptimizerRegistry;

/** Registers this package's optimizers with {@link OptimizerRegistry}. */
public final class Family {
  private Family() {}

  public static void register(OptimizerRegistry.Registrar r) {
    r.add("sgd", "SGD with momentum, dampening, Nesterov and L2 weight decay (torch.optim.SGD)", Sgd::from);
  }
}
