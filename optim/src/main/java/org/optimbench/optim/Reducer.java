package org.optimbench.optim;

/**
 * Sums scalar partial results across all workers that each hold a part of the model.
 *
 * <p>Every reduction over all parameters that produces a global scalar (sums, dot products, squared
 * norms in D-Adaptation, Prodigy, Mechanic, MoMo, ...) is computed per worker over the parameters
 * that worker owns and then passed here, once per step, fused into one array. Rules the optimizers
 * follow (docs/METHODS-NOTES.md, "Data-parallel correctness"):
 *
 * <ul>
 *   <li>only per-step increments are reduced, never running totals (the bug the D-Adaptation and
 *       Prodigy references carried until 2025 multiplied totals by the world size every step);
 *   <li>the call happens on every step on every worker, before any early return, so a worker with
 *       nothing to add cannot deadlock the others;
 *   <li>partial sums are doubles.
 * </ul>
 *
 * When every worker holds the full model and the same averaged gradient (gradient sharing with
 * replicated parameters, or a single process) the local sums are already global: use {@link
 * #LOCAL}.
 */
@FunctionalInterface
public interface Reducer {
  /**
   * Returns the element-wise sum of {@code partials} over all workers. May return the same array,
   * updated in place.
   */
  double[] sum(double[] partials);

  /** Identity: this process holds every parameter. */
  Reducer LOCAL = partials -> partials;
}
