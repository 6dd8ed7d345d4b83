package org.optimbench.optim;

import java.io.Serializable;

/**
 * An embedding table of {@code rows x width} elements inside a flat array, filling {@code [offset,
 * offset + rows * width)}: element (i, j) of row i is at {@code offset + i * rowStride + j *
 * colStride}, with strides {@code (width, 1)} for a row-major table and {@code (1, rows)} for a
 * column-major one (DL4J's embedding weights, stored [rows, width] in 'f' order). A batch's
 * gradient of a table is non-zero only at the rows it looked up: gradient sharing sums tables as
 * sparse rows, and the optimizer {@link org.optimbench.optim.sparse.RowSparse} updates only those
 * rows.
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
}
