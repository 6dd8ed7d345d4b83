package org.optimbench.optim.sparse;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.EmbeddingTable;

/**
 * Element access to a flat vector (parameters, gradient, a state vector) through its native buffer,
 * for row-at-a-time work on embedding tables: a table's rows are a few elements scattered over a
 * large vector (strided in DL4J's column-major tables), which ND4J ops would gather and scatter one
 * op call per table. Absolute indices are element offsets inside the flat vector. CPU backend only
 * (the buffer is host memory).
 */
abstract sealed class TableRows {
  static TableRows of(INDArray flat) {
    if (flat.rank() != 1 && !(flat.rank() == 2 && flat.size(0) == 1))
      throw new IllegalArgumentException(
          "a flat vector is rank 1, got " + flat.shapeInfoToString());
    if (flat.length() > 1 && flat.elementWiseStride() != 1)
      throw new IllegalArgumentException("a flat vector must have unit stride");
    if (flat.dataType() == DataType.FLOAT) return new Floats(flat.data().asNioFloat());
    if (flat.dataType() == DataType.DOUBLE) return new Doubles(flat.data().asNioDouble());
    throw new IllegalArgumentException(
        "row-sparse updates need float32 or float64, got " + flat.dataType());
  }

  /**
   * The rows of {@code t} in which any element is non-zero, ascending: a bulk read of the table
   * (column by column for a column-major table) OR-ing each row's elements.
   */
  abstract int[] nonZeroRows(EmbeddingTable t);

  static int[] ascending(boolean[] hit) {
    int n = 0;
    for (boolean h : hit) if (h) n++;
    int[] out = new int[n];
    for (int i = 0, m = 0; i < hit.length; i++) if (hit[i]) out[m++] = i;
    return out;
  }

  static final class Floats extends TableRows {
    final FloatBuffer b;
    final int base;

    Floats(FloatBuffer b) {
      this.b = b;
      this.base = b.position(); // positioned at the view's offset
    }

    float get(long i) {
      return b.get(base + (int) i);
    }

    void set(long i, float v) {
      b.put(base + (int) i, v);
    }

    @Override
    int[] nonZeroRows(EmbeddingTable t) {
      int rows = (int) t.rows();
      int width = (int) t.width();
      boolean[] hit = new boolean[rows];
      if (t.rowStride() == 1) { // column-major: each column is `rows` consecutive elements
        float[] col = new float[rows];
        for (int j = 0; j < width; j++) {
          b.get(base + (int) (t.offset() + (long) j * rows), col, 0, rows);
          for (int i = 0; i < rows; i++) hit[i] |= col[i] != 0;
        }
      } else {
        float[] row = new float[width];
        for (int i = 0; i < rows; i++) {
          b.get(base + (int) (t.offset() + (long) i * width), row, 0, width);
          boolean h = false;
          for (float v : row) h |= v != 0;
          hit[i] = h;
        }
      }
      return ascending(hit);
    }
  }

  static final class Doubles extends TableRows {
    final DoubleBuffer b;
    final int base;

    Doubles(DoubleBuffer b) {
      this.b = b;
      this.base = b.position();
    }

    double get(long i) {
      return b.get(base + (int) i);
    }

    void set(long i, double v) {
      b.put(base + (int) i, v);
    }

    @Override
    int[] nonZeroRows(EmbeddingTable t) {
      int rows = (int) t.rows();
      int width = (int) t.width();
      boolean[] hit = new boolean[rows];
      if (t.rowStride() == 1) {
        double[] col = new double[rows];
        for (int j = 0; j < width; j++) {
          b.get(base + (int) (t.offset() + (long) j * rows), col, 0, rows);
          for (int i = 0; i < rows; i++) hit[i] |= col[i] != 0;
        }
      } else {
        double[] row = new double[width];
        for (int i = 0; i < rows; i++) {
          b.get(base + (int) (t.offset() + (long) i * width), row, 0, width);
          boolean h = false;
          for (double v : row) h |= v != 0;
          hit[i] = h;
        }
      }
      return ascending(hit);
    }
  }
}
