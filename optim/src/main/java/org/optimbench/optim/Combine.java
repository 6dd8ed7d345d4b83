package org.optimbench.optim;

/**
 * How one entry of an optimizer's state combines when workers that trained separately are merged
 * (parameter averaging every k steps). Each optimizer declares it per state entry; the training
 * engine applies it and then calls {@link Optimizer#reconcile}.
 */
public enum Combine {
  /**
   * Arithmetic mean over workers (moment estimates, accumulators such as D-Adaptation's s and num).
   */
  MEAN,
  /** Maximum over workers (monotone estimates such as d_max). */
  MAX,
  /**
   * Must already be identical on every worker (x0 snapshots, step counters); the engine checks and
   * keeps one.
   */
  SAME
}
