package org.optimbench.prep.criteo;

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
 *     days from file names
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
    Integer days)
    implements java.io.Serializable {
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
  }
}
