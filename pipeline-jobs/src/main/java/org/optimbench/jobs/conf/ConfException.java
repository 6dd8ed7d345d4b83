package org.optimbench.jobs.conf;

import org.optimbench.optim.spec.SpecException;

/**
 * A bad run configuration; the message starts with the dotted key. A {@link SpecException}, like
 * the errors of the optimizer, schedule and workload specs nested in a conf, so callers handle
 * every key-named configuration error in one place.
 */
public class ConfException extends SpecException {
  private static final long serialVersionUID = 1L;

  public ConfException(String key, String reason) {
    super(key, reason);
  }

  /** A spec's error (optimizer, schedule, workload) as a conf error with the same key. */
  public static ConfException of(SpecException e) {
    return e instanceof ConfException c ? c : new ConfException(e.field(), e.reason());
  }

  /** The dotted key at fault. */
  public String key() {
    return field();
  }
}
