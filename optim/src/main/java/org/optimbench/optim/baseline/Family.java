package org.optimbench.optim.baseline;

import org.optimbench.optim.spec.Registrar;

/** Registers this package's optimizers with the optimizer registry. */
public final class Family {
  private Family() {}

  public static void register(Registrar r) {
    r.add(
        "sgd",
        "SGD with momentum, dampening, Nesterov and L2 weight decay (torch.optim.SGD)",
        Sgd::from);
    r.add("adam", "Adam with L2 weight decay and AMSGrad (torch.optim.Adam)", Adam::from);
    r.add("adamw", "Adam with decoupled weight decay and AMSGrad (torch.optim.AdamW)", AdamW::from);
    r.add(
        "adagrad",
        "AdaGrad with lr decay and L2 weight decay (torch.optim.Adagrad)",
        Adagrad::from);
  }
}
