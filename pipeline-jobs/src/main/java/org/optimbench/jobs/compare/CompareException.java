package org.optimbench.jobs.compare;

/**
 * A comparison that cannot be made as asked: a selection path that does not exist, a glob without
 * matches, nothing usable selected, an output directory that exists. Exit code 2 (bad input).
 */
public final class CompareException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public CompareException(String message) {
    super(message);
  }
}
