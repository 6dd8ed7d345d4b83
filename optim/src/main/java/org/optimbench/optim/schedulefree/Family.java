package org.optimbench.optim.schedulefree;

import org.optimbench.optim.spec.Registrar;

/** Registers this package's optimizers with the optimizer registry. */
public final class Family {
  private Family() {}

  public static void register(Registrar r) {
    r.add(
        "schedule_free_sgd",
        "Schedule-Free SGD, reference version (facebookresearch/schedule_free)",
        ScheduleFreeSgd::from);
    r.add(
        "schedule_free_adamw",
        "Schedule-Free AdamW, reference version (facebookresearch/schedule_free)",
        ScheduleFreeAdamW::from);
  }
}
