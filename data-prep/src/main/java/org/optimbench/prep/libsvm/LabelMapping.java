package org.optimbench.prep.libsvm;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedSet;

/**
 * Maps the raw labels of a dataset to class ids 0..K-1 in ascending order of the raw value. This
 * one rule covers the binary conventions ({-1,+1} and {0,1} both become {0,1}; mushrooms' {1,2}
 * becomes {0,1}) and multiclass sets with gaps (glass has no class 4: 1,2,3,5,6,7 become 0..5).
 */
public final class LabelMapping implements Serializable {
  private static final long serialVersionUID = 1L;

  /** More distinct labels than this means the file is probably a regression set. */
  public static final int MAX_CLASSES = 100_000;

  private final double[] sorted;

  public LabelMapping(SortedSet<Double> labels) {
    if (labels.isEmpty()) {
      throw new IllegalArgumentException("no labelled rows");
    }
    if (labels.size() > MAX_CLASSES) {
      throw new IllegalArgumentException(
          labels.size() + " distinct labels; regression targets are not supported");
    }
    sorted = labels.stream().mapToDouble(Double::doubleValue).toArray();
  }

  public int numClasses() {
    return sorted.length;
  }

  public String kind() {
    return sorted.length == 2 ? "binary" : sorted.length == 1 ? "single-class" : "multiclass";
  }

  public int classOf(double raw) {
    int i = Arrays.binarySearch(sorted, raw);
    if (i < 0) {
      throw new IllegalArgumentException(
          "label " + raw + " was not seen when the mapping was built");
    }
    return i;
  }

  /** Raw label (written as an integer) to class id, for the manifest. */
  public Map<String, Integer> asMap() {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < sorted.length; i++) {
      m.put(Long.toString((long) sorted[i]), i);
    }
    return m;
  }
}
