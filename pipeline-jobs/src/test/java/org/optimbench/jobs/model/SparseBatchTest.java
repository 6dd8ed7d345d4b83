package org.optimbench.jobs.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The packed encoding of a CSR batch. */
class SparseBatchTest {
  @Test
  void packsIndicesThenValuesPaddedToTheLongestRow() {
    int[] offsets = {0, 2, 2, 3};
    int[] indices = {5, 1, 9};
    double[] values = {0.5, -1, 2};
    INDArray x = SparseBatch.pack(offsets, indices, values, 10, DataType.DOUBLE);
    assertEquals(DataType.DOUBLE, x.dataType());
    assertArrayEquals(
        new double[][] {{5, 1, 0.5, -1}, {0, 0, 0, 0}, {9, 0, 2, 0}}, x.toDoubleMatrix());
    assertEquals(2, SparseBatch.rowCapacity(x, 10));

    INDArray rows = SparseBatch.pack(offsets, indices, values, 2, 3, 10, DataType.FLOAT);
    assertEquals(DataType.FLOAT, rows.dataType());
    assertArrayEquals(new double[][] {{9, 2}}, rows.toDoubleMatrix());

    INDArray empty =
        SparseBatch.pack(new int[] {0, 0}, new int[0], new double[0], 10, DataType.FLOAT);
    assertArrayEquals(new long[] {1, 2}, empty.shape(), "m is at least 1");
  }

  @Test
  void float32TakesTwoIndexDigitsPast2To24Features() {
    assertEquals(1, SparseBatch.indexDigits(DataType.FLOAT, 1 << 24));
    assertEquals(2, SparseBatch.indexDigits(DataType.FLOAT, (1 << 24) + 1));
    assertEquals(1, SparseBatch.indexDigits(DataType.DOUBLE, SparseBatch.MAX_FEATURES));
    int index = (1 << 24) + 3; // rounds to 2^24 + 4 as a float32
    INDArray x =
        SparseBatch.pack(
            new int[] {0, 1}, new int[] {index}, new double[] {0.25}, index + 1, DataType.FLOAT);
    assertArrayEquals(
        new double[][] {{index % (1 << 24), index / (1 << 24), 0.25}}, x.toDoubleMatrix());
  }

  @Test
  void malformedChunksAndUnsupportedTypesAreRefusedWithTheCauseNamed() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SparseBatch.pack(
                    new int[] {0, 1, 2},
                    new int[] {3, 10},
                    new double[] {1, 1},
                    10,
                    DataType.FLOAT));
    assertEquals("CSR row 1 has feature index 10 outside [0, 10)", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SparseBatch.pack(
                    new int[] {0, 2, 1},
                    new int[] {3, 4},
                    new double[] {1, 1},
                    10,
                    DataType.FLOAT));
    assertEquals("CSR row 1: offsets [2, 1) are not an ascending range in [0, 2]", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SparseBatch.pack(
                    new int[] {0, 1}, new int[] {3}, new double[0], 10, DataType.FLOAT));
    assertEquals("CSR indices and values must have the same length, got 1 and 0", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> SparseBatch.indexDigits(DataType.HALF, 100));
    assertEquals("sparse input supports FLOAT and DOUBLE networks, got HALF", e.getMessage());
  }
}
