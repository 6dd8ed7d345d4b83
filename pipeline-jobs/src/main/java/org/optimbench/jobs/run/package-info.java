/**
 * The on-disk record of one training run and of a sweep of runs.
 *
 * <p>A run directory {@code <output>/<run name>/} holds {@code conf.yaml} (the resolved conf),
 * {@code metrics.csv} ({@link org.optimbench.jobs.run.MetricsLog}), {@code checkpoints/} ({@link
 * org.optimbench.jobs.run.Checkpoints}) and {@code status.json} ({@link
 * org.optimbench.jobs.run.RunStatus}). Every file a reader may look at is replaced atomically
 * (written to a temporary sibling, then renamed), so a killed process leaves either the old or the
 * new version, never a partial one; leftovers of a kill are ignored and cleaned up on the next
 * open. {@link org.optimbench.jobs.run.RunDirectory} is the entry point the trainer uses, {@link
 * org.optimbench.jobs.run.SweepState} tells a sweep which runs to skip, resume or start.
 *
 * <p>Pure Java and ND4J: no Spark here, so that the driver, the tests and the comparison job can
 * all read a run directory.
 */
package org.optimbench.jobs.run;
