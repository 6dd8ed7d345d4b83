package org.optimbench.jobs.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Rows in columns: {@code size()} ids, the labels when the schema has a label column, and for each
 * list column the offsets ({@code size() + 1} ints: row {@code i}'s elements are {@code
 * values[offsets[i] .. offsets[i + 1])}) and the values of all rows back to back in one primitive
 * array. Every array has exactly the length it needs (ids {@code size()}, values {@code
 * offsets[size()]}), so a consumer can hand a column to a tensor without a copy or a length
 * argument.
 *
 * <p>No array of a chunk may exceed {@link #MAX_ARRAY_LENGTH} elements (the largest array a JVM
 * allocates): building a chunk computes each length as a {@code long} and fails with a message
 * naming the column before anything is allocated. Readers bound the rows of a chunk by their own
 * {@code chunkRows} setting.
 *
 * <p>A chunk is not copied when handed out; treat its arrays as read-only.
 */
public final class RowChunk {
  /** The largest array length every JVM allocates (some reserve header words in the array). */
  public static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

  private final ChunkSchema schema;
  private final int size;
  private final long[] ids;
  private final int[] labels;
  private final int[][] offsets;
  private final Object[] values;
  // per list column: denseWidth's answer once computed, UNKNOWN before. A race computes it twice
  // and stores the same value; the arrays it is computed from are never written.
  private final int[] denseWidths;
  private static final int UNKNOWN = -2;

  /**
   * A chunk over the given arrays (not copied). Checks that the lengths agree with each other and
   * with the schema, and that offsets start at 0 and never decrease.
   *
   * @param labels null exactly when the schema has no label column
   * @param offsets one array of {@code ids.length + 1} offsets per list column
   * @param values one {@code int[]}, {@code float[]} or {@code double[]} per list column, as its
   *     element type says
   */
  public RowChunk(ChunkSchema schema, long[] ids, int[] labels, int[][] offsets, Object[] values) {
    this.schema = Objects.requireNonNull(schema, "schema");
    this.ids = Objects.requireNonNull(ids, "ids");
    this.size = ids.length;
    if (schema.hasLabel() != (labels != null))
      throw new IllegalArgumentException(
          schema.hasLabel() ? "labels missing for " + schema : "labels given for " + schema);
    if (labels != null && labels.length != size)
      throw new IllegalArgumentException(labels.length + " labels for " + size + " rows");
    if (offsets.length != schema.listCount() || values.length != schema.listCount())
      throw new IllegalArgumentException(
          offsets.length + " offset and " + values.length + " value arrays for " + schema);
    for (int k = 0; k < offsets.length; k++) {
      String name = schema.list(k).name();
      int[] off = offsets[k];
      if (off.length != size + 1)
        throw new IllegalArgumentException(
            name + ": " + off.length + " offsets for " + size + " rows (want " + (size + 1) + ")");
      if (off[0] != 0) throw new IllegalArgumentException(name + ": offsets start at " + off[0]);
      for (int i = 0; i < size; i++)
        if (off[i + 1] < off[i])
          throw new IllegalArgumentException(
              name + ": offset " + off[i + 1] + " of row " + (i + 1) + " below " + off[i]);
      int length = length(values[k], schema.list(k).type(), name);
      if (length != off[size])
        throw new IllegalArgumentException(
            name + ": " + length + " values for offsets ending at " + off[size]);
    }
    this.labels = labels;
    this.offsets = offsets;
    this.values = values;
    this.denseWidths = new int[offsets.length];
    Arrays.fill(denseWidths, UNKNOWN);
  }

  /** A chunk of no rows. */
  public static RowChunk empty(ChunkSchema schema) {
    int n = schema.listCount();
    int[][] off = new int[n][];
    Object[] val = new Object[n];
    for (int k = 0; k < n; k++) {
      off[k] = new int[1];
      val[k] = newValues(schema.list(k).type(), 0);
    }
    return new RowChunk(schema, new long[0], schema.hasLabel() ? new int[0] : null, off, val);
  }

  public ChunkSchema schema() {
    return schema;
  }

  public int size() {
    return size;
  }

  public long[] ids() {
    return ids;
  }

  public long id(int row) {
    return ids[row];
  }

  /** The labels; null when the schema has no label column. */
  public int[] labels() {
    return labels;
  }

  public int label(int row) {
    if (labels == null) throw new IllegalStateException("no label column in " + schema);
    return labels[row];
  }

  /** Offsets of list column {@code list} (position in {@link ChunkSchema#lists()}). */
  public int[] offsets(int list) {
    return offsets[list];
  }

  /** The number of elements of row {@code row} in list column {@code list}. */
  public int length(int list, int row) {
    return offsets[list][row + 1] - offsets[list][row];
  }

  /** The values of an INT list column. */
  public int[] ints(int list) {
    return (int[]) typed(list, ChunkSchema.ElementType.INT);
  }

  /** The values of a FLOAT list column. */
  public float[] floats(int list) {
    return (float[]) typed(list, ChunkSchema.ElementType.FLOAT);
  }

  /** The values of a DOUBLE list column. */
  public double[] doubles(int list) {
    return (double[]) typed(list, ChunkSchema.ElementType.DOUBLE);
  }

  /** The values array of list column {@code list}, whatever its type. */
  public Object values(int list) {
    return values[list];
  }

  /**
   * {@code w} when every row of INT list column {@code list} stores exactly 0, 1, ..., w - 1 in
   * order (rows of index-value pairs that store every position of a dense vector, as LIBSVM files
   * of dense data do), else -1 (-1 also for a chunk of no rows or rows of no elements). A consumer
   * that finds w can take each row's values as the dense row without reading its indices. One pass
   * over the column on the first call (a column of other lists fails at its first row), then kept:
   * {@link #prepare()} makes that pass where the chunk is decoded.
   */
  public int denseWidth(int list) {
    int w = denseWidths[list];
    if (w == UNKNOWN) denseWidths[list] = w = computeDenseWidth(list);
    return w;
  }

  /**
   * Computes {@link #denseWidth} for every INT list column now (on a decoding thread, so that the
   * step's thread finds the answers ready).
   */
  public RowChunk prepare() {
    for (int k = 0; k < offsets.length; k++)
      if (schema.list(k).type() == ChunkSchema.ElementType.INT) denseWidth(k);
    return this;
  }

  private int computeDenseWidth(int list) {
    int[] idx = ints(list);
    int[] off = offsets[list];
    if (size == 0) return -1;
    int w = off[1];
    if (w == 0 || !inOrder(idx, 0, w)) return -1;
    for (int i = 1; i <= size; i++) if (off[i] != (long) i * w) return -1;
    for (int i = 1; i < size; i++) if (!inOrder(idx, i * w, w)) return -1;
    return w;
  }

  /**
   * Whether {@code idx[start, start + n)} are 0, 1, ..., n - 1. Compared with {@link
   * Arrays#equals(int[], int, int, int[], int, int)} against a shared 0, 1, 2, ... array, which the
   * JIT turns into wide vector compares (a loop over {@code idx[j] ^ j} stays scalar).
   */
  public static boolean inOrder(int[] idx, int start, int n) {
    return Arrays.equals(idx, start, start + n, iota(n), 0, n);
  }

  /** 0, 1, ..., at least n - 1; shared, never written once published. */
  private static volatile int[] iota = new int[0];

  private static int[] iota(int n) {
    int[] a = iota;
    if (a.length >= n) return a;
    a = new int[n];
    for (int j = 0; j < n; j++) a[j] = j;
    iota = a;
    return a;
  }

  private Object typed(int list, ChunkSchema.ElementType want) {
    ChunkSchema.ListColumn c = schema.list(list);
    if (c.type() != want)
      throw new IllegalArgumentException(
          "column '" + c.name() + "' holds " + c.type() + " values, not " + want);
    return values[list];
  }

  /** Rows {@code [from, to)}, copied. */
  public RowChunk slice(int from, int to) {
    if (from < 0 || to < from || to > size)
      throw new IndexOutOfBoundsException("[" + from + ", " + to + ") of " + size + " rows");
    int[] positions = new int[to - from];
    for (int i = 0; i < positions.length; i++) positions[i] = from + i;
    return gather(positions);
  }

  /** The rows at {@code positions}, in that order (a position may repeat). */
  public RowChunk gather(int[] positions) {
    return gather(positions, 0, positions.length);
  }

  /** The rows at {@code positions[from .. to)}, in that order. */
  public RowChunk gather(int[] positions, int from, int to) {
    return gather(schema, this, null, positions, from, to);
  }

  /**
   * Row {@code i} of the result is row {@code rows[i]} of {@code sources[i]}, for {@code i} in
   * {@code [from, to)}: rows of several chunks (the parts of a shuffle window) in any order, copied
   * once.
   */
  public static RowChunk gather(
      ChunkSchema schema, RowChunk[] sources, int[] rows, int from, int to) {
    return gather(schema, null, sources, rows, from, to);
  }

  /** The rows of {@code parts} one after another. */
  public static RowChunk concat(ChunkSchema schema, List<RowChunk> parts) {
    if (parts.size() == 1) return parts.get(0);
    long n = 0;
    for (RowChunk p : parts) n += p.size;
    int rows = checkedLength(n, "ids");
    RowChunk[] src = new RowChunk[rows];
    int[] at = new int[rows];
    int i = 0;
    for (RowChunk p : parts) {
      for (int r = 0; r < p.size; r++, i++) {
        src[i] = p;
        at[i] = r;
      }
    }
    return gather(schema, null, src, at, 0, rows);
  }

  private static RowChunk gather(
      ChunkSchema schema, RowChunk single, RowChunk[] sources, int[] rows, int from, int to) {
    if (from < 0 || to < from || to > rows.length)
      throw new IndexOutOfBoundsException("[" + from + ", " + to + ") of " + rows.length);
    int n = to - from;
    if (sources != null) {
      for (int i = from; i < to; i++)
        if (!sources[i].schema.equals(schema))
          throw new IllegalArgumentException(
              "a chunk of " + sources[i].schema + " gathered into " + schema);
    }
    long[] ids = new long[n];
    int[] labels = schema.hasLabel() ? new int[n] : null;
    for (int i = 0; i < n; i++) {
      RowChunk s = single != null ? single : sources[from + i];
      int r = rows[from + i];
      ids[i] = s.ids[r];
      if (labels != null) labels[i] = s.labels[r];
    }
    int lists = schema.listCount();
    int[][] offsets = new int[lists][];
    Object[] values = new Object[lists];
    for (int k = 0; k < lists; k++) {
      ChunkSchema.ListColumn c = schema.list(k);
      // Size first, as a long, so that an overflowing gather fails before allocating anything.
      long total = 0;
      for (int i = 0; i < n; i++) {
        RowChunk s = single != null ? single : sources[from + i];
        int r = rows[from + i];
        total += s.offsets[k][r + 1] - s.offsets[k][r];
      }
      int length = checkedLength(total, "values of column '" + c.name() + "'");
      int[] off = new int[n + 1];
      Object out = newValues(c.type(), length);
      int at = 0;
      for (int i = 0; i < n; i++) {
        RowChunk s = single != null ? single : sources[from + i];
        int r = rows[from + i];
        int start = s.offsets[k][r];
        int len = s.offsets[k][r + 1] - start;
        System.arraycopy(s.values[k], start, out, at, len);
        at += len;
        off[i + 1] = at;
      }
      offsets[k] = off;
      values[k] = out;
    }
    return new RowChunk(schema, ids, labels, offsets, values);
  }

  /**
   * {@code elements} as an array length, or an error naming {@code what} when no JVM array can hold
   * that many (more than {@link #MAX_ARRAY_LENGTH}); callers check before allocating.
   */
  public static int checkedLength(long elements, String what) {
    if (elements < 0 || elements > MAX_ARRAY_LENGTH)
      throw new DataReadException(
          what
              + ": "
              + elements
              + " elements do not fit in one array (at most "
              + MAX_ARRAY_LENGTH
              + "); read fewer rows per chunk");
    return (int) elements;
  }

  static Object newValues(ChunkSchema.ElementType type, int length) {
    return switch (type) {
      case INT -> new int[length];
      case FLOAT -> new float[length];
      case DOUBLE -> new double[length];
    };
  }

  private static int length(Object values, ChunkSchema.ElementType type, String name) {
    Object want = newValues(type, 0);
    if (values == null || values.getClass() != want.getClass())
      throw new IllegalArgumentException(
          name
              + ": values must be "
              + want.getClass().getSimpleName()
              + ", got "
              + (values == null ? "null" : values.getClass().getSimpleName()));
    return java.lang.reflect.Array.getLength(values);
  }

  @Override
  public String toString() {
    return "RowChunk["
        + size
        + " rows of "
        + schema
        + (size == 0 ? "" : ", ids " + ids[0] + " .. " + ids[size - 1])
        + "]";
  }

  /** Equal ids, labels, offsets and values (floating-point values compared bit for bit). */
  public boolean sameRows(RowChunk o) {
    if (!schema.equals(o.schema) || size != o.size) return false;
    if (!Arrays.equals(ids, o.ids) || !Arrays.equals(labels, o.labels)) return false;
    for (int k = 0; k < offsets.length; k++) {
      if (!Arrays.equals(offsets[k], o.offsets[k])) return false;
      boolean same =
          switch (schema.list(k).type()) {
            case INT -> Arrays.equals((int[]) values[k], (int[]) o.values[k]);
            case FLOAT -> Arrays.equals((float[]) values[k], (float[]) o.values[k]);
            case DOUBLE -> Arrays.equals((double[]) values[k], (double[]) o.values[k]);
          };
      if (!same) return false;
    }
    return true;
  }
}
