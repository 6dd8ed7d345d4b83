package org.optimbench.prep.common;

/**
 * Deterministic train/valid/test assignment from a stable key (a row id or a document hash) and a
 * seed: the key's hash, read as a uniform number u in [0, 1), goes to test when {@code u < test},
 * to valid when {@code u < test + valid}, else to train. The same key and seed always land in the
 * same split, whatever the partitioning or the order of the input.
 */
public record SplitAssigner(long seed, double validFraction, double testFraction)
    implements java.io.Serializable {
  public static final String TRAIN = "train";
  public static final String VALID = "valid";
  public static final String TEST = "test";

  public SplitAssigner {
    if (!(validFraction >= 0 && validFraction < 1)) {
      throw new IllegalArgumentException(
          "valid fraction (" + validFraction + ") must be in [0, 1)");
    }
    if (!(testFraction >= 0 && testFraction < 1)) {
      throw new IllegalArgumentException("test fraction (" + testFraction + ") must be in [0, 1)");
    }
    if (validFraction + testFraction >= 1) {
      throw new IllegalArgumentException(
          "valid + test fractions ("
              + (validFraction + testFraction)
              + ") must leave some rows for train");
    }
  }

  public String assign(long key) {
    double u = StableHash.unit(StableHash.hash(seed, key));
    if (u < testFraction) {
      return TEST;
    }
    return u < testFraction + validFraction ? VALID : TRAIN;
  }
}
