package org.optimbench.optim.spec;

/**
 * A bad value in a spec or a configuration (an optimizer, schedule or workload spec, a run conf
 * key, the data a key points at). {@link #field()} names the offending field as a dotted path
 * ({@code optimizer.hparams.betas[1]}), and the message starts with it.
 */
public class SpecException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final String field;
  private final String reason;

  public SpecException(String field, String reason) {
    super(field + ": " + reason);
    this.field = field;
    this.reason = reason;
  }

  public String field() {
    return field;
  }

  public String reason() {
    return reason;
  }

  /** The same error with {@code prefix + "."} in front of the field path. */
  public SpecException under(String prefix) {
    return new SpecException(prefix + "." + field, reason);
  }
}
