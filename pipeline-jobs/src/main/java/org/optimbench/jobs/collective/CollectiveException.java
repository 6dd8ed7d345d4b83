package org.optimbench.jobs.collective;

/**
 * An all-reduce failed: a peer closed or died, no data moved within the timeout, or the workers'
 * calls did not match.
 */
public class CollectiveException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CollectiveException(String message) {
    super(message);
  }

  public CollectiveException(String message, Throwable cause) {
    super(message, cause);
  }
}
