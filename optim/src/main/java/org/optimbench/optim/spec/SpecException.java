package org.optimbench.optim.spec;

/**
 * A bad optimizer or schedule spec. {@link #field()} names the offending field as a dotted path
 * ({@code optimizer.hparams.betas[1]}), and the message starts with it.
 */
public final class SpecException extends IllegalArgumentException {
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
