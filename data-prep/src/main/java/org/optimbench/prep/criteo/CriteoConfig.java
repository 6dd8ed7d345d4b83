package org.optimbench.prep.criteo;

import org.optimbench.prep.common.SplitAssigner;

/**
 * Parameters of the Criteo job; conf-file keys are the option names ({@code hash-range}).
 *
 * @param input a day file or a directory of them (gzip or plain)
 * @param output output directory
 * @param overwrite replace an existing output
 * @param maxBadRows malformed rows to skip (0: fail on the first)
 * @param seed salt of the categorical hash (hash mode)
 * @param categorical {@code hash} or {@code vocab}
 * @param hashRange number of ids per column in hash mode, id 0 included (default 40,000,000 as the
 *     MLPerf DLRM {@code --max-ind-range})
 * @param frequencyThreshold vocab mode: values seen fewer times in train map to 0 (default 15, as
 *     NVIDIA's DLRM Spark preprocessing)
 * @param days cut the concatenated input into this many equal days (Kaggle train.txt: 7); null:
 *     days from {@code day_N} file names, or no days when no file has such a name
 * @param validFraction input without days: fraction of rows for valid (null: {@value
 *     #DEFAULT_FRACTION})
 * @param testFraction input without days: fraction of rows for test (null: {@value
 *     #DEFAULT_FRACTION})
 */
public record CriteoConfig(
    String input,
    String output,
    Boolean overwrite,
    Long maxBadRows,
    Long seed,
    Mode categorical,
    Integer hashRange,
    Integer frequencyThreshold,
    Integer days,
    Double validFraction,
    Double testFraction)
    implements java.io.Serializable {
  /** The valid and test fractions of an input without days, as the LIBSVM job's defaults. */
  public static final double DEFAULT_FRACTION = 0.1;

  /** How categorical values become ids. */
  public enum Mode {
    hash,
    vocab
  }

  public CriteoConfig {
    if (input == null) {
      throw new IllegalArgumentException(
          "input is required (--input or 'input:' in the conf file)");
    }
    if (output == null) {
      throw new IllegalArgumentException(
          "output is required (--output or 'output:' in the conf file)");
    }
    overwrite = overwrite != null && overwrite;
    maxBadRows = maxBadRows == null ? 0L : maxBadRows;
    seed = seed == null ? 0L : seed;
    categorical = categorical == null ? Mode.hash : categorical;
    hashRange = hashRange == null ? 40_000_000 : hashRange;
    frequencyThreshold = frequencyThreshold == null ? 15 : frequencyThreshold;
    if (hashRange < 2) {
      throw new IllegalArgumentException(
          "hash-range (" + hashRange + ") must be >= 2 (id 0 is reserved)");
    }
    if (frequencyThreshold < 1) {
      throw new IllegalArgumentException(
          "frequency-threshold (" + frequencyThreshold + ") must be >= 1");
    }
    if (days != null && days < 2) {
      throw new IllegalArgumentException("days (" + days + ") must be >= 2");
    }
    if (validFraction != null || testFraction != null) {
      if (days != null) {
        throw new IllegalArgumentException(
            "valid-fraction and test-fraction split an input without days; with days the last"
                + " day is split into test and valid (give one or the other)");
      }
      rowSplit(seed, validFraction, testFraction); // validates
    }
  }

  /** The parameters of an input with days, or with the default fractions if it has none. */
  public CriteoConfig(
      String input,
      String output,
      Boolean overwrite,
      Long maxBadRows,
      Long seed,
      Mode categorical,
      Integer hashRange,
      Integer frequencyThreshold,
      Integer days) {
    this(
        input,
        output,
        overwrite,
        maxBadRows,
        seed,
        categorical,
        hashRange,
        frequencyThreshold,
        days,
        null,
        null);
  }

  /** Whether valid-fraction or test-fraction was given (they apply to inputs without days only). */
  public boolean fractionsGiven() {
    return validFraction != null || testFraction != null;
  }

  /** The row split of an input without days. */
  public SplitAssigner rowSplit() {
    return rowSplit(seed, validFraction, testFraction);
  }

  private static SplitAssigner rowSplit(long seed, Double valid, Double test) {
    return new SplitAssigner(
        seed, valid == null ? DEFAULT_FRACTION : valid, test == null ? DEFAULT_FRACTION : test);
  }
}
