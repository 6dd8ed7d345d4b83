package org.optimbench.jobs.train;

import java.util.Map;

/**
 * What one step produced, for the metrics log: the loss of the batch (global in gradient sharing,
 * this worker's in parameter averaging), the examples it covered, the scheduled learning-rate
 * factor and the optimizer's diagnostics. The gradient's norm is {@link WorkerLoop#gradNorm},
 * computed only for the steps that are logged.
 */
public record StepResult(
    long step, double loss, long examples, double lrScale, Map<String, Double> diagnostics) {}
