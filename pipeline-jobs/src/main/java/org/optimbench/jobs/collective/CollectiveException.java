package org.optimbench.jobs.collective;

/**
 * The ring failed: it could not form (a neighbour refused the handshake or failed to prove the
 * secret), a peer closed or died, no data moved within the timeout, received data failed its
 * authentication, or the workers' calls did not match.
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
