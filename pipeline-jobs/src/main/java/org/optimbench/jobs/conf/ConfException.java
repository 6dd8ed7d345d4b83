package org.optimbench.jobs.conf;

/** A bad run configuration; the message starts with the dotted key (and the file, where known). */
public final class ConfException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final String key;

  public ConfException(String key, String reason) {
    super(key + ": " + reason);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
