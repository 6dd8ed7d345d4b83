package org.optimbench.prep.common;

/**
 * A malformed input row under the fail policy, or too many of them under {@code --max-bad-rows}.
 * The message names the file, the line and the reason; the CLI prints it and exits non-zero.
 */
public class BadInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadInputException(String message) {
    super(message);
  }

  public static String describe(String file, long line, String reason) {
    return "line " + line + " of " + file + ": " + reason;
  }

  /**
   * For the driver's catch block: a Spark failure caused by bad input becomes a plain
   * BadInputException, an IOException is rethrown as is, anything else (Spark's exceptions are
   * checked in Java's eyes) is returned unchecked.
   */
  public static RuntimeException unwrap(Exception e) throws java.io.IOException {
    if (e instanceof BadInputException b) {
      return b;
    }
    String bad = find(e);
    if (bad != null) {
      return new BadInputException(bad);
    }
    if (e instanceof java.io.IOException io) {
      throw io;
    }
    return e instanceof RuntimeException r
        ? r
        : new IllegalStateException("job failed: " + e.getMessage(), e);
  }

  /**
   * Finds the bad-input message in an exception that Spark may have wrapped several times (stage
   * failure, task write failure). Returns null when the failure is something else.
   */
  public static String find(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof BadInputException) {
        return c.getMessage();
      }
    }
    String marker = BadInputException.class.getName() + ": ";
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage();
      int at = m == null ? -1 : m.indexOf(marker);
      if (at >= 0) {
        int end = m.indexOf('\n', at);
        return m.substring(at + marker.length(), end < 0 ? m.length() : end).trim();
      }
    }
    return null;
  }
}
