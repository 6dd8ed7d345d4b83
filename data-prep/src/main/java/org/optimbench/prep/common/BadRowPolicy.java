package org.optimbench.prep.common;

import java.io.Serializable;

/**
 * What to do with a malformed row: with {@code maxBadRows == 0} (the default) the job fails with
 * the row's file, line and reason; otherwise up to {@code maxBadRows} rows are skipped, counted and
 * written with their reasons under {@code rejectDir} (one TSV per input file: file, line, reason,
 * the raw line). {@code writeRejects} is false for extra passes over the same input (statistics,
 * vocabularies), so rejects are written and counted once.
 */
public record BadRowPolicy(long maxBadRows, String rejectDir, boolean writeRejects)
    implements Serializable {
  public BadRowPolicy {
    if (maxBadRows < 0) {
      throw new IllegalArgumentException("max-bad-rows (" + maxBadRows + ") must be >= 0");
    }
  }

  public BadRowPolicy countingOnly() {
    return new BadRowPolicy(maxBadRows, rejectDir, false);
  }
}
