package org.optimbench.optim.hypergrad;

import org.optimbench.optim.spec.Registrar;

/** Registers this package's optimizers with the optimizer registry. */
public final class Family {
  private Family() {}

  public static void register(Registrar r) {
    r.add(
        "sgd_hd",
        "SGD with hypergradient descent on the learning rate (Baydin et al.; adatune SGDHD)",
        SgdHd::from);
    r.add(
        "adam_hd",
        "Adam with hypergradient descent on the learning rate, per-tensor sequential (Baydin et al.; adatune AdamHD)",
        AdamHd::from);
    r.add(
        "marthe",
        "MARTHE: learning rate by online hypergradients of the validation loss with discount mu (Donini et al.; adatune MuSGD/MuAdam)",
        Marthe::from);
    r.add(
        "rtho", "RTHO: MARTHE with mu = 1 (Franceschi et al.; adatune MuSGD/MuAdam)", Marthe::rtho);
  }
}
