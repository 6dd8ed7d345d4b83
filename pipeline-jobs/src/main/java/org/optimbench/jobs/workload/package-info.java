/**
 * Workloads: what the training engine trains, each a {@link org.optimbench.jobs.workload.Workload}
 * (network, data reading, batch encoding, evaluation metrics) registered by name in {@link
 * org.optimbench.jobs.workload.Workloads} from the conf's {@code workload:} spec and data-prep's
 * manifest ({@link org.optimbench.jobs.workload.PreparedData}). Here: the LIBSVM classifiers
 * ({@code logreg}, {@code mlp}), the Parquet readers of every data kind ({@link
 * org.optimbench.jobs.workload.PreparedRows}), metrics that stay exact across workers ({@link
 * org.optimbench.jobs.workload.Metrics}), the exact AUC of a whole split with Spark aggregations
 * for the evaluation after training ({@link org.optimbench.jobs.workload.SparkAuc} over the
 * Spark-free core {@link org.optimbench.jobs.workload.AucCounts}; parameters reach the executors as
 * a {@link org.optimbench.jobs.workload.BroadcastModel}); DLRM in {@code dlrm}, the GPT model in
 * {@code gpt}.
 */
package org.optimbench.jobs.workload;
