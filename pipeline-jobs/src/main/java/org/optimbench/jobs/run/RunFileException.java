package org.optimbench.jobs.run;

import java.nio.file.Path;

/**
 * A file of a run directory that cannot be used as it is (corrupt, truncated, or in conflict with
 * what the caller asked for). The message starts with the file's path.
 */
public final class RunFileException extends IllegalStateException {
  private static final long serialVersionUID = 1L;
  private final transient Path file;

  public RunFileException(Path file, String reason) {
    super(file + ": " + reason);
    this.file = file;
  }

  public RunFileException(Path file, String reason, Throwable cause) {
    super(file + ": " + reason, cause);
    this.file = file;
  }

  public Path file() {
    return file;
  }
}
