package org.optimbench.optim.hypergrad;

import org.optimbench.optim.spec.OptimizerRegistry;

/** Registers this package's optimizers with {@link OptimizerRegistry}. */
public final class Family {
  private Family() {}

  public static void register(OptimizerRegistry.Registrar r) {
    r.add("sgd_hd", "SGD with hypergradient descent on the learning rate (Baydin et al.; adatune SGDHD)", SgdHd::from);
    r.add("adam_hd", "Adam with hypergradient descent on the learning rate, per-tensor sequential (Baydin et al.; adatune AdamHD)", AdamHd::from);
  }
}
