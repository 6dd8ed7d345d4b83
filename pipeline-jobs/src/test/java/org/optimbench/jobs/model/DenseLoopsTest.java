package org.optimbench.jobs.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.optimbench.jobs.model.LeanDenseTest.assertBitwiseEqual;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The dense layers' Java loops give the bits of the ND4J ops they stand for: the column-major
 * product copied into a row-major array plus the bias ({@code assign}, {@code addiRowVector}), and
 * DL4J's ReLU backprop, on values that tell the expressions apart (signed zeros, NaN, infinities),
 * at sizes around the copy's block; and they decline what they are not for.
 */
class DenseLoopsTest {
  /** Values where a differently written ReLU or sum would give other bits. */
  static final float[] EDGES = {
    0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -1e-30f
  };

  static INDArray values(Random r, char order, long rows, long cols) {
    INDArray a = Nd4j.createUninitialized(DataType.FLOAT, new long[] {rows, cols}, order);
    for (long i = 0; i < rows; i++)
      for (long j = 0; j < cols; j++)
        a.putScalar(
            i, j, r.nextInt(5) == 0 ? EDGES[r.nextInt(EDGES.length)] : (float) r.nextGaussian());
    return a;
  }

  @Test
  void transposeAddBiasIsAssignThenAddRowVector() {
    Random r = new Random(5);
    for (long[] nm :
        new long[][] {{1, 1}, {7, 1}, {1, 9}, {31, 5}, {32, 16}, {33, 10}, {100, 64}}) {
      long n = nm[0];
      long m = nm[1];
      INDArray p = values(r, 'f', n, m);
      // the bias as the layers hold it: a [1, m] view at an offset into the flat parameters
      INDArray flat = values(r, 'c', 1, m + 3);
      INDArray b =
          flat.get(
                  org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                  org.nd4j.linalg.indexing.NDArrayIndex.interval(3, m + 3))
              .reshape(1, m);
      for (INDArray bias : new INDArray[] {b, null}) {
        INDArray want = Nd4j.createUninitialized(DataType.FLOAT, new long[] {n, m}, 'c');
        want.assign(p);
        if (bias != null) want.addiRowVector(bias);
        INDArray got = Nd4j.createUninitialized(DataType.FLOAT, new long[] {n, m}, 'c');
        assertTrue(DenseLoops.transposeAddBias(p, bias, got), n + "x" + m);
        assertBitwiseEqual(want, got, n + "x" + m + (bias == null ? ", no bias" : ""));
      }
    }
  }

  @Test
  void reluBackwardIsDl4jsReluBackprop() {
    Random r = new Random(6);
    for (long[] nm : new long[][] {{1, 1}, {3, 700}, {64, 257}}) {
      INDArray z = values(r, 'c', nm[0], nm[1]);
      INDArray eps = values(r, 'c', nm[0], nm[1]);
      INDArray want = new ActivationReLU().backprop(z.dup(), eps.dup()).getFirst();
      INDArray got = DenseLoops.reluBackward(z, eps);
      assertNotNull(got);
      assertBitwiseEqual(want, got, nm[0] + "x" + nm[1]);
    }
    // epsilon as the output layer hands it back: the transpose of a column-major product
    INDArray z = values(r, 'c', 40, 12);
    INDArray eps = values(r, 'f', 12, 40).transpose();
    INDArray want = new ActivationReLU().backprop(z.dup(), eps.dup()).getFirst();
    assertBitwiseEqual(want, DenseLoops.reluBackward(z, eps), "transposed epsilon");
  }

  @Test
  void reluIsDl4jsRelu() {
    Random r = new Random(10);
    for (long[] nm : new long[][] {{1, 1}, {3, 700}, {64, 257}}) {
      INDArray z = values(r, 'c', nm[0], nm[1]);
      INDArray want = new ActivationReLU().getActivation(z.dup(), true);
      INDArray got = Nd4j.createUninitialized(DataType.FLOAT, nm, 'c');
      assertTrue(DenseLoops.relu(z, got));
      assertBitwiseEqual(want, got, nm[0] + "x" + nm[1]);
    }
    INDArray c = values(r, 'c', 4, 3);
    assertFalse(DenseLoops.relu(c, c.dup('f')), "a column-major output");
  }

  @Test
  void columnSumsIsNd4jsSumAlongTheRows() {
    Random r = new Random(9);
    for (long[] nm : new long[][] {{1, 1}, {1024, 256}, {128, 64}, {3, 700}, {700, 3}, {33, 1}}) {
      INDArray a = Nd4j.randn(DataType.FLOAT, nm[0], nm[1]).muli(r.nextInt(1000) + 1);
      if (nm[0] * nm[1] > 10) a.putScalar(0, 0, -0f);
      INDArray want = Nd4j.createUninitialized(DataType.FLOAT, 1, nm[1]);
      a.sum(want, 0);
      // into a [1, m] view at an offset, as the layers' bias gradients are
      INDArray flat = Nd4j.zeros(DataType.FLOAT, 1, nm[1] + 2);
      INDArray got =
          flat.get(
                  org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                  org.nd4j.linalg.indexing.NDArrayIndex.interval(2, nm[1] + 2))
              .reshape(1, nm[1]);
      assertTrue(DenseLoops.columnSums(a, got));
      assertBitwiseEqual(want, got, nm[0] + "x" + nm[1]);
    }
    assertFalse(
        DenseLoops.columnSums(Nd4j.rand(DataType.FLOAT, 'f', 4, 3), Nd4j.zeros(DataType.FLOAT, 3)),
        "a column-major array");
  }

  @Test
  void clippedIsMcxentsDupAndTwoReplaceWheres() {
    double eps = 1e-10; // LossMCXENT's default softmax clip
    float lo = (float) eps;
    // the boundaries in float and in double, 1 and its neighbours, and the edge values
    float[] special = {
      lo,
      Math.nextUp(lo),
      Math.nextDown(lo),
      (float) (eps * 0.999999),
      1f,
      Math.nextDown(1f),
      Math.nextUp(1f),
      0.5f,
      2f
    };
    Random r = new Random(11);
    for (double e : new double[] {eps, 1e-3, 0.25}) {
      for (long[] nm : new long[][] {{1, 1}, {32, 10}, {1024, 10}, {3, 700}}) {
        INDArray p = values(r, 'c', nm[0], nm[1]);
        for (int i = 0; i < Math.min(special.length, p.length()); i++) p.putScalar(i, special[i]);
        INDArray want = p.dup();
        org.nd4j.linalg.indexing.BooleanIndexing.replaceWhere(
            want, e, org.nd4j.linalg.indexing.conditions.Conditions.lessThan(e));
        org.nd4j.linalg.indexing.BooleanIndexing.replaceWhere(
            want, 1.0 - e, org.nd4j.linalg.indexing.conditions.Conditions.greaterThan(1.0 - e));
        INDArray got = DenseLoops.clipped(p, e, 1.0 - e);
        assertNotNull(got);
        assertBitwiseEqual(want, got, nm[0] + "x" + nm[1] + ", eps " + e);
      }
    }
    assertNull(DenseLoops.clipped(values(r, 'f', 4, 3), eps, 1 - eps), "a column-major array");
  }

  @Test
  void subtractIsSubi() {
    Random r = new Random(12);
    for (long[] nm : new long[][] {{1, 1}, {32, 10}, {1024, 10}, {3, 1500}}) {
      INDArray a = values(r, 'c', nm[0], nm[1]);
      INDArray b = values(r, 'c', nm[0], nm[1]);
      INDArray want = a.dup().subi(b);
      assertTrue(DenseLoops.subtract(a, b));
      assertBitwiseEqual(want, a, nm[0] + "x" + nm[1]);
    }
    INDArray c = values(r, 'c', 4, 3);
    assertFalse(DenseLoops.subtract(c, c.dup('f')), "another layout");
  }

  /**
   * The masks are {@code x > 0} and {@code x < 0} on every kind of float: the boundaries and random
   * bit patterns.
   */
  @Test
  void masksCompareWithZeroOnTheBits() {
    int[] edges = {
      0,
      1,
      0x7F7FFFFF,
      0x7F800000,
      0x7F800001,
      0x7FC00000,
      0x7FFFFFFF,
      0x80000000,
      0x80000001,
      0xFF800000,
      0xFFC00000,
      0xFFFFFFFF,
      Float.floatToRawIntBits(1f),
      Float.floatToRawIntBits(-1f)
    };
    for (int b : edges) check(b);
    Random r = new Random(8);
    for (int i = 0; i < 1_000_000; i++) check(r.nextInt());
  }

  private static void check(int bits) {
    float x = Float.intBitsToFloat(bits);
    int positive = DenseLoops.positive(bits);
    if (positive != (x > 0f ? -1 : 0))
      throw new AssertionError(
          Integer.toHexString(bits) + ": > 0 " + Integer.toHexString(positive));
    int negative = DenseLoops.negative(bits);
    if (negative != (x < 0f ? -1 : 0))
      throw new AssertionError(
          Integer.toHexString(bits) + ": < 0 " + Integer.toHexString(negative));
  }

  @Test
  void otherLayoutsAndTypesAreDeclined() {
    Random r = new Random(7);
    INDArray c = values(r, 'c', 6, 4);
    INDArray f = values(r, 'f', 6, 4);
    INDArray out = Nd4j.createUninitialized(DataType.FLOAT, new long[] {6, 4}, 'c');
    assertFalse(DenseLoops.transposeAddBias(c, null, out), "a row-major product");
    assertFalse(DenseLoops.transposeAddBias(f, null, f.dup('f')), "a column-major output");
    assertFalse(
        DenseLoops.transposeAddBias(f, Nd4j.zeros(DataType.FLOAT, 1, 5), out), "bias length");
    assertFalse(
        DenseLoops.transposeAddBias(f.castTo(DataType.DOUBLE), null, out.castTo(DataType.DOUBLE)),
        "float64");
    assertNull(DenseLoops.reluBackward(c, f), "epsilon in another layout");
    assertNull(DenseLoops.reluBackward(c, values(r, 'c', 6, 5)), "another shape");
    assertNull(
        DenseLoops.reluBackward(c.castTo(DataType.DOUBLE), c.castTo(DataType.DOUBLE)), "float64");
  }
}
