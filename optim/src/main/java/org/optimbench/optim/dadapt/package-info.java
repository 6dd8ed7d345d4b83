/**
 * D-Adaptation (SGD, Adam, AdaGrad) and Prodigy: learning-rate-free methods that estimate the
 * distance to the solution d from the iterates and use d * lr as the step size.
 *
 * <p>Sharding: every global sum of a step (increments such as Δnum, or fresh sums over the current
 * state such as ||s||_1, never running totals) goes through the step context's reducer in one call
 * per step, before any early return, so workers owning parts of the parameters follow the
 * single-process trajectory (tested with {@code testing/ShardedHarness}).
 *
 * <p>Merging worker states (parameter averaging). The engine combines entries by their rule (s,
 * moments, alpha, numerators, gsq_weighted, g0_norm: MEAN; d, d_prev, d_max: MAX; x0/p0 and k:
 * SAME), then {@code reconcile} recomputes d_hat from the merged numerator and the merged s (and
 * alpha) with the step's formula and sets {@code d = max(d_merged, rule(d_prev_merged, d_hat))},
 * where rule is the method's growth rule (Prodigy: with its d == d0 exception and d_max update) and
 * d_prev is the d before each worker's last update (an entry the references do not have). Hence: d
 * is the same on every worker (a function of the merged state); d is at least every worker's d
 * (never decreases across a merge); growth stays within growth_rate of the largest d_prev; Prodigy
 * keeps d <= d_max; x0 is untouched; merging identical states is a bitwise no-op. Before the first
 * completed step (k = 0) or with s = 0 nothing is recomputed. reconcile has no reducer: it assumes
 * the merged state covers the whole model, as in parameter averaging.
 */
package org.optimbench.optim.dadapt;
