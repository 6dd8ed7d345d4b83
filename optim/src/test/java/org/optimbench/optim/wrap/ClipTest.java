package org.optimbench.optim.wrap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.optimbench.optim.Optimizers;
import org.optimbench.optim.ParamLayout;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.spec.SpecException;
import org.optimbench.optim.testing.ShardedHarness;

/**
 * Global-norm clipping: torch's clip_grad_norm_ rule (c = max_norm / (‖g‖ + 1e-6), applied when c
 * &lt; 1) in front of the base optimizer. Step-for-step agreement with torch is in the golden cases
 * {@code clip_*} (GoldenTraceTest); here the rule by hand, globality under sharding, and spec
 * errors.
 */
class ClipTest {
  private static final ParamLayout LAYOUT =
      ParamLayout.builder().add("W", 2, 2).add("b", 2).build();

  private static Map<String, Object> sgd(double lr) {
    return Map.of("name", "sgd", "hparams", Map.of("lr", lr));
  }

  private static Optimizer clip(double maxNorm, Map<String, Object> base) {
    return OptimizerRegistry.create(Spec.of("clip", "max_norm", maxNorm, "base", base));
  }

  /**
   * One step of clip(SGD lr 1) from params 0 with gradient g; returns the params (= −g as the base
   * saw it).
   */
  private static double[] stepOnce(Optimizer opt, double[] grad, Diagnostics d) {
    INDArray p = Nd4j.zeros(DataType.DOUBLE, 6);
    INDArray g = Nd4j.createFromArray(grad);
    ModelView m = new ModelView(LAYOUT, p, g);
    Optimizers.step(opt, m, opt.init(m), StepContext.builder().step(0).diagnostics(d).build());
    assertArrayEquals(grad, g.toDoubleVector(), 0.0, "the caller's gradient was written");
    return p.toDoubleVector();
  }

  @Test
  void scalesAGradientAboveMaxNormToMaxNormOverAllSegments() {
    // ‖g‖ = sqrt(9 + 16 + 0 + 0 + 144 + 0) = 13, spread over both segments.
    double[] g = {3, 4, 0, 0, 12, 0};
    Diagnostics d = new Diagnostics();
    double[] p = stepOnce(clip(1.0, sgd(1.0)), g, d);
    double c = 1.0 / (13.0 + 1e-6);
    for (int i = 0; i < g.length; i++) assertEquals(-g[i] * c, p[i], 1e-15, "p" + i);
    assertEquals(13.0, d.values().get("grad_norm"), 1e-12);
    assertEquals(1.0, d.values().get("clipped"));
    // the step has length max_norm up to torch's 1e-6: the direction is kept
    double len = 0;
    for (double v : p) len += v * v;
    assertEquals(1.0, Math.sqrt(len), 1e-7);
  }

  @Test
  void leavesAGradientBelowMaxNormUntouched() {
    double[] g = {0.3, -0.4, 0, 0.1, 0, 0.2};
    Diagnostics d = new Diagnostics();
    double[] clipped = stepOnce(clip(1.0, sgd(0.5)), g, d);
    double[] plain =
        stepOnce(
            OptimizerRegistry.create(new Spec("sgd", Map.of("lr", 0.5))), g, new Diagnostics());
    assertArrayEquals(plain, clipped, 0.0);
    assertEquals(0.0, d.values().get("clipped"));
    assertEquals(Math.sqrt(0.09 + 0.16 + 0.01 + 0.04), d.values().get("grad_norm"), 1e-15);
  }

  @Test
  void aNormJustBelowMaxNormIsNotClippedBecauseOfTorchsEpsilon() {
    // ‖g‖ = 1 exactly and max_norm 1: c = 1 / (1 + 1e-6) < 1, so torch scales it (by 1 − 1e-6).
    double[] g = {0.6, 0.8, 0, 0, 0, 0};
    Diagnostics d = new Diagnostics();
    double[] p = stepOnce(clip(1.0, sgd(1.0)), g, d);
    assertEquals(1.0, d.values().get("clipped"));
    assertEquals(-0.6 / (1 + 1e-6), p[0], 1e-16);
    // with max_norm 1 + 2e-6 it is not
    d = new Diagnostics();
    p = stepOnce(clip(1 + 2e-6, sgd(1.0)), g, d);
    assertEquals(0.0, d.values().get("clipped"));
    assertEquals(-0.6, p[0], 0.0);
  }

  @Test
  void anInfiniteMaxNormIsTheBaseOptimizer() {
    double[] g = {30, -40, 0, 1, 0, 2};
    Optimizer opt = OptimizerRegistry.create(Spec.of("clip", "max_norm", "inf", "base", sgd(0.1)));
    double[] p = stepOnce(opt, g, new Diagnostics());
    assertArrayEquals(
        stepOnce(
            OptimizerRegistry.create(new Spec("sgd", Map.of("lr", 0.1))), g, new Diagnostics()),
        p,
        0.0);
  }

  /**
   * Adam and AdamW fold the clip coefficient into their fused pass instead of reading a scaled
   * copy: the trajectory must be the same bits as the base stepping on the copy torch's clip_grad_
   * norm_ makes (g · c in the dtype), in float32 and float64, with coupled and decoupled decay and
   * AMSGrad; and SGD, which reads the copy, too.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{name: adam, hparams: {lr: 0.01}}",
        "{name: adam, hparams: {lr: 0.01, weight_decay: 0.1, amsgrad: true}}",
        "{name: adamw, hparams: {lr: 0.01, weight_decay: 0.1}}",
        "{name: sgd, hparams: {lr: 0.01, momentum: 0.9}}"
      })
  void aClippedStepIsTheBaseStepOnTheScaledCopyBitForBit(String baseYaml) {
    Spec baseSpec = Spec.parse(baseYaml, "base");
    Optimizer base = OptimizerRegistry.create(baseSpec);
    Optimizer clipped = new Clip(base, 0.5);
    ParamLayout layout = ParamLayout.builder().add("W", 300, 7).add("b", 91).build();
    for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray p1 = Nd4j.rand(dt, layout.totalLength()).subi(0.5);
      INDArray p2 = p1.dup();
      INDArray g = Nd4j.create(dt, layout.totalLength());
      ModelView m1 = new ModelView(layout, p1, g);
      ModelView m2 = new ModelView(layout, p2, g);
      OptimizerState s1 = clipped.init(m1);
      OptimizerState s2 = base.init(m2);
      for (int t = 0; t < 5; t++) {
        g.assign(Nd4j.rand(dt, layout.totalLength()).subi(0.4).muli(t + 1)); // norm ~ 10-50
        Diagnostics d = new Diagnostics();
        Optimizers.step(clipped, m1, s1, StepContext.builder().step(t).diagnostics(d).build());
        assertEquals(1.0, d.values().get("clipped"), "every step must clip");
        double coef = 0.5 / (d.values().get("grad_norm") + Clip.NORM_EPS);
        Optimizers.step(base, m2.withGrads(g.mul(coef)), s2, StepContext.builder().step(t).build());
        assertArrayEquals(
            p2.toDoubleVector(), p1.toDoubleVector(), 0.0, baseYaml + " " + dt + " step " + t);
      }
    }
  }

  @Test
  void theBaseOptimizerStateIsTheChildAndItsDiagnosticsArePrefixed() {
    Optimizer opt = clip(1.0, Map.of("name", "dadapt_adam"));
    INDArray p = Nd4j.ones(DataType.DOUBLE, 6);
    INDArray g = Nd4j.createFromArray(5.0, 1, 2, 3, 4, 5);
    ModelView m = new ModelView(LAYOUT, p, g);
    OptimizerState s = opt.init(m);
    assertEquals(List.of("base"), List.copyOf(s.children().keySet()));
    assertTrue(s.arrays().isEmpty() && s.scalars().isEmpty(), "clip keeps no state of its own");
    Diagnostics d = new Diagnostics();
    Optimizers.step(opt, m, s, StepContext.builder().step(0).diagnostics(d).build());
    assertTrue(d.values().containsKey("base.d"), "base diagnostics: " + d.values().keySet());
  }

  /**
   * f = 1/2 Σ λ_i (x_i − 3)², λ_i = 1 + i, 12 coordinates in three segments: the gradient norm
   * starts far above 1.
   */
  private static final ParamLayout SHARD_LAYOUT =
      ParamLayout.builder().add("a", 2, 3).add("b", 4).add("c", 2).build();

  @ParameterizedTest
  @ValueSource(strings = {"sgd", "adam"})
  void theNormIsGlobalWhenParametersAreSharded(String baseName) {
    Map<String, Object> base =
        baseName.equals("sgd")
            ? Map.of("name", "sgd", "hparams", Map.of("lr", 0.05, "momentum", 0.9))
            : Map.of("name", "adam", "hparams", Map.of("lr", 0.1));
    Optimizer opt = clip(2.0, base);
    ShardedHarness.GradientFn grad =
        (t, x, into) -> {
          INDArray lambda = Nd4j.linspace(DataType.DOUBLE, 1, 1, 12);
          into.assign(x.sub(3.0).muli(lambda));
        };
    INDArray x0 = Nd4j.zeros(DataType.DOUBLE, 12);
    // 3 workers, cuts inside segments: a per-worker norm would clip each part differently
    ShardedHarness.assertShardedMatchesUnsharded(
        opt, SHARD_LAYOUT, x0, grad, ShardedHarness.evenCuts(12, 3), 40, t -> 1.0, 1e-12);
    ShardedHarness.Trajectory tr =
        ShardedHarness.unsharded(opt, SHARD_LAYOUT, x0, grad, 40, t -> 1.0);
    assertEquals(
        1.0,
        tr.diagnostics().get(0).get("clipped"),
        "the first steps must clip for this test to mean anything");
  }

  private static SpecException bad(Object... kv) {
    return assertThrows(SpecException.class, () -> OptimizerRegistry.create(Spec.of("clip", kv)));
  }

  @Test
  void badSpecsNameTheField() {
    assertEquals("optimizer.hparams.max_norm", bad("base", sgd(0.1)).field());
    assertEquals("optimizer.hparams.max_norm", bad("base", sgd(0.1), "max_norm", 0.0).field());
    assertEquals("optimizer.hparams.max_norm", bad("base", sgd(0.1), "max_norm", -1.0).field());
    assertEquals("optimizer.hparams.max_norm", bad("base", sgd(0.1), "max_norm", "one").field());
    assertEquals("optimizer.hparams.base", bad("max_norm", 1.0).field());
    assertEquals("optimizer.hparams.base", bad("max_norm", 1.0, "base", 3.0).field());
    assertEquals(
        "optimizer.hparams.base.name",
        bad("max_norm", 1.0, "base", Map.of("name", "adamm")).field());
    assertEquals(
        "optimizer.hparams.base.hparams.lr", bad("max_norm", 1.0, "base", sgd(-1.0)).field());
    assertEquals(
        "optimizer.hparams.norm_type",
        bad("max_norm", 1.0, "base", sgd(0.1), "norm_type", 2.0).field());
  }

  @Test
  void nestsInsideOtherWrappersAndAroundThem() {
    Optimizer a =
        OptimizerRegistry.create(
            Spec.of(
                "mechanic",
                "base",
                Map.of("name", "clip", "hparams", Map.of("max_norm", 1.0, "base", sgd(0.1)))));
    Optimizer b = clip(1.0, Map.of("name", "mechanic", "hparams", Map.of("base", sgd(0.1))));
    for (Optimizer o : new Optimizer[] {a, b}) {
      double[] p = stepOnce(o, new double[] {30, 40, 0, 0, 0, 0}, new Diagnostics());
      for (double v : p) assertFalse(Double.isNaN(v));
    }
  }
}
