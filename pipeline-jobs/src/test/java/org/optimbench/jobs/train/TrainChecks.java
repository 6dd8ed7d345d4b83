package org.optimbench.jobs.train;

import org.optimbench.jobs.conf.RunConf;
import org.optimbench.optim.schedule.Schedule;

/**
 * Test access to the trainer's conf checks and schedule construction for tests outside this
 * package.
 */
public final class TrainChecks {
  private TrainChecks() {}

  /** {@link TrainingJob#check}: the mode-dependent rules a run must pass before it starts. */
  public static void check(RunConf conf) {
    TrainingJob.check(conf);
  }

  /** The run's schedule exactly as the trainer builds it ({@link WorkerTraining#schedule}). */
  public static Schedule schedule(RunConf conf, long steps) {
    return WorkerTraining.schedule(conf, steps);
  }
}
