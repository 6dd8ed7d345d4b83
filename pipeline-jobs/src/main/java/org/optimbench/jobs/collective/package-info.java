/**
 * The per-step collective of data-parallel training: a synchronous {@link
 * org.optimbench.jobs.collective.AllReduce} among the workers of one job, with the guarantee that
 * every worker ends a call with bit-identical results, so replicas that apply the same optimizer
 * step never drift apart.
 *
 * <p>{@link org.optimbench.jobs.collective.BarrierRunner} runs a body in N long-lived Spark barrier
 * tasks; {@link org.optimbench.jobs.collective.SparkRendezvous} connects them once, at start-up,
 * into the TCP ring of {@link org.optimbench.jobs.collective.RingAllReduce} (settings in {@link
 * org.optimbench.jobs.collective.CollectiveOptions}, failures as {@link
 * org.optimbench.jobs.collective.CollectiveException}); each body gets its rank and connected ring
 * in a {@link org.optimbench.jobs.collective.WorkerContext}. {@link
 * org.optimbench.jobs.collective.RowSparseSum} sums gradients whose embedding tables are row-sparse
 * by moving only the touched rows. {@link org.optimbench.jobs.collective.LoopbackRing} builds the
 * same ring inside one JVM for tests and benchmarks, and {@link
 * org.optimbench.jobs.collective.GpuBinding} binds a task's thread to the GPU Spark assigned it.
 *
 * <p>Design, protocol and failure handling: pipeline-jobs/COLLECTIVE.md; cost against a per-step
 * Spark job: BENCHMARKS.md, "All-reduce for gradient sharing".
 */
package org.optimbench.jobs.collective;
