package org.optimbench.jobs.workload.classifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.data.ChunkSchema;
import org.optimbench.jobs.data.RowChunk;
import org.optimbench.jobs.data.RowRefs;
import org.optimbench.jobs.workload.Example;
import org.optimbench.jobs.workload.Examples;
import org.optimbench.jobs.workload.InMemory;

/**
 * Classifier.encode's dense batches are what densifying into a Java {@code double[]} and casting
 * with ND4J gave, bit for bit, in every type: float32 and float64 are written straight into the
 * array, other types still take that route; rows referenced where they lie encode as the same rows
 * gathered into one chunk.
 */
class ClassifierEncodeTest {
  static final int FEATURES = 11;
  static final Classifier MLP = new Classifier(FEATURES, List.of(4), 3, Activation.RELU);

  /**
   * Rows with a repeated feature (the last value counts), an empty row, a full row, and values that
   * float32 rounds, flushes to its subnormals or zero, overflows, or cannot order (NaN, -0).
   */
  static List<Example> rows() {
    Random r = new Random(5);
    double[] special = {
      1e-40, 1e-46, -3e-39, 1e39, -1e39, Double.NaN, -0.0, Math.PI, 1.0 / 3, Float.MAX_VALUE
    };
    List<Example> out = new ArrayList<>();
    int id = 0;
    out.add(new Example(id++, 0, new int[] {2, 7, 2}, new double[] {1.5, -2.25, 0.1}, false));
    out.add(new Example(id++, 1, new int[0], new double[0], false));
    int[] all = new int[FEATURES];
    double[] allValues = new double[FEATURES];
    for (int j = 0; j < FEATURES; j++) {
      all[j] = FEATURES - 1 - j;
      allValues[j] = special[j % special.length];
    }
    out.add(new Example(id++, 2, all, allValues, false));
    // every feature in order (a dense row), and a row as long with a repeated index instead
    int[] inOrder = new int[FEATURES];
    for (int j = 0; j < FEATURES; j++) inOrder[j] = j;
    out.add(new Example(id++, 0, inOrder, allValues.clone(), false));
    int[] repeated = inOrder.clone();
    repeated[FEATURES - 1] = 1;
    out.add(new Example(id++, 1, repeated, allValues.clone(), false));
    for (int i = 0; i < 20; i++) {
      int len = r.nextInt(FEATURES + 1);
      int[] idx = new int[len];
      double[] val = new double[len];
      for (int k = 0; k < len; k++) {
        idx[k] = r.nextInt(FEATURES);
        val[k] = r.nextInt(4) == 0 ? special[r.nextInt(special.length)] : r.nextGaussian();
      }
      out.add(new Example(id++, r.nextInt(3), idx, val, false));
    }
    return out;
  }

  /** The former encoding: a Java double[], then ND4J's copy and cast. */
  static INDArray viaDoubles(RowChunk rows, int inputs, DataType dtype) {
    double[] x = new double[rows.size() * inputs];
    int[] off = rows.offsets(0);
    int[] idx = rows.ints(0);
    double[] val = rows.doubles(1);
    for (int i = 0; i < rows.size(); i++)
      for (int k = off[i]; k < off[i + 1]; k++) x[i * inputs + idx[k]] = val[k];
    return Nd4j.createFromArray(x).reshape(rows.size(), inputs).castTo(dtype);
  }

  /** Raw bits per element (NaNs as one canonical NaN): equal means the same batch. */
  static long[] bits(INDArray a) {
    double[] d = a.castTo(DataType.DOUBLE).reshape(a.length()).toDoubleVector();
    long[] out = new long[d.length];
    for (int i = 0; i < d.length; i++) out[i] = Double.doubleToLongBits(d[i]);
    return out;
  }

  @Test
  void denseBatchesAreTheDoubleRoutesBitForBitInEveryType() {
    RowChunk rows = InMemory.chunk(MLP, rows());
    for (DataType dtype : List.of(DataType.FLOAT, DataType.DOUBLE, DataType.HALF)) {
      MultiDataSet b = MLP.encode(rows, dtype);
      INDArray x = b.getFeatures(0);
      INDArray want = viaDoubles(rows, FEATURES, dtype);
      assertEquals(dtype, x.dataType(), dtype + ": type");
      assertArrayEquals(want.shape(), x.shape(), dtype + ": shape");
      assertEquals('c', x.ordering(), dtype + ": order");
      assertArrayEquals(bits(want), bits(x), dtype + ": values");
      assertEquals(dtype, b.getLabels(0).dataType());
    }
  }

  /**
   * A float32 run reads the values decoded as floats ({@code schema(FLOAT)}): its batches are the
   * batches of the values stored as doubles, bit for bit, dense and sparse input, rows referenced
   * where they lie or gathered, the special values included; other types take the same values as
   * floats through the general route.
   */
  @Test
  void valuesDecodedAsFloatsEncodeTheFloat32BatchesOfTheStoredDoubles() {
    List<Example> all = rows();
    assertEquals(ChunkSchema.libsvm(), MLP.schema(DataType.DOUBLE));
    ChunkSchema narrowed = MLP.schema(DataType.FLOAT);
    assertEquals(ChunkSchema.ElementType.FLOAT, narrowed.list(1).type());
    assertEquals(ChunkSchema.ElementType.DOUBLE, narrowed.list(1).stored());
    RowChunk doubles = Examples.chunk(all, ChunkSchema.libsvm());
    RowChunk floats = Examples.chunk(all, narrowed);
    int[] at = {3, 2, 0, 12, 2, 0, 5, 4, 1};
    Classifier sparse = new Classifier(FEATURES, List.of(4), 3, Activation.RELU, true);
    for (Classifier c : List.of(MLP, sparse)) {
      String what = c == MLP ? "dense" : "sparse";
      MultiDataSet want = c.encode(doubles, DataType.FLOAT);
      assertArrayEquals(
          bits(want.getFeatures(0)), bits(c.encode(floats, DataType.FLOAT).getFeatures(0)), what);
      RowRefs refs = RowRefs.of(floats, at);
      assertArrayEquals(
          bits(c.encode(RowRefs.of(doubles, at), DataType.FLOAT).getFeatures(0)),
          bits(c.encode(refs, DataType.FLOAT).getFeatures(0)),
          what + ", referenced");
    }
    // the general route (a type other than float32) reads float values too
    INDArray half = MLP.encode(floats, DataType.HALF).getFeatures(0);
    assertArrayEquals(
        bits(viaDoubles(doubles, FEATURES, DataType.FLOAT).castTo(DataType.HALF)), bits(half));
  }

  /**
   * A chunk whose every row stores every feature in order is copied row by row without reading its
   * indices (RowChunk.denseWidth): its batches must still be the double route's, and a chunk that
   * is the same except for one full-length row stored out of order, or with a repeated index, must
   * not be taken for one; rows of both chunks referenced together, in every type.
   */
  @Test
  void chunksOfDenseRowsAndChunksWithOneRowOutOfOrderEncodeBitForBit() {
    Random r = new Random(9);
    int[] inOrder = new int[FEATURES];
    for (int j = 0; j < FEATURES; j++) inOrder[j] = j;
    int[] reversed = new int[FEATURES];
    for (int j = 0; j < FEATURES; j++) reversed[j] = FEATURES - 1 - j;
    int[] repeated = inOrder.clone();
    repeated[3] = 5;
    List<Example> dense = new ArrayList<>();
    for (int i = 0; i < 6; i++)
      dense.add(new Example(i, i % 3, inOrder, r.doubles(FEATURES).toArray(), false));
    for (int[] odd : List.of(reversed, repeated)) {
      List<Example> mixed = new ArrayList<>(dense);
      mixed.set(4, new Example(4, 1, odd, r.doubles(FEATURES).toArray(), false));
      for (DataType dtype : List.of(DataType.FLOAT, DataType.DOUBLE)) {
        RowChunk a = Examples.chunk(dense, MLP.schema(dtype)).prepare();
        RowChunk b = Examples.chunk(mixed, MLP.schema(dtype)).prepare();
        assertEquals(FEATURES, a.denseWidth(0));
        assertEquals(-1, b.denseWidth(0));
        RowChunk da = Examples.chunk(dense, ChunkSchema.libsvm());
        RowChunk db = Examples.chunk(mixed, ChunkSchema.libsvm());
        assertArrayEquals(
            bits(viaDoubles(da, FEATURES, dtype)),
            bits(MLP.encode(a, dtype).getFeatures(0)),
            dtype + ": dense chunk");
        assertArrayEquals(
            bits(viaDoubles(db, FEATURES, dtype)),
            bits(MLP.encode(b, dtype).getFeatures(0)),
            dtype + ": one row out of order");
        RowRefs both = new RowRefs(a.schema(), new RowChunk[] {a, b, b, a}, new int[] {1, 4, 0, 5});
        RowChunk want =
            RowChunk.concat(
                ChunkSchema.libsvm(),
                List.of(
                    da.gather(new int[] {1}),
                    db.gather(new int[] {4, 0}),
                    da.gather(new int[] {5})));
        assertArrayEquals(
            bits(viaDoubles(want, FEATURES, dtype)),
            bits(MLP.encode(both, dtype).getFeatures(0)),
            dtype + ": rows of both chunks");
      }
    }
  }

  /**
   * Rows read where they lie (two chunks, permuted, one row twice) encode to the same batch as
   * those rows gathered into one chunk, features and labels, dense and sparse, in every type.
   */
  @Test
  void referencedRowsEncodeAsTheirGatheredChunk() {
    List<Example> all = rows();
    RowChunk a = InMemory.chunk(MLP, all.subList(0, 10));
    RowChunk b = InMemory.chunk(MLP, all.subList(10, all.size()));
    RowChunk[] src = {b, a, a, b, a, b, b};
    int[] at = {3, 2, 0, 12, 2, 0, 5};
    RowRefs refs = new RowRefs(a.schema(), src, at);
    RowChunk gathered = RowChunk.gather(a.schema(), src, at, 0, at.length);
    Classifier sparse = new Classifier(FEATURES, List.of(4), 3, Activation.RELU, true);
    for (Classifier c : List.of(MLP, sparse)) {
      for (DataType dtype : List.of(DataType.FLOAT, DataType.DOUBLE, DataType.HALF)) {
        if (c == sparse && dtype == DataType.HALF) continue; // sparse input refuses it
        String what = (c == MLP ? "dense " : "sparse ") + dtype;
        MultiDataSet want = c.encode(gathered, dtype);
        MultiDataSet got = c.encode(refs, dtype);
        assertArrayEquals(bits(want.getFeatures(0)), bits(got.getFeatures(0)), what);
        assertArrayEquals(bits(want.getLabels(0)), bits(got.getLabels(0)), what + ": labels");
        assertEquals(dtype, got.getLabels(0).dataType(), what);
      }
    }
    assertArrayEquals(gathered.ids(), refs.ids());
    assertTrue(refs.gather().sameRows(gathered));
  }

  @Test
  void labelsAreOneHotInEveryType() {
    RowChunk rows = InMemory.chunk(MLP, rows());
    for (DataType dtype : List.of(DataType.FLOAT, DataType.DOUBLE, DataType.HALF)) {
      INDArray y = MLP.encode(rows, dtype).getLabels(0);
      assertArrayEquals(new long[] {rows.size(), 3}, y.shape());
      for (int i = 0; i < rows.size(); i++)
        for (int k = 0; k < 3; k++)
          assertEquals(k == rows.label(i) ? 1.0 : 0.0, y.getDouble(i, k), dtype + " " + i);
    }
  }

  @Test
  void theFloat32BatchHoldsTheSpecialValuesAsJavasCastMakesThem() {
    // a direct check of the ones that could differ between two casts
    RowChunk rows = InMemory.chunk(MLP, rows());
    float[] row = MLP.encode(rows, DataType.FLOAT).getFeatures(0).getRow(2).toFloatVector();
    double[] special = rows.doubles(1);
    int start = rows.offsets(0)[2];
    for (int k = 0; k < FEATURES; k++) {
      int j = rows.ints(0)[start + k];
      float want = (float) special[start + k];
      assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(row[j]), "feature " + j);
    }
    assertTrue(Float.isInfinite(row[FEATURES - 1 - 3]), "1e39 overflows float32");
  }

  @Test
  void aFeatureIndexOutOfRangeIsRefusedWithTheExampleNamed() {
    List<Example> bad =
        List.of(
            new Example(0, 0, new int[] {1}, new double[] {1}, false),
            new Example(41, 1, new int[] {3, FEATURES}, new double[] {1, 2}, false));
    assertRefused(InMemory.chunk(MLP, bad), 41);
    // a row with as many values as features, the last index outside
    int[] idx = new int[FEATURES];
    for (int j = 0; j < FEATURES; j++) idx[j] = j;
    idx[FEATURES - 1] = FEATURES;
    assertRefused(
        InMemory.chunk(MLP, List.of(new Example(7, 0, idx, new double[FEATURES], false))), 7);
  }

  /** Encoding {@code rows} fails in every type, naming example {@code id} and its index. */
  private static void assertRefused(RowChunk rows, long id) {
    for (DataType dtype : List.of(DataType.FLOAT, DataType.DOUBLE, DataType.HALF)) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> MLP.encode(rows, dtype));
      assertEquals(
          "example " + id + " has feature index " + FEATURES + " outside [0, " + FEATURES + ")",
          e.getMessage());
    }
  }
}
