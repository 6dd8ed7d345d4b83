package org.optimbench.optim.graft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.ParamLayout;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.spec.SpecException;
import org.optimbench.optim.trace.TraceRunner;

/**
 * Grafting M#D: the invariant M#M = M step for step (both granularities), one step worked by hand
 * from the paper's update (arXiv 2002.11803 Algorithm 2: x + ‖u_M‖/(‖u_D‖ + eps) u_D, per segment
 * or global), one fused reduction per step, the logged ratios, and rejected specs.
 */
class GraftTest {
  static final Spec SGD_M = Spec.of("sgd", "lr", 0.1, "momentum", 0.9);
  static final Spec MOMO_ADAM = Spec.of("momo_adam", "lr", 0.05);

  static Spec graft(Spec m, Spec d, String granularity) {
    return Spec.of("graft", "magnitude", m, "direction", d, "granularity", granularity);
  }

  @ParameterizedTest
  @ValueSource(strings = {"layer", "global"})
  void graftingAnOptimizerWithItselfIsThatOptimizer(String granularity) {
    for (Spec m : new Spec[] {SGD_M, MOMO_ADAM}) {
      List<TraceRunner.Row> plain = TraceRunner.run(TraceFixture.problem(m, 25, 3));
      List<TraceRunner.Row> grafted =
          TraceRunner.run(TraceFixture.problem(graft(m, m, granularity), 25, 3));
      for (int t = 0; t < plain.size(); t++) {
        double[] a = plain.get(t).params();
        double[] b = grafted.get(t).params();
        for (int i = 0; i < a.length; i++) {
          assertEquals(
              a[i],
              b[i],
              1e-12 * Math.max(1, Math.abs(a[i])),
              m.name() + "#" + m.name() + " " + granularity + " step " + t + " p" + i);
        }
        assertEquals(plain.get(t).loss(), grafted.get(t).loss(), 1e-12);
      }
      Map<String, Double> diag = grafted.get(5).diagnostics();
      assertEquals(1.0, diag.get("ratio"), 1e-12);
      if (granularity.equals("layer")) {
        for (String s : new String[] {"W1", "b1", "W2", "b2"})
          assertEquals(1.0, diag.get("ratio." + s), 1e-12, "ratio." + s);
      }
    }
  }

  /**
   * Two segments, SGD magnitude, MoMo-Adam direction (its first step is -tau g/(|g| + eps), about
   * -tau sign(g)).
   */
  @ParameterizedTest
  @ValueSource(strings = {"layer", "global"})
  void oneStepMatchesThePaperUpdateWorkedByHand(String granularity) {
    ParamLayout layout = ParamLayout.builder().add("W", 2, 2).add("b", 3).build();
    double[] x0 = {0.5, -1.0, 2.0, 0.25, 0.0, 1.5, -0.5};
    double[] g = {0.3, -0.2, 0.9, -0.1, 0.4, 0.05, -0.6};
    INDArray x = Nd4j.createFromArray(x0.clone());
    ModelView m = new ModelView(layout, x, Nd4j.createFromArray(g));
    Optimizer opt =
        OptimizerRegistry.create(
            graft(Spec.of("sgd", "lr", 0.3), Spec.of("momo_adam", "lr", 0.01), granularity));
    OptimizerState s = opt.init(m);
    StepContext ctx = StepContext.builder().step(0).loss(2.0).build();
    opt.step(m, s, ctx);

    double[] expected = new double[7];
    int[][] groups =
        granularity.equals("layer") ? new int[][] {{0, 4}, {4, 7}} : new int[][] {{0, 7}};
    for (int[] grp : groups) {
      double gn = 0;
      for (int i = grp[0]; i < grp[1]; i++) gn += g[i] * g[i];
      double magnitude = 0.3 * Math.sqrt(gn); // ||u_M|| = lr ||g||
      // u_D is proportional to -q with q = m / (sqrt(v / bc2) + eps) = 0.1 g / (|g| + 1e-8) at step
      // 1
      double qn = 0;
      for (int i = grp[0]; i < grp[1]; i++) qn += Math.pow(g[i] / (Math.abs(g[i]) + 1e-8), 2);
      for (int i = grp[0]; i < grp[1]; i++)
        expected[i] = x0[i] - magnitude * (g[i] / (Math.abs(g[i]) + 1e-8)) / Math.sqrt(qn);
    }
    double[] got = x.toDoubleVector();
    for (int i = 0; i < 7; i++) assertEquals(expected[i], got[i], 1e-14, granularity + " p" + i);
    // the logged ratio is ||u_M|| / ||u_D|| with u_D = -0.01 sign(g) (0.01 < f/||g||_1 = 2/2.55)
    Map<String, Double> diag = ctx.diagnostics().values();
    if (granularity.equals("layer")) {
      assertEquals(
          0.3 * Math.sqrt(0.09 + 0.04 + 0.81 + 0.01) / (0.01 * 2), diag.get("ratio.W"), 1e-6);
      assertTrue(
          diag.containsKey("ratio.b")
              && diag.containsKey("magnitude.lr")
              && diag.containsKey("direction.lr"));
    } else {
      assertTrue(diag.keySet().stream().noneMatch(k -> k.startsWith("ratio.")));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"layer", "global"})
  void allNormsGoThroughOneReducerCall(String granularity) {
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger width = new AtomicInteger();
    ParamLayout layout = ParamLayout.builder().add("W", 2, 2).add("b", 3).build();
    INDArray x = Nd4j.linspace(-1, 1, 7).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
    ModelView m = new ModelView(layout, x, Transforms.sin(x, true));
    Optimizer opt = OptimizerRegistry.create(graft(Spec.of("sgd", "lr", 0.3), SGD_M, granularity));
    OptimizerState s = opt.init(m);
    opt.step(
        m,
        s,
        StepContext.builder()
            .step(0)
            .reducer(
                p -> {
                  calls.incrementAndGet();
                  width.set(p.length);
                  return p;
                })
            .build());
    assertEquals(1, calls.get());
    assertEquals(granularity.equals("layer") ? 4 : 2, width.get());
  }

  @Test
  void badSpecsNameTheField() {
    assertField("optimizer.hparams.direction", Spec.of("graft", "magnitude", SGD_M));
    assertField("optimizer.hparams.magnitude", Spec.of("graft", "direction", SGD_M));
    assertField(
        "optimizer.hparams.granularity",
        Spec.of("graft", "magnitude", SGD_M, "direction", SGD_M, "granularity", "foo"));
    assertField(
        "optimizer.hparams.eps",
        Spec.of("graft", "magnitude", SGD_M, "direction", SGD_M, "eps", -1.0));
    assertField(
        "optimizer.hparams.magnitude.hparams.lr",
        Spec.of("graft", "magnitude", Spec.of("sgd", "lr", -1.0), "direction", SGD_M));
    assertField(
        "optimizer.hparams.direction.name",
        Spec.of("graft", "magnitude", SGD_M, "direction", Spec.of("nope")));
  }

  static void assertField(String field, Spec spec) {
    SpecException e = assertThrows(SpecException.class, () -> OptimizerRegistry.create(spec));
    assertEquals(field, e.field(), e.getMessage());
  }
}
