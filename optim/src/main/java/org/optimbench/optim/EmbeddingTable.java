package org.optimbench.optim;

import java.io.Serializable;

/**
 * An embedding table of {@code rows x width} elements inside a flat array, filling {@code [offset,
 * offset + rows * width)}: element (i, j) of row i is at {@code offset + i * rowStride + j *
 * colStride}, with strides {@code (width, 1)} for a row-major table and {@code (1, rows)} for a
 * column-major one (DL4J's own embedding weights, stored [rows, width] in 'f' order; DLRM's tables
 * are row-major). A batch's gradient of a table is non-zero only at the rows it looked up: gradient
 * sharing sums tables as sparse rows, and the optimizer {@link
 * org.optimbench.optim.sparse.RowSparse} updates only those rows.
 */
public record EmbeddingTable(
    String name, long offset, long rows, long width, long rowStride, long colStride)
    implements Serializable {
  public EmbeddingTable {
    if (rows <= 0 || width <= 0 || rows > Integer.MAX_VALUE)
      throw new IllegalArgumentException("table " + name + ": " + rows + " x " + width);
    boolean rowMajor = rowStride == width && colStride == 1;
    boolean colMajor = rowStride == 1 && colStride == rows;
    if (!rowMajor && !colMajor) {
      throw new IllegalArgumentException(
          "table "
              + name
              + ": strides ("
              + rowStride
              + ", "
              + colStride
              + ") are neither row- nor column-major for "
              + rows
              + " x "
              + width);
    }
  }

  public long elements() {
    return rows * width;
  }

  /**
   * The rows of this table in which any element's bits are not all zero, ascending, in the flat
   * vector whose element bits {@code bits} holds ({@code intsPerElement}: 1 for float32, 2 for
   * float64; index 0 is the vector's first element). The table is read in bulk copies into an int
   * array (column by column for a column-major table) and OR-ed row by row: element by element
   * through the buffer took a large share of a DLRM training step (BENCHMARKS.md, "Measurements
   * behind code choices"), and comparing floats measured about twice as slow as OR-ing their bits.
   * Gradient sharing's sparse sum and the row-sparse optimizer both find a step's rows here; a -0.0
   * counts as non-zero.
   */
  public int[] nonZeroRows(java.nio.IntBuffer bits, int intsPerElement) {
    int n = (int) rows;
    int w = (int) width;
    int k = intsPerElement;
    int[] acc = new int[n];
    if (rowStride == 1) { // column-major: each column is `rows` consecutive elements
      int[] col = new int[n * k];
      for (int j = 0; j < w; j++) {
        bits.get(Math.toIntExact((offset + (long) j * n) * k), col, 0, col.length);
        if (k == 1) for (int i = 0; i < n; i++) acc[i] |= col[i];
        else for (int i = 0; i < n; i++) acc[i] |= col[2 * i] | col[2 * i + 1];
      }
    } else { // row-major: rows of `width` consecutive elements, read in blocks of rows
      int perRow = w * k;
      int block = Math.max(1, (1 << 16) / perRow);
      int[] buf = new int[Math.min(n, block) * perRow];
      for (int first = 0; first < n; first += block) {
        int m = Math.min(block, n - first);
        bits.get(Math.toIntExact((offset + (long) first * w) * k), buf, 0, m * perRow);
        for (int i = 0, c = 0; i < m; i++) {
          int v = 0;
          for (int q = 0; q < perRow; q++, c++) v |= buf[c];
          acc[first + i] = v;
        }
      }
    }
    int count = 0;
    for (int v : acc) if (v != 0) count++;
    int[] out = new int[count];
    for (int i = 0, m = 0; i < n; i++) if (acc[i] != 0) out[m++] = i;
    return out;
  }

  /**
   * {@link #nonZeroRows(java.nio.IntBuffer, int)} when the rows that may be non-zero are known:
   * those of {@code candidates} (ascending, distinct, each a row of this table) with an element
   * whose bits are not all zero. Reads only the candidates' elements, where the full scan reads the
   * whole table: whoever computed the gradient (the embedding layer that scattered a batch into it,
   * or the sparse sum that wrote other workers' rows) knows which rows it wrote. Null {@code
   * candidates}: nobody knows, and the whole table is scanned.
   */
  public int[] nonZeroRows(java.nio.IntBuffer bits, int intsPerElement, int[] candidates) {
    if (candidates == null) return nonZeroRows(bits, intsPerElement);
    int k = intsPerElement;
    int[] out = new int[candidates.length];
    int m = 0;
    int previous = -1;
    int[] row = null;
    for (int id : candidates) {
      if (id <= previous || id >= rows)
        throw new IllegalArgumentException(
            "table "
                + name
                + ": candidate rows must be ascending, distinct rows below "
                + rows
                + ", got "
                + id
                + " after "
                + previous);
      previous = id;
      long first = (offset + id * rowStride) * k;
      int v = 0;
      if (colStride == 1) { // a row-major row is width * k consecutive ints: one bulk read
        if (row == null) row = new int[(int) width * k];
        bits.get(Math.toIntExact(first), row, 0, row.length);
        for (int x : row) v |= x;
      } else {
        long step = colStride * k;
        for (int j = 0; j < width; j++) {
          int at = Math.toIntExact(first + j * step);
          v |= bits.get(at);
          if (k == 2) v |= bits.get(at + 1);
        }
      }
      if (v != 0) out[m++] = id;
    }
    return m == out.length ? out : java.util.Arrays.copyOf(out, m);
  }
}
