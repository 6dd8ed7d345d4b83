/**
 * The training engine. On the driver, {@link org.optimbench.jobs.train.Train} (the command) loads
 * and checks a conf, qualifies its paths, checks its data ({@code Preflight}) and starts Spark;
 * {@link org.optimbench.jobs.train.TrainingJob} runs the sweep: for each run it lists the data's
 * row groups and trains in one process ({@code mode: single}) or in N Spark barrier tasks joined by
 * the ring all-reduce, launched by {@code Launcher}, which restarts a failed attempt from the last
 * committed checkpoint and relays rank 0's progress to the driver ({@code ProgressRelay}); then the
 * evaluation after training where asked ({@code FinalEvaluation}).
 *
 * <p>On each worker, {@link org.optimbench.jobs.train.WorkerTraining} assembles a run: the network
 * replica, optimizer, schedule, its own stream of the data ({@code StreamData}), the run's {@code
 * ModeStrategy} (single process, gradient sharing, parameter averaging: the only code that makes a
 * mode's collective calls), and on rank 0 the {@link org.optimbench.jobs.train.TrainingListener}s
 * that record metrics, checkpoints, status and progress. {@code TrainingLoop} takes the steps, each
 * through {@link org.optimbench.jobs.train.WorkerLoop}. Adding a mode is adding a strategy; adding
 * a recorder is adding a listener.
 */
package org.optimbench.jobs.train;
