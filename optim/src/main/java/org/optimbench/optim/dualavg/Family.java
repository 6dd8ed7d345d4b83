package org.optimbench.optim.dualavg;

import org.optimbench.optim.spec.Registrar;

/** Registers this package's optimizers with the optimizer registry. */
public final class Family {
  private Family() {}

  public static void register(Registrar r) {
    r.add(
        "madgrad",
        "MADGRAD: momentumized adaptive dual averaging (facebookresearch/madgrad)",
        Madgrad::from);
    r.add(
        "mirror_madgrad",
        "Mirror MADGRAD: MADGRAD weighting on mirror descent (facebookresearch/madgrad)",
        MirrorMadgrad::from);
    r.add(
        "mda",
        "Modernized Dual Averaging (Jelassi & Defazio 2020; paper form, no reference code)",
        Mda::from);
    r.add("spa", "SGD+momentum as stochastic primal averaging (Defazio 2020)", Spa::from);
  }
}
