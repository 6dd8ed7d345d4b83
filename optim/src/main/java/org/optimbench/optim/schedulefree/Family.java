package org.optimbench.optim.schedulefree;

import org.optimbench.optim.spec.OptimizerRegistry;

/** Registers this package's optimizers with {@link OptimizerRegistry}. */
public final class Family {
  private Family() {}

  public static void register(OptimizerRegistry.Registrar r) {
  }
}
