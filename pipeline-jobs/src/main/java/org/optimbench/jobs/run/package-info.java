/**
 * The record of one training run and of a sweep of runs, on any Hadoop file system (a local path,
 * {@code hdfs://}, {@code s3a://}, {@code gs://}).
 *
 * <p>A run directory {@code <output>/<run name>/} holds {@code conf.yaml} (the resolved conf),
 * {@code metrics.csv} ({@link org.optimbench.jobs.run.MetricsLog}), {@code checkpoints/} ({@link
 * org.optimbench.jobs.run.Checkpoints}), {@code status.json} ({@link
 * org.optimbench.jobs.run.RunStatus}) and {@code attempts/} (the writers' attempt markers). Every
 * small file a reader may look at is replaced atomically and every checkpoint is committed by a
 * marker written last, so a killed process leaves either the old or the new version, never a
 * partial one, on object stores too; leftovers of a kill are ignored and cleaned up by the next
 * writer. {@link org.optimbench.jobs.run.RunDirectory} is the entry point the trainer uses (and
 * fences superseded writers), {@link org.optimbench.jobs.run.SweepState} tells a sweep which runs
 * to skip, resume or start.
 *
 * <p>No Spark session needed here, so that the driver, the tests and the comparison job can all
 * read a run directory.
 */
package org.optimbench.jobs.run;
