package org.optimbench.prep.libsvm;

import java.io.Serializable;

/**
 * One parsed LIBSVM line: the raw label, feature indices as written (1-based, strictly ascending)
 * and their values, and whether a {@code qid:} token was dropped.
 */
public record LibsvmRecord(double label, int[] indices, double[] values, boolean hadQid)
    implements Serializable {
  public int maxIndex() {
    return indices.length == 0 ? 0 : indices[indices.length - 1];
  }
}
