package org.optimbench.jobs.data;

/**
 * A dataset that cannot be read as asked: a missing or corrupt file, a column of the wrong type, a
 * null list. The message is one line naming the dataset, file, row group and column concerned, so
 * that it can be shown as is by a driver that receives it from an executor.
 */
public final class DataReadException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DataReadException(String message) {
    super(message);
  }

  public DataReadException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The first line of a cause's message (or its class name when it has none), for messages built
   * around exceptions from Hadoop or Parquet whose own messages can span lines.
   */
  static String reason(Throwable t) {
    String m = t.getMessage();
    if (m == null || m.isBlank()) return t.getClass().getSimpleName();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
