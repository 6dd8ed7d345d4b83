/**
 * The cross-run comparison: which of the selected runs can be used ({@link
 * org.optimbench.jobs.compare.RunInspector}), how they group into workloads, methods and seeds
 * ({@link org.optimbench.jobs.compare.Grouping}), the statistics ({@link
 * org.optimbench.jobs.compare.Comparison}, {@link org.optimbench.jobs.compare.Stats}, {@link
 * org.optimbench.jobs.compare.TimeToTarget}, {@link
 * org.optimbench.jobs.compare.PerformanceProfile}; plain Java, tested without Spark), the metrics
 * read and curve aggregation on Spark ({@link org.optimbench.jobs.compare.MetricsFrames}), and the
 * output directory with its tables, plots and HTML report. {@link
 * org.optimbench.jobs.compare.Compare} is the command; definitions, sources and the output schema
 * are in {@code pipeline-jobs/COMPARE.md}.
 */
package org.optimbench.jobs.compare;
