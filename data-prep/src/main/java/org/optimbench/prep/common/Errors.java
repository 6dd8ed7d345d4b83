package org.optimbench.prep.common;

import org.slf4j.LoggerFactory;

/**
 * How failures reach the user: one line on the console, the whole story in the log. A Spark job's
 * failure carries the failed task's stack trace in its message; the user needs the root cause's own
 * message, and the stack trace belongs in the log file.
 */
public final class Errors {
  private Errors() {}

  /**
   * The message a user acts on: the deepest cause's first line, with its type where the message
   * alone would not say what happened.
   */
  public static String oneLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String m = root.getMessage();
    if (m == null || m.isBlank()) return root.getClass().getSimpleName();
    String first = m.strip().lines().findFirst().orElse("");
    boolean selfExplaining =
        root instanceof IllegalArgumentException || root instanceof IllegalStateException;
    return selfExplaining ? first : root.getClass().getSimpleName() + ": " + first;
  }

  /** System property naming the log file the scripts' JVMs write (their log4j2 configuration). */
  public static final String LOG_FILE_PROPERTY = "optimbench.log.file";

  /** " (details: FILE)" naming the log file, or nothing when the JVM logs elsewhere. */
  public static String details() {
    String f = System.getProperty(LOG_FILE_PROPERTY);
    return f == null || f.isEmpty() ? "" : " (details: " + f + ")";
  }

  /** Logs {@code what} with the whole stack trace of {@code e} (the log file, not the console). */
  public static void log(Class<?> where, String what, Throwable e) {
    LoggerFactory.getLogger(where).error(what, e);
  }
}
