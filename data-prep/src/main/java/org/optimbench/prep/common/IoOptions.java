package org.optimbench.prep.common;

import picocli.CommandLine.Option;

/**
 * Options every job has. The fields are never read directly: {@link Configs} reads the matched
 * options from the parse result and merges them over the conf file into the job's config record.
 */
public final class IoOptions {
  @Option(
      names = "--input",
      paramLabel = "PATH",
      description = "Input file or directory (any Hadoop file system).")
  String input;

  @Option(
      names = "--output",
      paramLabel = "DIR",
      description = "Output directory (committed atomically).")
  String output;

  @Option(names = "--overwrite", description = "Replace an existing output.")
  Boolean overwrite;

  @Option(
      names = "--max-bad-rows",
      paramLabel = "N",
      description =
          "Skip and count up to N malformed rows, writing them with reasons to _rejects/ "
              + "(default 0: fail on the first, naming file, line and reason).")
  Long maxBadRows;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "Seed of the split assignment (default 0).")
  Long seed;
}
