package org.optimbench.jobs.conf;

/** How data-parallel workers stay consistent (all synchronous). */
public enum Mode {
  /** One process; the baseline the distributed modes are compared with. */
  SINGLE,
  /**
   * Every step: gradients, loss and batch statistics summed across workers, then one identical
   * optimizer step everywhere.
   */
  GRADIENT_SHARING,
  /**
   * Workers step locally with their own optimizer state; every k steps parameters and state are
   * combined (per each state entry's Combine rule) and reconciled.
   */
  PARAM_AVERAGING,
  /**
   * Stock DL4J on Spark as a peer of the modes above: {@code ParameterAveragingTrainingMaster} with
   * DL4J's own updaters, averaging parameters and updater state every k steps by plain means; for
   * the optimizers DL4J has ({@link Dl4jUpdaters}).
   */
  DL4J_AVERAGING;

  public static Mode of(String confValue) {
    return valueOf(confValue.toUpperCase(java.util.Locale.ROOT));
  }
}
