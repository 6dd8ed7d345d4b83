package org.optimbench.optim.polyak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.ParamLayout;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.spec.SpecException;

/**
 * MoMo and MoMo-Adam: golden values of the reference code (fabian-sp/MoMo @ 7be52f2, float64, torch
 * 1.13, transcribed in docs/METHODS-NOTES.md, "Published golden values"), the SGD limit for a tiny
 * learning rate, and rejected specs. Step-for-step traces of the softmax problem are the golden
 * cases momo* and momo_adam* of GoldenTraceTest.
 */
class MomoTest {
  /**
   * The golden values' problem: loss = mean((X W + b - Y)^2) over the 8 entries, params [W (3x2), b
   * (2)], 5 full-batch steps.
   */
  static final class Regression {
    final INDArray xm =
        Nd4j.createFromArray(new double[][] {{1, 2, -1}, {0.5, -1.5, 2}, {-1, 0, 1}, {2, 1, 0.5}});
    final INDArray ym = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 1}, {1, 1}, {-1, 0.5}});
    final ParamLayout layout = ParamLayout.builder().add("W", 3, 2).add("b", 2).build();

    INDArray residual(INDArray p) {
      INDArray w = p.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 6)).reshape(3, 2);
      INDArray b = p.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(6, 8));
      return xm.mmul(w).addRowVector(b).subi(ym);
    }

    double loss(INDArray p) {
      INDArray r = residual(p);
      return r.mul(r).sumNumber().doubleValue() / 8;
    }

    void grad(INDArray p, INDArray into) {
      INDArray r = residual(p).muli(2.0 / 8);
      INDArray gw = xm.transpose().mmul(r);
      into.assign(Nd4j.concat(0, gw.reshape(6), r.sum(0)));
    }
  }

  static double[] runRegression(Spec spec, int steps) {
    Regression q = new Regression();
    Optimizer opt = OptimizerRegistry.create(spec);
    INDArray p = Nd4j.createFromArray(0.1, -0.2, 0.3, 0.05, -0.4, 0.2, 0, 0.1);
    INDArray g = Nd4j.zeros(DataType.DOUBLE, 8);
    ModelView m = new ModelView(q.layout, p, g);
    OptimizerState s = opt.init(m);
    for (int t = 0; t < steps; t++) {
      q.grad(p, g);
      opt.step(m, s, StepContext.builder().step(t).loss(q.loss(p)).build());
    }
    return p.toDoubleVector();
  }

  private static void assertClose(double[] expected, double[] actual, double relTol) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(
          expected[i], actual[i], relTol * Math.max(1, Math.abs(expected[i])), "entry " + i);
    }
  }

  @Test
  void momoMatchesTheReferenceGoldenValues() {
    assertEquals(
        0.819765625,
        new Regression().loss(Nd4j.createFromArray(0.1, -0.2, 0.3, 0.05, -0.4, 0.2, 0, 0.1)),
        1e-15);
    assertClose(
        new double[] {
          -0.198559796449,
          -0.089701166501,
          0.031787139807,
          0.053506799781,
          -0.125040520674,
          0.363582934435,
          0.110689407083,
          0.268042092709
        },
        runRegression(Spec.of("momo", "lr", 1.0), 5),
        1e-11);
    assertClose(
        new double[] {
          -0.178367396244,
          -0.089124801192,
          0.038702691957,
          0.050646533937,
          -0.128201579909,
          0.340313907863,
          0.100800954054,
          0.249144100791
        },
        runRegression(Spec.of("momo", "lr", 1.0, "weight_decay", 0.01, "use_fstar", true), 5),
        1e-11);
  }

  @Test
  void momoAdamMatchesTheReferenceGoldenValues() {
    assertClose(
        new double[] {
          0.050095177036,
          -0.150467546714,
          0.250228841349,
          0.04956850322,
          -0.35021941991,
          0.249773222123,
          0.049905976163,
          0.149736442
        },
        runRegression(Spec.of("momo_adam", "lr", 1e-2), 5),
        1e-11);
  }

  @Test
  void firstStepIsTheStochasticPolyakStep() {
    // k = 1 without bias correction: x1 = x0 - min(lr, (f - lb)/||g||^2) g  (paper eq. for MoMo at
    // k = 1)
    Regression q = new Regression();
    INDArray x0 = Nd4j.createFromArray(0.1, -0.2, 0.3, 0.05, -0.4, 0.2, 0, 0.1);
    INDArray g = Nd4j.zeros(DataType.DOUBLE, 8);
    q.grad(x0, g);
    double f = q.loss(x0);
    double gg = g.mul(g).sumNumber().doubleValue();
    double step = Math.min(1.0, f / gg);
    double[] expected = x0.sub(g.mul(step)).toDoubleVector();
    assertClose(expected, runRegression(Spec.of("momo", "lr", 1.0), 1), 1e-13);
  }

  @Test
  void momoWithATinyLearningRateIsSgdWithThatRate() {
    // tau = min(lr, t) = lr once lr is below the Polyak step, and d is torch's momentum buffer
    // with momentum = dampening = beta: MoMo(lr) == SGD(lr, momentum=beta, dampening=beta).
    double lr = 1e-5;
    double[] momo = runRegression(Spec.of("momo", "lr", lr, "beta", 0.8), 30);
    double[] sgd = runRegression(Spec.of("sgd", "lr", lr, "momentum", 0.8, "dampening", 0.8), 30);
    assertClose(sgd, momo, 1e-13);
  }

  @Test
  void momoAdamReportsItsStepSizeAndLowerBound() {
    Regression q = new Regression();
    Optimizer opt = OptimizerRegistry.create(Spec.of("momo_adam", "use_fstar", true, "lb", -2.0));
    INDArray p = Nd4j.createFromArray(0.1, -0.2, 0.3, 0.05, -0.4, 0.2, 0, 0.1);
    INDArray g = Nd4j.zeros(DataType.DOUBLE, 8);
    ModelView m = new ModelView(q.layout, p, g);
    OptimizerState s = opt.init(m);
    q.grad(p, g);
    StepContext ctx = StepContext.builder().step(0).loss(q.loss(p)).build();
    opt.step(m, s, ctx);
    double tau = ctx.diagnostics().values().get("lr");
    double lb = ctx.diagnostics().values().get("lb");
    assertEquals(s.scalar("lb"), lb, 0.0);
    assertEquals(true, tau > 0 && tau <= 1e-2 / 0.1 + 1e-15, "tau " + tau);
    assertEquals(true, lb >= -2.0, "lb is floored by the user's lb");
  }

  @Test
  void theLossIsRequired() {
    Regression q = new Regression();
    Optimizer opt = OptimizerRegistry.create(Spec.of("momo"));
    INDArray p = Nd4j.zeros(DataType.DOUBLE, 8);
    ModelView m = new ModelView(q.layout, p, Nd4j.zeros(DataType.DOUBLE, 8));
    OptimizerState s = opt.init(m);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> opt.step(m, s, StepContext.of(0)));
    assertEquals(true, e.getMessage().contains("momo needs the batch loss"), e.getMessage());
  }

  @Test
  void badSpecsNameTheField() {
    assertField("optimizer.hparams.lr", Spec.of("momo", "lr", -1.0));
    assertField("optimizer.hparams.beta", Spec.of("momo", "beta", 1.0));
    assertField("optimizer.hparams.beta", Spec.of("momo", "beta", -0.1));
    assertField("optimizer.hparams.weight_decay", Spec.of("momo", "weight_decay", -0.1));
    assertField("optimizer.hparams.lr", Spec.of("momo_adam", "lr", -1e-3));
    assertField(
        "optimizer.hparams.betas[1]", Spec.of("momo_adam", "betas", java.util.List.of(0.9, 1.0)));
    assertField("optimizer.hparams.eps", Spec.of("momo_adam", "eps", -1.0));
    assertField("optimizer.hparams.momentum", Spec.of("momo", "momentum", 0.9));
  }

  static void assertField(String field, Spec spec) {
    SpecException e = assertThrows(SpecException.class, () -> OptimizerRegistry.create(spec));
    assertEquals(field, e.field(), e.getMessage());
  }
}
