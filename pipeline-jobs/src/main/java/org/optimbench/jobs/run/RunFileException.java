package org.optimbench.jobs.run;

import org.optimbench.jobs.fs.Location;

/**
 * A file of a run directory that cannot be used as it is (corrupt, truncated, or in conflict with
 * what the caller asked for). The message starts with the file, as {@link Location#toString} shows
 * it: a plain path for a local file, the URI for any other.
 */
public final class RunFileException extends IllegalStateException {
  private static final long serialVersionUID = 1L;
  private final String file;

  public RunFileException(Location file, String reason) {
    this(file.toString(), reason, null);
  }

  public RunFileException(Location file, String reason, Throwable cause) {
    this(file.toString(), reason, cause);
  }

  public RunFileException(String file, String reason) {
    this(file, reason, null);
  }

  public RunFileException(String file, String reason, Throwable cause) {
    super(file + ": " + reason, cause);
    this.file = file;
  }

  /** The file, as the message names it. */
  public String file() {
    return file;
  }
}
