package org.optimbench.prep.criteo;

import org.optimbench.prep.common.StableHash;

/**
 * DLRM's transforms. Dense: {@code log(1 + max(x, 0))} as float (facebookresearch/dlrm {@code
 * data_utils.py}; MLCommons {@code log(relu(x) + 1)}), computed in double and rounded once.
 * Categorical hashing: {@code 1 + hash(seed, column, value) mod (range - 1)}, with id 0 kept for a
 * missing value, so both categorical modes read "0 = missing or unknown".
 */
public final class CriteoTransforms {
  private static final int TABLE = 4096;
  private static final float[] LOG1P = new float[TABLE];

  static {
    for (int i = 0; i < TABLE; i++) {
      LOG1P[i] = (float) Math.log1p(i);
    }
  }

  private CriteoTransforms() {}

  public static float dense(long x) {
    if (x <= 0) {
      return 0f;
    }
    return x < TABLE ? LOG1P[(int) x] : (float) Math.log1p(x);
  }

  public static int hashBucket(long seed, int column, long value, int range) {
    if (value < 0) {
      return 0;
    }
    long h = StableHash.hash(seed * 31 + column, value);
    return 1 + (int) Math.floorMod(h, (long) (range - 1));
  }
}
