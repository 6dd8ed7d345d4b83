/**
 * {@code scripts/refine-schedule} for the training job's Parquet metric logs: reads {@code
 * metrics.parquet} with Spark local[1] and hands its rows to the optim module's {@code
 * RefineScheduleMain}, which does every check and the refinement itself.
 */
package org.optimbench.jobs.refine;
