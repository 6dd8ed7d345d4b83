package org.optimbench.prep.common;

/** Thrown by the pure line parsers; the message is the reason only (no file or line). */
public class RowFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  public RowFormatException(String reason) {
    super(reason, null, false, false);
  }
}
