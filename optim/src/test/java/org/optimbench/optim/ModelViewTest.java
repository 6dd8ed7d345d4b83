package org.optimbench.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.optimbench.optim.internal.Vec;

/** The model view must alias DL4J-style flat arrays, never copy them. */
class ModelViewTest {
  private static final ParamLayout LAYOUT =
      ParamLayout.builder().add("W", 2, 3).add("b", 3).build();

  @Test
  void segmentViewsWriteThroughToTheFlatRowVector() {
    INDArray params = Nd4j.zeros(DataType.FLOAT, 1, 9); // DL4J's params() shape
    INDArray grads = Nd4j.ones(DataType.FLOAT, 1, 9);
    ModelView m = new ModelView(LAYOUT, params, grads);
    m.param(1).addi(5);
    Vec.axpy(2.0, m.grad(0), m.param(0));
    assertArrayEquals(new float[] {2, 2, 2, 2, 2, 2, 5, 5, 5}, params.toFloatVector());
  }

  @Test
  void fOrderRowVectorsAreViewedWithoutCopy() {
    INDArray grads = Nd4j.create(DataType.DOUBLE, new long[] {1, 9}, 'f'); // DL4J's gradient view
    ModelView m = new ModelView(LAYOUT, Nd4j.zeros(DataType.DOUBLE, 1, 9), grads);
    m.grads().putScalar(7, 3.0);
    assertEquals(3.0, grads.getDouble(0, 7), 0.0);
  }

  @Test
  void axpyWorksOnStridedViews() {
    INDArray x = Nd4j.createFromArray(1.0, 2, 3, 4, 5, 6);
    INDArray every2 = x.get(NDArrayIndex.interval(0, 2, 6));
    Vec.axpy(10, Nd4j.createFromArray(1.0, 1, 1), every2);
    assertArrayEquals(new double[] {11, 2, 13, 4, 15, 6}, x.toDoubleVector());
    assertEquals(
        1 + 9 + 25,
        Vec.dot(
            Nd4j.createFromArray(11.0, 13, 15).subi(10),
            x.get(NDArrayIndex.interval(0, 2, 6)).sub(10)),
        1e-12);
  }

  @Test
  void rejectsMismatchedLengthsAndDtypes() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new ModelView(LAYOUT, Nd4j.zeros(DataType.FLOAT, 8), Nd4j.zeros(DataType.FLOAT, 8)));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ModelView(LAYOUT, Nd4j.zeros(DataType.FLOAT, 9), Nd4j.zeros(DataType.DOUBLE, 9)));
  }
}
