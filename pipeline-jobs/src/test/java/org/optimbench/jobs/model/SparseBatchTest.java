package org.optimbench.jobs.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.optimbench.jobs.model.SparseLinearTest.Csr;

/**
 * The packed encoding of a CSR batch, and what a training step of {@link SparseLinear} allocates at
 * the feature counts of the sparse suites: arrays of {@code O(batch x m)}, never {@code O(batch x
 * numFeatures)}, with the right rows of W read and written at the far end of the table and, in
 * float32, past 2^24 features.
 */
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

  /** Every array a layer asks DL4J's workspace manager for, by shape. */
  static final class RecordingMgr extends LayerWorkspaceMgr {
    final List<long[]> shapes = new ArrayList<>();

    RecordingMgr() {
      super(EnumSet.allOf(ArrayType.class), new HashMap<>(), new HashMap<>());
    }

    @Override
    public INDArray create(ArrayType t, DataType dt, long... shape) {
      shapes.add(shape.clone());
      return super.create(t, dt, shape);
    }

    @Override
    public INDArray create(ArrayType t, DataType dt, long[] shape, char order) {
      shapes.add(shape.clone());
      return super.create(t, dt, shape, order);
    }

    @Override
    public INDArray createUninitialized(ArrayType t, DataType dt, long... shape) {
      shapes.add(shape.clone());
      return super.createUninitialized(t, dt, shape);
    }

    @Override
    public INDArray createUninitialized(ArrayType t, DataType dt, long[] shape, char order) {
      shapes.add(shape.clone());
      return super.createUninitialized(t, dt, shape, order);
    }

    @Override
    public INDArray dup(ArrayType t, INDArray a) {
      shapes.add(a.shape());
      return super.dup(t, a);
    }

    @Override
    public INDArray dup(ArrayType t, INDArray a, char order) {
      shapes.add(a.shape());
      return super.dup(t, a, order);
    }

    long largest() {
      long max = 0;
      for (long[] s : shapes) {
        long len = 1;
        for (long d : s) len *= d;
        max = Math.max(max, len);
      }
      return max;
    }
  }

  /**
   * One forward and backward of a tanh SparseLinear layer, float32, through a recording workspace
   * manager: the outputs and the gradient rows against a computation from the CSR arrays and the
   * rows of W read one by one, and the largest array the layer asked for.
   */
  static void checkStep(int numFeatures, Csr batch, int nOut, long seed) {
    int n = batch.rows();
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            SparseLinearTest.list(DataType.FLOAT, seed)
                .layer(
                    new SparseLinear.Builder()
                        .nIn(numFeatures)
                        .nOut(nOut)
                        .activation(Activation.TANH)
                        .build())
                .layer(
                    new LossLayer.Builder(LossFunction.MSE).activation(Activation.IDENTITY).build())
                .build());
    net.init();
    net.initGradientsView();
    INDArray x =
        SparseBatch.pack(
            batch.offsets(), batch.indices(), batch.values(), numFeatures, DataType.FLOAT);
    int digits = SparseBatch.indexDigits(DataType.FLOAT, numFeatures);
    long m = SparseBatch.rowCapacity(x, numFeatures);
    int longest = 0;
    for (int i = 0; i < n; i++)
      longest = Math.max(longest, batch.offsets()[i + 1] - batch.offsets()[i]);
    assertEquals(longest, m);
    assertArrayEquals(new long[] {n, (digits + 1) * m}, x.shape());

    Layer layer = net.getLayer(0);
    INDArray w = layer.getParam("W");
    INDArray b = layer.getParam("b");
    RecordingMgr mgr = new RecordingMgr();
    layer.setInput(x, mgr);
    double[][] y = layer.activate(true, mgr).toDoubleMatrix();
    INDArray eps = Nd4j.rand(DataType.FLOAT, n, nOut).subi(0.5);
    double[][] e = eps.toDoubleMatrix();
    INDArray dW = layer.backpropGradient(eps, mgr).getFirst().getGradientFor("W");

    Map<Integer, double[]> expectedRows = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      double[] z = b.toDoubleVector();
      for (int p = batch.offsets()[i]; p < batch.offsets()[i + 1]; p++)
        for (int c = 0; c < nOut; c++)
          z[c] += batch.values()[p] * w.getDouble(batch.indices()[p], c);
      for (int c = 0; c < nOut; c++) {
        assertEquals(Math.tanh(z[c]), y[i][c], 1e-5, "output [" + i + "," + c + "]");
        double dz = e[i][c] * (1 - Math.tanh(z[c]) * Math.tanh(z[c]));
        for (int p = batch.offsets()[i]; p < batch.offsets()[i + 1]; p++)
          expectedRows.computeIfAbsent(batch.indices()[p], k -> new double[nOut])[c] +=
              batch.values()[p] * dz;
      }
    }
    double touchedAbs = 0;
    for (var row : expectedRows.entrySet())
      for (int c = 0; c < nOut; c++) {
        double actual = dW.getDouble(row.getKey(), c);
        assertEquals(row.getValue()[c], actual, 1e-5, "dW[" + row.getKey() + "," + c + "]");
        touchedAbs += Math.abs(actual);
      }
    // the rows nobody touched are zero: all of |dW| sits in the touched rows
    assertEquals(touchedAbs, dW.norm1Number().doubleValue(), 1e-4 * Math.max(1, touchedAbs));
    assertTrue(expectedRows.containsKey(numFeatures - 1), "the last feature is in the batch");

    assertTrue(
        mgr.shapes.stream().anyMatch(s -> s.length == 2 && s[0] == n * m && s[1] == nOut),
        "the gathered rows [n*m, nOut] come from the workspace manager");
    assertTrue(
        mgr.largest() <= n * m * Math.max(nOut, digits),
        "largest array the layer allocated: " + mgr.largest() + " elements, n*m = " + n * m);
  }

  @Test
  void aStepAtTenMillionFeaturesAllocatesBatchTimesRowLengthArraysOnly() {
    int numFeatures = 10_000_000;
    Csr batch = SparseLinearTest.randomCsr(new Random(31), 64, numFeatures, 100);
    checkStep(numFeatures, batch, 2, 31);
  }

  @Test
  void float32PastTwoTo24FeaturesReadsAndWritesTheExactRows() {
    int numFeatures = (1 << 24) + 6;
    // 2^24 + 1 and 2^24 + 3 are not float32 numbers: with one float digit they would read the
    // rows 2^24 and 2^24 + 4
    int[] indices = {(1 << 24) + 1, 1 << 24, (1 << 24) + 3, 7, (1 << 24) + 5, (1 << 24) + 1};
    Csr batch = new Csr(new int[] {0, 3, 3, 6}, indices, new double[] {0.5, -1.5, 2, 1, -0.25, 3});
    checkStep(numFeatures, batch, 1, 32);
  }
}
