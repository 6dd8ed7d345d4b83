package org.optimbench.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.trace.SoftmaxMlp;

/**
 * Finite-difference Hessian-vector products against the exact product of the trace model ({@link
 * SoftmaxMlp#hvp}) on a trace problem of the golden set's shape (5 features, 4 tanh units, 3
 * classes, a batch of 8). Observed relative errors ||fd - exact|| / ||exact|| (worst of 20 random
 * directions of norms 1e-3 to 1e3, printed by the test): float64 forward 7e-8, central 9e-9;
 * float32 forward 2e-3, central 2e-4 (rounding dominates there: the gradient difference loses about
 * half the digits).
 */
class FiniteDifferenceHvpTest {
  private static final int D = 5;

  private record Batch(SoftmaxMlp model, INDArray w, INDArray x, int[] y) {}

  private static Batch batch(DataType dt) {
    Random rng = new Random(11);
    SoftmaxMlp model = new SoftmaxMlp(D, 4, 3, dt);
    double[] w = new double[(int) model.layout().totalLength()];
    for (int i = 0; i < w.length; i++) w[i] = 0.5 * rng.nextGaussian();
    double[][] x = new double[8][D];
    int[] y = new int[8];
    for (int i = 0; i < 8; i++) {
      y[i] = i % 3;
      for (int j = 0; j < D; j++) x[i][j] = 1.5 * rng.nextGaussian();
    }
    return new Batch(
        model, Nd4j.createFromArray(w).castTo(dt), Nd4j.createFromArray(x).castTo(dt), y);
  }

  private static double worstRelativeError(DataType dt, FiniteDifferenceHvp.Scheme scheme) {
    Batch b = batch(dt);
    GradientOracle g = w -> b.model.lossAndGrad(w, b.x, b.y).grad();
    INDArray w0 = b.w.dup();
    HessianVectorOracle fd =
        scheme == FiniteDifferenceHvp.Scheme.FORWARD
            ? FiniteDifferenceHvp.forward(g, b.w, g.gradientAt(b.w).dup())
            : FiniteDifferenceHvp.central(g, b.w);
    Random rng = new Random(5);
    double worst = 0;
    for (int k = 0; k < 20; k++) {
      double[] v = new double[(int) b.w.length()];
      double scale =
          Math.pow(10, rng.nextInt(7) - 3); // the oracle is scale-invariant: r adapts to ||v||
      for (int i = 0; i < v.length; i++) v[i] = scale * rng.nextGaussian();
      INDArray vv = Nd4j.createFromArray(v).castTo(dt);
      INDArray exact = b.model.hvp(b.w, b.x, b.y, vv).castTo(DataType.DOUBLE);
      INDArray approx = fd.hvp(vv);
      assertEquals(dt, approx.dataType());
      double err =
          approx.castTo(DataType.DOUBLE).sub(exact).norm2Number().doubleValue()
              / exact.norm2Number().doubleValue();
      worst = Math.max(worst, err);
    }
    assertEquals(0.0, b.w.sub(w0).amaxNumber().doubleValue(), 0.0, "the oracle modified the point");
    System.out.printf("FD-HVP %s %s: worst relative error %.1e%n", dt, scheme, worst);
    return worst;
  }

  @Test
  void float64ProductsMatchTheExactProduct() {
    assertTrue(worstRelativeError(DataType.DOUBLE, FiniteDifferenceHvp.Scheme.FORWARD) < 1e-6);
    assertTrue(worstRelativeError(DataType.DOUBLE, FiniteDifferenceHvp.Scheme.CENTRAL) < 1e-7);
  }

  @Test
  void float32ProductsAreCorrectToAFewDigits() {
    assertTrue(worstRelativeError(DataType.FLOAT, FiniteDifferenceHvp.Scheme.FORWARD) < 1e-2);
    assertTrue(worstRelativeError(DataType.FLOAT, FiniteDifferenceHvp.Scheme.CENTRAL) < 1e-2);
  }

  @Test
  void forwardCostsOneGradientEvaluationAndCentralTwo() {
    Batch b = batch(DataType.DOUBLE);
    int[] calls = new int[1];
    GradientOracle g =
        w -> {
          calls[0]++;
          return b.model.lossAndGrad(w, b.x, b.y).grad();
        };
    INDArray g0 = b.model.lossAndGrad(b.w, b.x, b.y).grad();
    INDArray v = Nd4j.ones(DataType.DOUBLE, b.w.length());
    FiniteDifferenceHvp.forward(g, b.w, g0).hvp(v);
    assertEquals(1, calls[0]);
    FiniteDifferenceHvp.central(g, b.w).hvp(v);
    assertEquals(3, calls[0]);
  }

  @Test
  void zeroDirectionGivesZeroWithoutEvaluatingTheGradient() {
    Batch b = batch(DataType.FLOAT);
    GradientOracle g =
        w -> {
          throw new AssertionError("evaluated the gradient");
        };
    INDArray hv = FiniteDifferenceHvp.central(g, b.w).hvp(Nd4j.zeros(DataType.FLOAT, b.w.length()));
    assertEquals(0.0, hv.amaxNumber().doubleValue(), 0.0);
    assertEquals(DataType.FLOAT, hv.dataType());
  }

  @Test
  void stepSizeFollowsTheDocumentedFormula() {
    INDArray w = Nd4j.createFromArray(3.0, 4.0); // ||w|| = 5
    INDArray v = Nd4j.createFromArray(0.0, 2.0);
    assertEquals(Math.sqrt(Math.ulp(1.0)) * 6 / 2, FiniteDifferenceHvp.stepSize(w, v), 0.0);
    assertEquals(
        Math.sqrt(Math.ulp(1.0f)) * 6 / 2,
        FiniteDifferenceHvp.stepSize(w.castTo(DataType.FLOAT), v.castTo(DataType.FLOAT)),
        1e-12);
    assertThrows(
        IllegalArgumentException.class,
        () -> FiniteDifferenceHvp.central(x -> x, w).hvp(Nd4j.ones(DataType.DOUBLE, 3)));
  }
}
