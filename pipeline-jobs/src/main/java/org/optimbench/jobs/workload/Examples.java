package org.optimbench.jobs.workload;

import java.util.List;
import org.optimbench.jobs.data.ChunkSchema;
import org.optimbench.jobs.data.RowChunk;

/**
 * Rows built in memory ({@link Example}s: tests, benchmarks, the trace of a small problem) as the
 * columns the workloads encode, in the layout data-prep's Parquet is read into: {@code indices} as
 * the first list column of ints, {@code values} as the second list column (doubles, or floats where
 * the schema says so), both optional per schema.
 */
public final class Examples {
  private Examples() {}

  /** {@code rows} in {@code schema}'s columns. */
  public static RowChunk chunk(List<Example> rows, ChunkSchema schema) {
    int n = rows.size();
    long[] ids = new long[n];
    int[] labels = schema.hasLabel() ? new int[n] : null;
    int lists = schema.listCount();
    int[][] offsets = new int[lists][n + 1];
    Object[] values = new Object[lists];
    for (int k = 0; k < lists; k++) {
      long total = 0;
      for (Example e : rows) total += k == 0 ? e.indices().length : e.values().length;
      int length = RowChunk.checkedLength(total, schema.list(k).name());
      values[k] =
          switch (schema.list(k).type()) {
            case INT -> new int[length];
            case FLOAT -> new float[length];
            case DOUBLE -> new double[length];
          };
    }
    for (int i = 0; i < n; i++) {
      Example e = rows.get(i);
      ids[i] = e.id();
      if (labels != null) labels[i] = e.label();
      for (int k = 0; k < lists; k++) {
        int at = offsets[k][i];
        if (k == 0) {
          copy(e.indices(), values[k], at);
          offsets[k][i + 1] = at + e.indices().length;
        } else {
          copy(e.values(), values[k], at);
          offsets[k][i + 1] = at + e.values().length;
        }
      }
    }
    return new RowChunk(schema, ids, labels, offsets, values);
  }

  private static void copy(int[] from, Object to, int at) {
    if (!(to instanceof int[] ints))
      throw new IllegalArgumentException("an int list column expected");
    System.arraycopy(from, 0, ints, at, from.length);
  }

  private static void copy(double[] from, Object to, int at) {
    if (to instanceof double[] d) {
      System.arraycopy(from, 0, d, at, from.length);
    } else if (to instanceof float[] f) {
      for (int j = 0; j < from.length; j++) f[at + j] = (float) from[j];
    } else {
      throw new IllegalArgumentException("a float or double list column expected");
    }
  }
}
