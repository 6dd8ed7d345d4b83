package org.optimbench.jobs.run;

import java.io.IOException;

/**
 * A writer of a run directory found that a newer attempt of the run has begun, so it is a zombie
 * (an executor the driver gave up on, a task Spark retried elsewhere) and must not commit anything
 * more: the newer attempt owns the directory.
 */
public final class StaleAttemptException extends IOException {
  private static final long serialVersionUID = 1L;
  private final int attempt;
  private final int newer;

  public StaleAttemptException(String run, int attempt, int newer) {
    super(
        "attempt "
            + attempt
            + " of run "
            + run
            + " was superseded by attempt "
            + newer
            + "; not writing");
    this.attempt = attempt;
    this.newer = newer;
  }

  public int attempt() {
    return attempt;
  }

  /** The newest attempt found. */
  public int newer() {
    return newer;
  }
}
