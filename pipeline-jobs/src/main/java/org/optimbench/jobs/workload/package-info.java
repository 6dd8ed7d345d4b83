/**
 * Workloads: what the training engine trains, each a {@link org.optimbench.jobs.workload.Workload}
 * (network, data reading, batch encoding, evaluation metrics) registered by name in
 * {@link org.optimbench.jobs.workload.Workloads} from the conf's {@code workload:} spec and
 * data-prep's manifest ({@link org.optimbench.jobs.workload.PreparedData}). Here: the LIBSVM
 * classifiers ({@code logreg}, {@code mlp}), the Parquet readers of every data kind
 * ({@link org.optimbench.jobs.workload.PreparedRows}), metrics that stay exact across workers
 * ({@link org.optimbench.jobs.workload.Metrics}); DLRM in {@code dlrm}, the GPT model in {@code gpt}.
 */
package org.optimbench.jobs.workload;
