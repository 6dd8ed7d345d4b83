package org.optimbench.optim.sparse;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.EmbeddingTable;
import org.optimbench.optim.HostBytes;

/**
 * Element access to a flat vector (parameters, gradient, a state vector) through its native buffer,
 * for row-at-a-time work on embedding tables: a table's rows are a few elements scattered over a
 * large vector (strided in DL4J's own column-major tables), which ND4J ops would gather and scatter
 * one op call per table. Indices are element offsets inside the flat vector. CPU backend only (the
 * buffer is host memory).
 */
abstract sealed class TableRows {
  /** The vector's elements' bits as ints (two per float64), for the scan. */
  final IntBuffer bits;

  private final int intsPerElement;

  private TableRows(ByteBuffer bytes, int intsPerElement) {
    this.bits = bytes.asIntBuffer();
    this.intsPerElement = intsPerElement;
  }

  static TableRows of(INDArray flat) {
    if (flat.length() > 1 && flat.elementWiseStride() != 1)
      throw new IllegalArgumentException("a flat vector must have unit stride");
    ByteBuffer bytes = HostBytes.of(flat);
    if (flat.dataType() == DataType.FLOAT) return new Floats(bytes);
    if (flat.dataType() == DataType.DOUBLE) return new Doubles(bytes);
    throw new IllegalArgumentException(
        "row-sparse updates need float32 or float64, got " + flat.dataType());
  }

  /**
   * The rows of {@code t} with a non-zero element, among {@code candidates} unless null ({@link
   * EmbeddingTable#nonZeroRows(java.nio.IntBuffer, int, int[])}).
   */
  final int[] nonZeroRows(EmbeddingTable t, int[] candidates) {
    return t.nonZeroRows(bits, intsPerElement, candidates);
  }

  /** Copies {@code n} elements from {@code from} of {@code src} to {@code to} of this vector. */
  abstract void copy(TableRows src, int from, int to, int n);

  static final class Floats extends TableRows {
    final FloatBuffer b;

    Floats(ByteBuffer bytes) {
      super(bytes, 1);
      this.b = bytes.asFloatBuffer();
    }

    float get(long i) {
      return b.get((int) i);
    }

    void set(long i, float v) {
      b.put((int) i, v);
    }

    /** Elements {@code i .. i + n - 1} into {@code dst[0, n)}, in one bulk read. */
    void get(long i, float[] dst, int n) {
      b.get((int) i, dst, 0, n);
    }

    /** {@code src[0, n)} into elements {@code i .. i + n - 1}, in one bulk write. */
    void set(long i, float[] src, int n) {
      b.put((int) i, src, 0, n);
    }

    @Override
    void copy(TableRows src, int from, int to, int n) {
      b.put(to, ((Floats) src).b, from, n);
    }
  }

  static final class Doubles extends TableRows {
    final DoubleBuffer b;

    Doubles(ByteBuffer bytes) {
      super(bytes, 2);
      this.b = bytes.asDoubleBuffer();
    }

    double get(long i) {
      return b.get((int) i);
    }

    void set(long i, double v) {
      b.put((int) i, v);
    }

    @Override
    void copy(TableRows src, int from, int to, int n) {
      b.put(to, ((Doubles) src).b, from, n);
    }
  }
}
