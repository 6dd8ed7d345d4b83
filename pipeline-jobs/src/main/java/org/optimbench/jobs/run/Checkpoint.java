package org.optimbench.jobs.run;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.jobs.fs.Location;
import org.optimbench.optim.OptimizerState;

/**
 * One committed checkpoint as read back: the step it was taken after, the parameters and optimizer
 * state bit-exactly as written, and the trainer's extra values from {@code meta.json} (data cursor,
 * epoch, samples seen, RNG positions, wall time so far; integers come back as Long, reals as
 * Double).
 */
public record Checkpoint(
    long step, INDArray params, OptimizerState state, Map<String, Object> extra, Location dir) {}
