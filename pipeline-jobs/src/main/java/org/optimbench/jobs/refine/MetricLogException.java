package org.optimbench.jobs.refine;

/** A metric log that cannot be refined: the message names the file, line or row, and column. */
public final class MetricLogException extends Exception {
  private static final long serialVersionUID = 1L;

  public MetricLogException(String message) {
    super(message);
  }
}
