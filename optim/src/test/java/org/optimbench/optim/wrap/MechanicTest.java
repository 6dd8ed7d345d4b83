package org.optimbench.optim.wrap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.Diagnostics;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.ParamLayout;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.spec.SpecException;

class MechanicTest {
  private static Spec mechanic(Spec base, Object... hparams) {
    Object[] kv = new Object[hparams.length + 2];
    kv[0] = "base";
    kv[1] = Map.of("name", base.name(), "hparams", base.hparams());
    System.arraycopy(hparams, 0, kv, 2, hparams.length);
    return Spec.of("mechanic", kv);
  }

  private static Spec sgd(double lr, Object... more) {
    Object[] kv = new Object[more.length + 2];
    kv[0] = "lr";
    kv[1] = lr;
    System.arraycopy(more, 0, kv, 2, more.length);
    return Spec.of("sgd", kv);
  }

  /**
   * The problem of the published golden values (docs/METHODS-NOTES.md): loss = mean((X·W + b − Y)²)
   * over 4×2 entries, params [W (3×2), b (2)] as two tensors; five full-batch steps of
   * mechanize(SGD)(lr=0.1). The expected numbers were produced by the PyTorch reference (float64,
   * torch 1.13) and are copied from there.
   */
  @Test
  void matchesTheReferenceNumbersOfTheNotes() {
    INDArray x =
        Nd4j.createFromArray(new double[][] {{1, 2, -1}, {0.5, -1.5, 2}, {-1, 0, 1}, {2, 1, 0.5}});
    INDArray y = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 1}, {1, 1}, {-1, 0.5}});
    ParamLayout layout = ParamLayout.builder().add("W", 3, 2).add("b", 2).build();
    INDArray p = Nd4j.createFromArray(0.1, -0.2, 0.3, 0.05, -0.4, 0.2, 0, 0.1);
    INDArray g = Nd4j.zeros(DataType.DOUBLE, 8);
    ModelView m = new ModelView(layout, p, g);
    Optimizer opt = OptimizerRegistry.create(mechanic(sgd(0.1)));
    OptimizerState s = opt.init(m);
    double[] sSum = new double[5];
    for (int t = 0; t < 5; t++) {
      INDArray w = p.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 6)).reshape(3, 2);
      INDArray b = p.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(6, 8));
      INDArray r = x.mmul(w).addiRowVector(b).subi(y).muli(2.0 / 8);
      g.assign(Nd4j.concat(0, x.transpose().mmul(r).reshape(6), r.sum(0)));
      Diagnostics d = new Diagnostics();
      opt.step(m, s, StepContext.builder().step(t).diagnostics(d).build());
      sSum[t] = d.values().get("s_sum");
    }
    // The golden values' closed-form first step: Σs after step 1 = 1e-6·Σβ/6, default betas.
    assertEquals(1e-6 * (0.9 + 0.99 + 0.999 + 0.9999 + 0.99999 + 0.999999) / 6, sSum[0], 1e-22);
    assertEquals(9.8148e-7, sSum[0], 5e-12);
    double[] expectedS = {
      9.814815e-7, 9.91481465577e-7, 1.33237402646e-6, 1.86457534567e-6, 2.63539021262e-6
    };
    double[] expectedP = {
      0.099998831423,
      -0.199999565841,
      0.299998928805,
      0.050000012173,
      -0.399998912575,
      0.200000641094,
      4.21986e-7,
      0.100000657325
    };
    for (int t = 1; t < 5; t++)
      assertEquals(expectedS[t], sSum[t], 1e-9 * expectedS[t], "Σs after step " + (t + 1));
    // The golden table prints 12 significant digits (b[0] only 6): half a unit of the last printed
    // digit.
    assertArrayEquals(expectedP, p.toDoubleVector(), 6e-13);
  }

  /**
   * f(x) = 1/2 Σ λ_i (x_i − c_i)², λ log-spaced over [lo, hi], c spread over [−1e3, 1e3]; returns
   * {f0, f_T, Σs_T}.
   */
  private static double[] runQuadratic(Spec spec, double lo, double hi, int steps) {
    int n = 20;
    double[] l = new double[n];
    for (int i = 0; i < n; i++) l[i] = lo * Math.pow(hi / lo, i / (n - 1.0));
    INDArray lambda = Nd4j.createFromArray(l);
    INDArray c = Nd4j.linspace(DataType.DOUBLE, -1e3, 2e3 / (n - 1), n);
    INDArray p = Nd4j.zeros(DataType.DOUBLE, n);
    INDArray g = Nd4j.zeros(DataType.DOUBLE, n);
    ModelView m = new ModelView(ParamLayout.builder().add("a", 4, 3).add("b", 8).build(), p, g);
    Optimizer opt = OptimizerRegistry.create(spec);
    OptimizerState s = opt.init(m);
    double f0 = loss(p, c, lambda);
    Diagnostics d = new Diagnostics();
    for (int t = 0; t < steps; t++) {
      g.assign(p.sub(c).muli(lambda));
      // linear decay of the base lr, as Mechanic is used in the paper (with a constant factor the
      // iterate keeps wobbling along Δ as Σs moves, without settling)
      opt.step(
          m,
          s,
          StepContext.builder().step(t).lrScale(1.0 - (double) t / steps).diagnostics(d).build());
    }
    return new double[] {f0, loss(p, c, lambda), d.values().get("s_sum")};
  }

  private static double loss(INDArray p, INDArray c, INDArray lambda) {
    INDArray r = p.sub(c);
    return 0.5 * r.mul(r).muli(lambda).sumNumber().doubleValue();
  }

  @Test
  void findsAStepSizeSixOrdersAboveItsStartOnAnIllScaledQuadratic() {
    // Curvatures 1e-3..1e-2 and an optimum ~1e3 away: the right effective step is O(100), the
    // untuned base SGD has lr 1 and Mechanic starts from Σs ≈ 1e-6 (default s_init).
    double[] r = runQuadratic(mechanic(sgd(1.0)), 1e-3, 1e-2, 3000);
    assertTrue(r[1] <= 1e-5 * r[0], "loss " + r[0] + " -> " + r[1]);
    assertTrue(r[2] > 1.0, "Σs " + r[2]);
  }

  @Test
  void reachesTheOptimumOfAWellScaledQuadraticWithAnUntunedSgdBase() {
    double[] r = runQuadratic(mechanic(sgd(1.0)), 0.1, 1.0, 3000);
    assertTrue(r[1] <= 1e-6 * r[0], "loss " + r[0] + " -> " + r[1]);
  }

  private static INDArray[] twoSegmentProblem() {
    INDArray p = Nd4j.linspace(DataType.DOUBLE, -1, 0.1, 20);
    return new INDArray[] {p, Nd4j.zeros(DataType.DOUBLE, 20)};
  }

  /**
   * Runs {@code steps} steps of a fixed quadratic; restores the state from bytes before step {@code
   * saveAt}.
   */
  private static OptimizerState run(Spec spec, INDArray p, int steps, double lrScale, int saveAt) {
    INDArray g = Nd4j.zeros(p.dataType(), p.length());
    INDArray lambda = Nd4j.linspace(p.dataType(), 1, 0.5, p.length());
    ModelView m =
        new ModelView(ParamLayout.builder().add("a", 4, 3).add("b", p.length() - 12).build(), p, g);
    Optimizer opt = OptimizerRegistry.create(spec);
    OptimizerState s = opt.init(m);
    for (int t = 0; t < steps; t++) {
      if (t == saveAt) s = OptimizerState.fromBytes(s.toBytes());
      g.assign(p.sub(2.0).muli(lambda));
      opt.step(m, s, StepContext.builder().step(t).lrScale(lrScale).build());
    }
    return s;
  }

  @Test
  void theScheduleFactorMultipliesTheBaseLearningRate() {
    // 0.2 * 0.5 == 0.1 exactly, so both runs must agree to the bit.
    INDArray a = twoSegmentProblem()[0];
    INDArray b = twoSegmentProblem()[0];
    run(mechanic(sgd(0.2, "momentum", 0.9)), a, 15, 0.5, -1);
    run(mechanic(sgd(0.1, "momentum", 0.9)), b, 15, 1.0, -1);
    assertArrayEquals(b.toDoubleVector(), a.toDoubleVector(), 0.0);
    INDArray c = twoSegmentProblem()[0];
    run(mechanic(sgd(0.1)), c, 3, 0.0, -1);
    assertArrayEquals(
        twoSegmentProblem()[0].toDoubleVector(),
        c.toDoubleVector(),
        0.0,
        "moved with a zero factor");
  }

  @Test
  void isNearlyInvariantToTheScaleOfTheBaseLearningRate() {
    // x = x_ref + Σs·Δ with Δ ∝ base lr: Mechanic's Σs absorbs the scale of the base lr.
    INDArray a = twoSegmentProblem()[0];
    INDArray b = twoSegmentProblem()[0];
    OptimizerState sa = run(mechanic(sgd(1e-2)), a, 200, 1.0, -1);
    OptimizerState sb = run(mechanic(sgd(1.0)), b, 200, 1.0, -1);
    double sumA = java.util.Arrays.stream(sa.scalarsRef("s")).sum();
    double sumB = java.util.Arrays.stream(sb.scalarsRef("s")).sum();
    // The 1e-2 run needs more steps to grow Σs from its 1e-6 start, so the ratio is below 100 at
    // step 200; it is far from the 1 of a method that ignores the base lr's scale.
    assertTrue(sumA / sumB > 30 && sumA / sumB < 300, "Σs ratio " + sumA / sumB);
    double d0 = twoSegmentProblem()[0].sub(2.0).norm2Number().doubleValue();
    assertTrue(a.sub(2.0).norm2Number().doubleValue() < 0.5 * d0);
    assertTrue(b.sub(2.0).norm2Number().doubleValue() < 0.5 * d0);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void saveAndRestoreIsBitExactIncludingTheBaseState(boolean storeDelta) {
    for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      Spec spec = mechanic(sgd(0.1, "momentum", 0.9), "store_delta", storeDelta);
      INDArray a = twoSegmentProblem()[0].castTo(dt);
      INDArray b = twoSegmentProblem()[0].castTo(dt);
      OptimizerState sa = run(spec, a, 12, 1.0, -1);
      OptimizerState sb = run(spec, b, 12, 1.0, 6);
      assertArrayEquals(
          a.toDoubleVector(), b.toDoubleVector(), 0.0, dt + ": params differ after a restore");
      assertTrue(sa.bitwiseEquals(sb), dt + ": state differs after a restore");
      assertTrue(sb.child("base").hasArray("momentum_buffer"), "the base state travels as a child");
      assertEquals(storeDelta, sb.hasArray("delta"));
    }
  }

  @Test
  void fusesItsGlobalSumsIntoOneReducerCallPerStepAndReportsDiagnostics() {
    INDArray p = twoSegmentProblem()[0];
    INDArray g = Nd4j.linspace(DataType.DOUBLE, 1.0, 1.0, 20L);
    ModelView m = new ModelView(ParamLayout.builder().add("a", 4, 3).add("b", 8).build(), p, g);
    Optimizer opt = OptimizerRegistry.create(mechanic(sgd(0.1)));
    OptimizerState s = opt.init(m);
    int[] calls = {0};
    Diagnostics d = new Diagnostics();
    for (int t = 0; t < 4; t++) {
      opt.step(
          m,
          s,
          StepContext.builder()
              .step(t)
              .diagnostics(d)
              .reducer(
                  x -> {
                    calls[0]++;
                    return x;
                  })
              .build());
    }
    assertEquals(4, calls[0], "one reducer call per step (plain SGD makes none)");
    assertEquals(List.of("base.lr", "s_sum"), d.values().keySet().stream().sorted().toList());
    assertEquals(0.1, d.values().get("base.lr"), 0.0);
  }

  private static SpecException rejected(Spec spec) {
    return assertThrows(SpecException.class, () -> OptimizerRegistry.create(spec));
  }

  @Test
  void rejectsBadSpecsNamingTheField() {
    assertEquals("optimizer.hparams.base", rejected(Spec.of("mechanic", "s_decay", 0.01)).field());
    assertEquals(
        "optimizer.hparams.base.name", rejected(mechanic(Spec.of("no_such_optimizer"))).field());
    assertEquals("optimizer.hparams.base.hparams.lr", rejected(mechanic(sgd(-1.0))).field());
    assertEquals(
        "optimizer.hparams.base.hparams.lrr",
        rejected(mechanic(Spec.of("sgd", "lrr", 0.1))).field());
    assertEquals(
        "optimizer.hparams.betas[1]",
        rejected(mechanic(sgd(0.1), "betas", List.of(0.9, 1.0))).field());
    assertEquals(
        "optimizer.hparams.betas", rejected(mechanic(sgd(0.1), "betas", List.of())).field());
    assertEquals("optimizer.hparams.s_init", rejected(mechanic(sgd(0.1), "s_init", 0.0)).field());
    assertEquals(
        "optimizer.hparams.s_decay", rejected(mechanic(sgd(0.1), "s_decay", -0.1)).field());
    assertEquals("optimizer.hparams.eps", rejected(mechanic(sgd(0.1), "eps", -1e-8)).field());
    assertEquals(
        "optimizer.hparams.store_delta",
        rejected(mechanic(sgd(0.1), "store_delta", "yes")).field());
    assertEquals("optimizer.hparams.lr", rejected(mechanic(sgd(0.1), "lr", 1.0)).field());
    assertEquals("optimizer.hparams.base", rejected(Spec.of("mechanic", "base", "sgd")).field());
  }

  @Test
  void wrapsAnyRegisteredOptimizerIncludingItself() {
    Spec inner = mechanic(sgd(0.1));
    INDArray p = twoSegmentProblem()[0];
    OptimizerState s =
        run(
            Spec.of("mechanic", "base", Map.of("name", "mechanic", "hparams", inner.hparams())),
            p,
            20,
            1.0,
            -1);
    assertTrue(s.child("base").children().containsKey("base"));
    for (double v : p.toDoubleVector()) assertTrue(Double.isFinite(v));
  }
}
