/**
 * DLRM on Criteo click logs ({@link org.optimbench.jobs.workload.dlrm.Dlrm}): the DL4J
 * ComputationGraph with one embedding table per categorical feature, the dot-interaction vertex
 * ({@link org.optimbench.jobs.workload.dlrm.DotInteractionVertex}), binary cross-entropy on logits,
 * and the preparation of generated or raw Criteo data from a run's {@code data.source}.
 */
package org.optimbench.jobs.workload.dlrm;
