/**
 * What a workload is, for the training engine: a {@link org.optimbench.jobs.workload.Workload}
 * (network, data reading, batch encoding, evaluation metrics) made by a {@link
 * org.optimbench.jobs.workload.WorkloadDefinition} from the conf's {@code workload:} spec ({@link
 * org.optimbench.jobs.workload.WorkloadSpec}) and data-prep's manifest ({@link
 * org.optimbench.jobs.workload.PreparedData}). Also here, shared by every workload: the rows as the
 * engine moves them ({@link org.optimbench.jobs.workload.Example}), the Parquet readers of every
 * data kind ({@link org.optimbench.jobs.workload.PreparedRows}), encoded rows ({@link
 * org.optimbench.jobs.workload.EncodedRows}), metrics that stay exact across workers ({@link
 * org.optimbench.jobs.workload.Metrics}), and the exact AUC of a whole split with Spark
 * aggregations for the evaluation after training ({@link org.optimbench.jobs.workload.SparkAuc}
 * over the Spark-free core {@link org.optimbench.jobs.workload.AucCounts}; parameters reach the
 * executors as a {@link org.optimbench.jobs.workload.BroadcastModel}).
 *
 * <p>The workloads themselves live below ({@code classifier}, {@code dlrm}, {@code gpt}) and the
 * registry that names them above ({@code registry}), so this package depends on none of them.
 */
package org.optimbench.jobs.workload;
