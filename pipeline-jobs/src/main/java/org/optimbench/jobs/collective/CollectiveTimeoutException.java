package org.optimbench.jobs.collective;

/**
 * A wait on a ring neighbour ran out: the ring did not form within {@link
 * CollectiveOptions#rendezvousTimeoutMillis()}, or a call moved no byte for {@link
 * CollectiveOptions#stepTimeoutMillis()}. The message names the rank, the peer and the phase.
 */
public class CollectiveTimeoutException extends CollectiveException {
  private static final long serialVersionUID = 1L;

  public CollectiveTimeoutException(String message) {
    super(message);
  }
}
