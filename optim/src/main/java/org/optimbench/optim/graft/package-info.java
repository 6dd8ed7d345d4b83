/**
 * Learning-rate grafting M#D (magnitude of one optimizer, direction of another, per layer or
 * global) and its static transfer to SGD: fixed per-layer multipliers computed from a grafted run's
 * logged ratios ({@link org.optimbench.optim.graft.StaticTransfer}) applied by {@code
 * layer_scaled}.
 */
package org.optimbench.optim.graft;
