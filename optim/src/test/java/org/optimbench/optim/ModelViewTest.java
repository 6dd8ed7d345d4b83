package org.optimbench.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
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

  /**
   * A scaled view's gradient is g · c rounded once per element, c taken in the dtype: what an
   * optimizer's fused pass computes as it reads g (Java float arithmetic below), so a base that
   * folds the scale in and one that reads the copy step on the same bits.
   */
  @Test
  void aScaledViewsGradientIsTheProductRoundedOnceAndTheCallersGradientIsNotWritten() {
    double c = 0.3718281828459045;
    INDArray gf = Nd4j.rand(DataType.FLOAT, 1, 9).subi(0.5).muli(1e3);
    float[] before = gf.toFloatVector();
    ModelView mf = new ModelView(LAYOUT, Nd4j.zeros(DataType.FLOAT, 1, 9), gf).withGradScale(c);
    float[] seen = mf.grads().toFloatVector();
    for (int j = 0; j < 9; j++) assertEquals((float) c * before[j], seen[j], 0.0f, "float " + j);
    assertSame(mf.grads(), mf.grads(), "the product is formed once");
    assertArrayEquals(new float[] {seen[6], seen[7], seen[8]}, mf.grad(1).toFloatVector());
    assertEquals(c, mf.gradScale());
    assertArrayEquals(before, mf.unscaledGrads().toFloatVector());
    assertArrayEquals(before, gf.toFloatVector(), "the caller's gradient was written");

    INDArray gd = Nd4j.rand(DataType.DOUBLE, 9).subi(0.5);
    double[] raw = gd.toDoubleVector();
    ModelView md = new ModelView(LAYOUT, Nd4j.zeros(DataType.DOUBLE, 9), gd).withGradScale(c);
    for (int j = 0; j < 9; j++)
      assertEquals(c * raw[j], md.grads().getDouble(j), 0.0, "double " + j);

    // a second scale rounds again, as a copy of a copy would
    ModelView twice = md.withGradScale(3.0);
    assertEquals(3.0, twice.gradScale());
    for (int j = 0; j < 9; j++)
      assertEquals((c * raw[j]) * 3.0, twice.grads().getDouble(j), 0.0, "twice " + j);
    ModelView plain = new ModelView(LAYOUT, Nd4j.zeros(DataType.DOUBLE, 9), gd);
    assertSame(gd, plain.grads());
    assertEquals(1.0, plain.gradScale());
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
