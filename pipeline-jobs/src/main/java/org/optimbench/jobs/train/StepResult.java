package org.optimbench.jobs.train;

import java.util.Map;

/**
 * What one step produced, for the metrics log: the loss of the batch (global in gradient sharing,
 * this worker's in parameter averaging), the examples it covered, the scheduled learning-rate factor,
 * the gradient norm the optimizer saw, and the optimizer's diagnostics.
 */
public record StepResult(long step, double loss, long examples, double lrScale, double gradNorm, Map<String, Double> diagnostics) {}
