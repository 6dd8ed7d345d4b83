package org.optimbench.jobs.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The input encoding of {@link SparseLinear}: a batch of sparse rows (CSR) as the one dense {@code
 * INDArray} DL4J feeds a layer, in the network's float type, {@code [batch, (k + 1) * m]}:
 *
 * <ul>
 *   <li>{@code m} is the largest number of non-zeros of a row in the batch (at least 1); shorter
 *       rows, empty ones included, are padded with index 0 and value 0, which add nothing to the
 *       output or to the gradient;
 *   <li>columns {@code [j * m, (j + 1) * m)}, for {@code j < k}, hold digit {@code j} of each
 *       feature index in base {@code 2^p}, least significant first, where {@code p} is the float
 *       type's significand width (24 for float32, 53 for float64): every integer in {@code [0,
 *       2^p)} is exact in that type, a larger one is not (float32 stores 16777217 as 16777216);
 *   <li>{@code k} is the fewest digits that cover {@code numFeatures}: 1 in float64, and in float32
 *       1 up to 2^24 features (16,777,216) and 2 above (kdd2010 and kdd2012 have 2 x 10^7 and 5 x
 *       10^7), so with one digit the layout is indices then values, {@code [batch, 2m]};
 *   <li>the last {@code m} columns hold the values, rounded to the float type.
 * </ul>
 *
 * Row {@code i} of the array is example {@code i}, so DL4J's minibatch size (the first dimension),
 * the mean loss and any row slicing of a batch keep working; the price is padding, {@code O(batch x
 * m)} rather than {@code O(non-zeros)}. The memory is never {@code O(batch x numFeatures)}.
 *
 * <p>A packed array must not be cast to another float type (digits of another base would be read);
 * pack again for the other type. The layer checks that the input's type is the network's.
 */
public final class SparseBatch {
  private SparseBatch() {}

  /** Largest feature count: indices are Java ints. */
  public static final long MAX_FEATURES = 1L + Integer.MAX_VALUE;

  /**
   * Bits per index digit: the significand width of the float type, where all integers are exact.
   */
  static int digitBits(DataType dtype) {
    return switch (dtype) {
      case DOUBLE -> 53;
      case FLOAT -> 24;
      default ->
          throw new IllegalArgumentException(
              "sparse input supports FLOAT and DOUBLE networks, got " + dtype);
    };
  }

  /** How many base-2^p digits each feature index takes for {@code numFeatures} in {@code dtype}. */
  public static int indexDigits(DataType dtype, long numFeatures) {
    if (numFeatures < 1 || numFeatures > MAX_FEATURES)
      throw new IllegalArgumentException(
          "num_features " + numFeatures + " outside [1, " + MAX_FEATURES + "]");
    int bits = digitBits(dtype);
    int k = 1;
    while (k * bits < 64 && numFeatures > (1L << (k * bits))) k++;
    return k;
  }

  /** The padded row length {@code m} of a packed batch {@code input} (its width / (k + 1)). */
  public static long rowCapacity(INDArray input, long numFeatures) {
    int k = indexDigits(input.dataType(), numFeatures);
    if (input.rank() != 2 || input.size(1) == 0 || input.size(1) % (k + 1) != 0)
      throw new IllegalArgumentException(
          "sparse input for "
              + numFeatures
              + " features in "
              + input.dataType()
              + " must be [batch, "
              + (k + 1)
              + " * m], got "
              + java.util.Arrays.toString(input.shape()));
    return input.size(1) / (k + 1);
  }

  /** {@link #pack(int[], int[], double[], int, int, long, DataType)} of all rows of the chunk. */
  public static INDArray pack(
      int[] offsets, int[] indices, double[] values, long numFeatures, DataType dtype) {
    return pack(offsets, indices, values, null, 0, rows(offsets), numFeatures, dtype);
  }

  /**
   * As {@link #pack(int[], int[], double[], long, DataType)} with float values (a chunk whose
   * values were decoded as floats): the same batch as from those values widened to double.
   */
  public static INDArray pack(
      int[] offsets, int[] indices, float[] values, long numFeatures, DataType dtype) {
    return pack(offsets, indices, null, values, 0, rows(offsets), numFeatures, dtype);
  }

  private static int rows(int[] offsets) {
    if (offsets == null || offsets.length == 0)
      throw new IllegalArgumentException("CSR offsets must have rows + 1 entries, got none");
    return offsets.length - 1;
  }

  /**
   * Packs rows {@code [fromRow, toRow)} of a CSR chunk into the encoding above: row {@code r}'s
   * non-zeros are {@code indices[offsets[r] .. offsets[r + 1])} (0-based feature indices, each in
   * {@code [0, numFeatures)}) with {@code values} at the same positions. A row may repeat an index;
   * the layer then sums its values, as a CSR matrix means. Allocates the returned array and one
   * Java array of the same size, both {@code O(rows x m)}.
   */
  public static INDArray pack(
      int[] offsets,
      int[] indices,
      double[] values,
      int fromRow,
      int toRow,
      long numFeatures,
      DataType dtype) {
    return pack(offsets, indices, values, null, fromRow, toRow, numFeatures, dtype);
  }

  /** The packing of the double values {@code dv}, or else of the float values {@code fv}. */
  private static INDArray pack(
      int[] offsets,
      int[] indices,
      double[] dv,
      float[] fv,
      int fromRow,
      int toRow,
      long numFeatures,
      DataType dtype) {
    int k = indexDigits(dtype, numFeatures);
    int values = dv != null ? dv.length : fv != null ? fv.length : -1;
    if (indices == null || values < 0 || indices.length != values)
      throw new IllegalArgumentException(
          "CSR indices and values must have the same length, got "
              + (indices == null ? "null" : indices.length)
              + " and "
              + (values < 0 ? "null" : values));
    if (fromRow < 0 || toRow < fromRow || toRow >= offsets.length)
      throw new IllegalArgumentException(
          "rows [" + fromRow + ", " + toRow + ") outside the chunk's " + (offsets.length - 1));
    int rows = toRow - fromRow;
    int m = 1; // a row capacity of 0 would give an empty input array, which DL4J cannot feed
    for (int r = fromRow; r < toRow; r++) {
      if (offsets[r] < 0 || offsets[r + 1] < offsets[r] || offsets[r + 1] > indices.length)
        throw new IllegalArgumentException(
            "CSR row "
                + r
                + ": offsets ["
                + offsets[r]
                + ", "
                + offsets[r + 1]
                + ") are not an ascending range in [0, "
                + indices.length
                + "]");
      m = Math.max(m, offsets[r + 1] - offsets[r]);
    }
    long width = (long) (k + 1) * m;
    if (rows * width > Integer.MAX_VALUE)
      throw new IllegalArgumentException(
          rows + " rows of " + m + " non-zeros do not fit one array; pack fewer rows");
    int bits = digitBits(dtype);
    long digitMask = (1L << bits) - 1;
    double[] d = dtype == DataType.DOUBLE ? new double[(int) (rows * width)] : null;
    float[] f = d == null ? new float[(int) (rows * width)] : null;
    for (int r = fromRow; r < toRow; r++) {
      long rowStart = (r - fromRow) * width;
      for (int p = offsets[r]; p < offsets[r + 1]; p++) {
        int index = indices[p];
        if (index < 0 || index >= numFeatures)
          throw new IllegalArgumentException(
              "CSR row " + r + " has feature index " + index + " outside [0, " + numFeatures + ")");
        long slot = rowStart + (p - offsets[r]);
        long rest = index;
        for (int j = 0; j <= k; j++) {
          int at = (int) (slot + (long) j * m);
          double v = j < k ? (double) (rest & digitMask) : dv != null ? dv[p] : fv[p];
          rest >>>= bits;
          if (d != null) d[at] = v;
          else f[at] = (float) v;
        }
      }
    }
    long[] shape = {rows, width};
    return d != null ? Nd4j.create(d, shape, 'c') : Nd4j.create(f, shape, 'c');
  }
}
