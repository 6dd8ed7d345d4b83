package org.optimbench.prep.common;

import java.io.Serializable;

/**
 * One input file as a task sees it: its full path (any Hadoop file system), its ordinal in the
 * job's sorted file list (the high bits of row ids), and its size in bytes.
 */
public record InputFile(String path, int ordinal, long bytes) implements Serializable {
  /** The last path component, used in messages and day detection. */
  public String name() {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? path : path.substring(slash + 1);
  }

  /** Row id of a line: file ordinal in the high 24 bits, 1-based line number in the low 40. */
  public long rowId(long lineNumber) {
    return rowId(ordinal, lineNumber);
  }

  /** Row id of line {@code lineNumber} (1-based) of the file with ordinal {@code ordinal}. */
  public static long rowId(int ordinal, long lineNumber) {
    return ((long) ordinal << 40) | lineNumber;
  }
}
