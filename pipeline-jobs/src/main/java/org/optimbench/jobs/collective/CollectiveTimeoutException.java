package org.optimbench.jobs.collective;

/** No byte moved to or from a ring neighbour for {@link CollectiveOptions#timeoutMillis()}. */
public class CollectiveTimeoutException extends CollectiveException {
  private static final long serialVersionUID = 1L;

  public CollectiveTimeoutException(String message) {
    super(message);
  }
}
