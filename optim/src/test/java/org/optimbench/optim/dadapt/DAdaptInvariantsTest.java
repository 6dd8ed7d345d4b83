package org.optimbench.optim.dadapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.spec.SpecException;

/** Invariants of the D-Adaptation family and Prodigy that hold whatever the problem. */
class DAdaptInvariantsTest {
  static final double D0 = 1e-6;

  static Stream<Arguments> variants() {
    return Stream.of(
        Arguments.of("dadapt_sgd", Map.of()),
        Arguments.of("dadapt_sgd", Map.of("momentum", 0.9, "weight_decay", 1e-3)),
        Arguments.of("dadapt_adam", Map.of()),
        Arguments.of(
            "dadapt_adam",
            Map.of("use_bias_correction", true, "decouple", true, "weight_decay", 0.01)),
        Arguments.of("dadapt_adagrad", Map.of()),
        Arguments.of("dadapt_adagrad", Map.of("momentum", 0.5, "weight_decay", 1e-3)),
        Arguments.of("prodigy", Map.of()),
        Arguments.of(
            "prodigy",
            Map.of(
                "betas",
                List.of(0.0, 0.99),
                "slice_p",
                3L,
                "growth_rate",
                1.05,
                "decouple",
                false,
                "weight_decay",
                1e-3)),
        Arguments.of(
            "prodigy",
            Map.of("safeguard_warmup", true, "use_bias_correction", true, "beta3", 0.9)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("variants")
  void dNeverDecreasesOnANoisyRun(String name, Map<String, Object> hp) {
    Problems.Quadratic q = new Problems.Quadratic(1e2, 0.5);
    double[] ds = new double[300];
    Problems.run(Problems.create(name, hp), q.layout, q.start(), q, ds.length, ds);
    double prev = D0;
    for (int t = 0; t < ds.length; t++) {
      assertTrue(ds[t] >= prev, name + ": d fell from " + prev + " to " + ds[t] + " at step " + t);
      prev = ds[t];
    }
    assertTrue(prev > 100 * D0, name + ": d never grew (" + prev + "), the test would be vacuous");
  }

  @ParameterizedTest
  @MethodSource("dadaptNames")
  void dadaptWithGrowthRateOneKeepsD0(String name) {
    Problems.Quadratic q = new Problems.Quadratic(1e2, 0.5);
    double[] ds = new double[100];
    Problems.run(
        Problems.create(name, Map.of("growth_rate", 1.0)), q.layout, q.start(), q, ds.length, ds);
    for (double d : ds) assertEquals(D0, d, 0.0);
  }

  static Stream<String> dadaptNames() {
    return Stream.of("dadapt_sgd", "dadapt_adam", "dadapt_adagrad");
  }

  /**
   * Prodigy's first increase of d (while d == d0) skips the growth cap, so growth_rate = 1 does not
   * keep d at d0: d jumps once to that step's d_hat and is constant afterwards.
   */
  @Test
  void prodigyWithGrowthRateOneJumpsOnceThenStaysConstant() {
    Problems.Quadratic q = new Problems.Quadratic(1e2, 0.5);
    double[] ds = new double[100];
    Problems.run(
        Problems.create("prodigy", Map.of("growth_rate", 1.0)),
        q.layout,
        q.start(),
        q,
        ds.length,
        ds);
    int changes = 0;
    double prev = D0;
    for (double d : ds) {
      if (d != prev) changes++;
      prev = d;
    }
    assertEquals(1, changes, "d changes exactly once");
    assertTrue(ds[ds.length - 1] > D0);
  }

  static Stream<Arguments> illScaled() {
    // Observed relative errors max_i |x_i - c_i| / |c_i| (condition 1e3, optimum in [5, 10.75],
    // start 0, d0 = 1e-6):
    // dadapt_sgd momentum 0.9: 4.1e-10 after 5000 steps (with momentum 0 and lr 1 it diverges: the
    //   factor-2 estimate gives plain GD a step above 2/L on this problem);
    // dadapt_adam: 7.4e-9 after 400 steps (it later leaves the optimum when sqrt(v) falls below
    // eps);
    // dadapt_adagrad: 9.9e-16 after 600 steps; prodigy: 6.5e-16 after 700 steps.
    return Stream.of(
        Arguments.of("dadapt_sgd", Map.of("momentum", 0.9), 5000, 1e-8),
        Arguments.of("dadapt_adam", Map.of(), 400, 1e-7),
        Arguments.of("dadapt_adagrad", Map.of(), 600, 1e-12),
        Arguments.of("prodigy", Map.of(), 700, 1e-12));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("illScaled")
  void reachesTheOptimumOfAnIllScaledQuadraticFromATinyD0(
      String name, Map<String, Object> hp, int steps, double tol) {
    Problems.Quadratic q = new Problems.Quadratic(1e3, 0);
    INDArray x = q.start();
    Problems.run(Problems.create(name, hp), q.layout, x, q, steps, null);
    double err = q.relError(x);
    assertTrue(err <= tol, name + ": relative error " + err + " after " + steps + " steps");
  }

  /** One step from the least-squares problem's start; returns {x0, g, x1}. */
  private static INDArray[] firstStep(String name, Map<String, Object> hp) {
    Problems.LeastSquares ls = new Problems.LeastSquares();
    INDArray x = ls.init();
    INDArray x0 = x.dup();
    INDArray g = x.like().assign(0);
    ls.grad(0, x, g);
    Optimizer opt = Problems.create(name, hp);
    ModelView m = new ModelView(ls.layout, x, g);
    opt.step(m, opt.init(m), StepContext.of(0));
    return new INDArray[] {x0, g, x};
  }

  @Test
  void firstStepOfDAdaptSgdIsANormalisedGradientStepOfLengthD0() {
    INDArray[] r = firstStep("dadapt_sgd", Map.of());
    INDArray expected = r[0].sub(r[1].mul(D0 / r[1].norm2Number().doubleValue()));
    assertArrayClose(expected, r[2], 1e-15);
  }

  @ParameterizedTest
  @MethodSource("adamLike")
  void firstStepOfAdamLikeMethodsIsASignStep(String name) {
    INDArray[] r = firstStep(name, Map.of());
    INDArray g = r[1];
    double b1 = 0.9;
    double b2 = 0.999;
    // exact: x0 - d0 (1 - b1) g / (sqrt((1 - b2) g^2) + eps)
    INDArray exact =
        r[0].sub(g.mul(D0 * (1 - b1)).divi(Transforms.abs(g).muli(Math.sqrt(1 - b2)).addi(1e-8)));
    assertArrayClose(exact, r[2], 1e-15);
    // |g| >> eps: x0 - d0 (1 - b1) / sqrt(1 - b2) sign(g), i.e. 3.16e-6 per coordinate, up to a
    // relative eps / (sqrt(1 - b2) |g|) (at most 4e-5 here: the smallest |g| is about 1e-5)
    double step = D0 * (1 - b1) / Math.sqrt(1 - b2);
    double rel = 1e-8 / (Math.sqrt(1 - b2) * Transforms.abs(g).minNumber().doubleValue());
    assertTrue(rel < 1e-4);
    INDArray sign = r[0].sub(Transforms.sign(g).muli(step));
    assertArrayClose(sign, r[2], 1.01 * rel * step);
  }

  static Stream<String> adamLike() {
    return Stream.of("dadapt_adam", "prodigy");
  }

  private static void assertArrayClose(INDArray expected, INDArray actual, double absTol) {
    double[] e = expected.toDoubleVector();
    double[] a = actual.toDoubleVector();
    for (int i = 0; i < e.length; i++) assertEquals(e[i], a[i], absTol, "element " + i);
  }

  // ---- bad specs ----

  static Stream<Arguments> badSpecs() {
    Stream.Builder<Arguments> b = Stream.builder();
    for (String n : List.of("dadapt_sgd", "dadapt_adam", "dadapt_adagrad", "prodigy")) {
      b.add(Arguments.of(n, Map.of("fsdp_in_use", false), "fsdp_in_use"));
      b.add(Arguments.of(n, Map.of("log_every", 10L), "log_every"));
      b.add(Arguments.of(n, Map.of("lr", -1.0), "lr"));
      b.add(Arguments.of(n, Map.of("d0", 0.0), "d0"));
      b.add(Arguments.of(n, Map.of("d0", -1e-6), "d0"));
      b.add(Arguments.of(n, Map.of("growth_rate", 0.5), "growth_rate"));
      b.add(Arguments.of(n, Map.of("weight_decay", -0.1), "weight_decay"));
    }
    for (String n : List.of("dadapt_adam", "prodigy")) {
      b.add(Arguments.of(n, Map.of("betas", List.of(0.9, 1.0)), "betas[1]"));
      b.add(Arguments.of(n, Map.of("betas", List.of(-0.1, 0.999)), "betas[0]"));
      b.add(Arguments.of(n, Map.of("eps", 0.0), "eps"));
    }
    b.add(Arguments.of("prodigy", Map.of("slice_p", 0L), "slice_p"));
    b.add(Arguments.of("prodigy", Map.of("beta3", 1.0), "beta3"));
    b.add(Arguments.of("prodigy", Map.of("d_coef", 0.0), "d_coef"));
    b.add(Arguments.of("dadapt_sgd", Map.of("momentum", 1.0), "momentum"));
    b.add(Arguments.of("dadapt_adagrad", Map.of("momentum", -0.5), "momentum"));
    return b.build();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("badSpecs")
  void badSpecsFailNamingTheField(String name, Map<String, Object> hp, String field) {
    SpecException e =
        assertThrows(SpecException.class, () -> Problems.create(name, new LinkedHashMap<>(hp)));
    assertEquals("optimizer.hparams." + field, e.field(), e.getMessage());
  }

  static Stream<Arguments> everyMethod() {
    return variants();
  }

  // ---- reconcile ----

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("everyMethod")
  void mergingIdenticalStatesLeavesTheStateBitwiseUnchanged(String name, Map<String, Object> hp) {
    Optimizer opt = Problems.create(name, hp);
    Problems.Quadratic q = new Problems.Quadratic(1e2, 0.5);
    INDArray x = q.start();
    OptimizerState st = Problems.run(opt, q.layout, x, q, 40, null);
    OptimizerState merged = StateMerge.merge(List.of(st.copy(), st.copy()));
    opt.reconcile(new ModelView(q.layout, x, x.like().assign(0)), merged);
    assertTrue(merged.bitwiseEquals(st), name + ": merging two identical states changed the state");
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("everyMethod")
  void mergingDifferentWorkersGivesOneDAtLeastEveryWorkersD(String name, Map<String, Object> hp) {
    Optimizer opt = Problems.create(name, hp);
    Problems.Quadratic q = new Problems.Quadratic(1e2, 0);
    // Two workers start from the same point (same x0), take the same number of steps, and see
    // differently noisy gradients.
    OptimizerState[] w = new OptimizerState[2];
    INDArray[] xs = new INDArray[2];
    for (int i = 0; i < 2; i++) {
      Problems.Quadratic noisy = new Problems.Quadratic(1e2, 0.3 + 0.4 * i);
      xs[i] = q.start();
      w[i] = Problems.run(opt, q.layout, xs[i], noisy, 40, null);
    }
    OptimizerState merged = StateMerge.merge(List.of(w[0], w[1]));
    INDArray xAvg = xs[0].add(xs[1]).divi(2);
    opt.reconcile(new ModelView(q.layout, xAvg, xAvg.like().assign(0)), merged);
    double d = merged.scalar("d");
    assertTrue(
        d >= w[0].scalar("d") && d >= w[1].scalar("d"),
        name
            + ": merged d "
            + d
            + " below a worker's d "
            + w[0].scalar("d")
            + ", "
            + w[1].scalar("d"));
    if (merged.names().contains("d_max")) assertTrue(d <= merged.scalar("d_max"), "d <= d_max");
    // And the merged state keeps training with d non-decreasing.
    double[] ds = new double[20];
    ModelView m = new ModelView(q.layout, xAvg, xAvg.like().assign(0));
    for (int t = 0; t < ds.length; t++) {
      q.grad(t, xAvg, m.grads());
      opt.step(m, merged, StepContext.of(t));
      ds[t] = merged.scalar("d");
      assertTrue(ds[t] >= (t == 0 ? d : ds[t - 1]));
    }
  }
}
