/**
 * {@code scripts/refine-schedule}: the refined learning-rate schedule of the optim module's {@code
 * ScheduleRefinement} from a previous run's gradient norms, read from its run directory, its
 * metrics.csv or its metrics.parquet (with Spark local[1]; the optim module stays free of Spark and
 * Hadoop). Both formats are read as the same rows of text cells, so they give the same schedule.
 */
package org.optimbench.jobs.refine;
