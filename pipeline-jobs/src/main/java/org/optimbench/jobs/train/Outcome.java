package org.optimbench.jobs.train;

import java.io.Serializable;

/**
 * What a run ended as, reported by rank 0: {@code completed}, {@code diverged}, {@code failed}, or
 * {@value #TRAINED} when training ended and the evaluation after training ({@code eval.final}) has
 * yet to complete the run; {@code step} is the last step taken (or the step of the divergence).
 */
public record Outcome(String run, String state, long step, String reason) implements Serializable {
  /** The state of a run whose training ended and whose evaluation after training is pending. */
  public static final String TRAINED = "trained";

  public static final String COMPLETED = "completed";
  public static final String DIVERGED = "diverged";
  public static final String FAILED = "failed";
}
