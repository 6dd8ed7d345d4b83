package org.optimbench.jobs.data;

import java.util.Arrays;

/**
 * The arrays of a {@link RowChunk} being decoded: ids, labels and offsets for a fixed number of
 * rows, and values arrays that grow as list elements arrive. Decoders write straight into them;
 * {@link #build()} trims every array to its used length. Not thread-safe.
 */
final class ChunkBuilder {
  final ChunkSchema schema;
  final int capacity;
  int size;
  final long[] ids;
  final int[] labels;
  final int[][] offsets;
  final Object[] values;

  /**
   * @param capacity rows
   * @param valueHints expected values per list column for {@code capacity} rows (exact for
   *     fixed-length lists, so that those never grow nor get trimmed)
   */
  ChunkBuilder(ChunkSchema schema, int capacity, long[] valueHints) {
    this.schema = schema;
    this.capacity = capacity;
    String rows = capacity + " rows";
    ids = new long[RowChunk.checkedLength(capacity, "ids of " + rows)];
    labels = schema.hasLabel() ? new int[capacity] : null;
    int lists = schema.listCount();
    offsets = new int[lists][];
    values = new Object[lists];
    for (int k = 0; k < lists; k++) {
      ChunkSchema.ListColumn c = schema.list(k);
      offsets[k] = new int[RowChunk.checkedLength(capacity + 1L, "offsets of " + rows)];
      long hint = Math.min(Math.max(valueHints[k], 0), RowChunk.MAX_ARRAY_LENGTH);
      values[k] = RowChunk.newValues(c.type(), (int) hint);
    }
  }

  /**
   * Grows list column {@code k}'s values to hold at least {@code needed} elements (by half again,
   * at least), failing with the column's name when no array can hold them.
   */
  Object grow(int k, long needed) {
    Object old = values[k];
    int length = java.lang.reflect.Array.getLength(old);
    long want = Math.max(needed, length + (length >> 1) + 16L);
    if (want > RowChunk.MAX_ARRAY_LENGTH && needed <= RowChunk.MAX_ARRAY_LENGTH)
      want = RowChunk.MAX_ARRAY_LENGTH;
    int n =
        RowChunk.checkedLength(
            want, "values of column '" + schema.list(k).name() + "' in a chunk of " + capacity);
    Object grown =
        switch (schema.list(k).type()) {
          case INT -> Arrays.copyOf((int[]) old, n);
          case FLOAT -> Arrays.copyOf((float[]) old, n);
          case DOUBLE -> Arrays.copyOf((double[]) old, n);
        };
    values[k] = grown;
    return grown;
  }

  RowChunk build() {
    long[] i = size == capacity ? ids : Arrays.copyOf(ids, size);
    int[] l = labels == null || size == capacity ? labels : Arrays.copyOf(labels, size);
    int lists = schema.listCount();
    int[][] off = new int[lists][];
    Object[] val = new Object[lists];
    for (int k = 0; k < lists; k++) {
      off[k] = size == capacity ? offsets[k] : Arrays.copyOf(offsets[k], size + 1);
      int used = off[k][size];
      Object v = values[k];
      if (java.lang.reflect.Array.getLength(v) != used) {
        v =
            switch (schema.list(k).type()) {
              case INT -> Arrays.copyOf((int[]) v, used);
              case FLOAT -> Arrays.copyOf((float[]) v, used);
              case DOUBLE -> Arrays.copyOf((double[]) v, used);
            };
      }
      val[k] = v;
    }
    return new RowChunk(schema, i, l, off, val);
  }
}
