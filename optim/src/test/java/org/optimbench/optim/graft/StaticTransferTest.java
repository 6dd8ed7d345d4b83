package org.optimbench.optim.graft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
import org.optimbench.optim.trace.TraceProblem;
import org.optimbench.optim.trace.TraceRunner;

/**
 * layer_scaled (per-layer learning rates for SGD) and the static transfer from a grafted run's
 * logged ratios.
 */
class StaticTransferTest {
  static final String[] SEGMENTS = {"W1", "b1", "W2", "b2"};

  @Test
  void layerScaledSgdIsSgdWithPerLayerLearningRates() {
    // Heavy-ball SGD written out: buf = g (first step), buf = m buf + g; x_s -= c_s lr buf_s.
    ParamLayout layout = ParamLayout.builder().add("W", 2, 2).add("b", 3).build();
    double[] c = {0.25, 0.25, 0.25, 0.25, 3.0, 3.0, 3.0};
    INDArray x = Nd4j.createFromArray(0.5, -1.0, 2.0, 0.25, 0.0, 1.5, -0.5);
    INDArray g = Nd4j.zeros(DataType.DOUBLE, 7);
    ModelView m = new ModelView(layout, x, g);
    Spec spec =
        Spec.of(
            "layer_scaled",
            "base",
            Spec.of("sgd", "lr", 0.1, "momentum", 0.9),
            "multipliers",
            Map.of("W", 0.25, "b", 3.0));
    Optimizer opt = OptimizerRegistry.create(spec);
    OptimizerState s = opt.init(m);
    double[] ref = x.toDoubleVector();
    double[] buf = new double[7];
    for (int t = 0; t < 6; t++) {
      for (int i = 0; i < 7; i++) g.putScalar(i, Math.sin(ref[i] + t));
      for (int i = 0; i < 7; i++) {
        buf[i] = t == 0 ? g.getDouble(i) : 0.9 * buf[i] + g.getDouble(i);
        ref[i] -= c[i] * 0.1 * buf[i];
      }
      opt.step(m, s, StepContext.of(t));
      double[] got = x.toDoubleVector();
      for (int i = 0; i < 7; i++) assertEquals(ref[i], got[i], 1e-14, "step " + t + " p" + i);
    }
  }

  @Test
  void unknownSegmentIsRejectedAtInitNamingIt() {
    Optimizer opt =
        OptimizerRegistry.create(
            Spec.of("layer_scaled", "base", Spec.of("sgd"), "multipliers", Map.of("W9", 0.5)));
    ParamLayout layout = ParamLayout.builder().add("W", 2).add("b", 1).build();
    ModelView m =
        new ModelView(layout, Nd4j.zeros(DataType.DOUBLE, 3), Nd4j.zeros(DataType.DOUBLE, 3));
    SpecException e = assertThrows(SpecException.class, () -> opt.init(m));
    assertEquals("multipliers.W9", e.field());
    assertTrue(e.getMessage().contains("'W9'") && e.getMessage().contains("W, b"), e.getMessage());
  }

  @Test
  void badLayerScaledSpecsNameTheField() {
    SpecException e =
        assertThrows(
            SpecException.class,
            () ->
                OptimizerRegistry.create(
                    Spec.parse(
                        "{\"name\": \"layer_scaled\", \"hparams\": {\"base\": {\"name\": \"sgd\"}, \"multipliers\": {\"W1\": -0.5}}}",
                        "optimizer")));
    assertEquals("optimizer.hparams.multipliers.W1", e.field(), e.getMessage());
    e =
        assertThrows(
            SpecException.class,
            () -> OptimizerRegistry.create(Spec.of("layer_scaled", "multipliers", Map.of())));
    assertEquals("optimizer.hparams.base", e.field(), e.getMessage());
    e =
        assertThrows(
            SpecException.class,
            () -> OptimizerRegistry.create(Spec.of("layer_scaled", "base", Spec.of("sgd"))));
    assertEquals("optimizer.hparams.multipliers", e.field(), e.getMessage());
  }

  /**
   * The whole path on the trace problem: grafted run -> logged ratios -> multipliers ->
   * layer_scaled SGD.
   */
  @Test
  void graftedRunToMultipliersToLayerScaledSgd(@TempDir Path dir) throws Exception {
    Spec sgd = Spec.of("sgd", "lr", 0.5, "momentum", 0.9);
    Spec graft =
        Spec.of(
            "graft",
            "magnitude",
            Spec.of("momo_adam", "lr", 0.05),
            "direction",
            sgd,
            "granularity",
            "layer");
    List<TraceRunner.Row> grafted = TraceRunner.run(TraceFixture.problem(graft, 30, 11));

    // the metrics log as the comparison job writes it: step, loss and the diagnostics
    List<String> lines = new ArrayList<>();
    lines.add("step,loss,ratio,ratio.W1,ratio.b1,ratio.W2,ratio.b2,magnitude.lr");
    for (TraceRunner.Row r : grafted) {
      Map<String, Double> d = r.diagnostics();
      lines.add(
          r.step()
              + ","
              + r.loss()
              + ","
              + d.get("ratio")
              + ","
              + d.get("ratio.W1")
              + ","
              + d.get("ratio.b1")
              + ","
              + d.get("ratio.W2")
              + ","
              + d.get("ratio.b2")
              + ","
              + d.get("magnitude.lr"));
    }
    Path log = dir.resolve("metrics.csv");
    Files.write(log, lines);

    Map<String, Double> mult = StaticTransfer.multipliers(log, 5, 15);
    assertEquals(List.of(SEGMENTS), new ArrayList<>(mult.keySet()));
    for (String s : SEGMENTS) {
      double mean = 0;
      for (int t = 5; t < 15; t++) mean += grafted.get(t).diagnostics().get("ratio." + s);
      assertEquals(mean / 10, mult.get(s), 1e-15, s);
      assertTrue(mult.get(s) > 0 && Double.isFinite(mult.get(s)));
    }

    // the spec survives JSON (what a conf file or the trace command would hold)
    Spec transferred = Spec.parse(StaticTransfer.spec(log, 5, 15, sgd).toJson(), "optimizer");
    TraceProblem p = TraceFixture.problem(transferred, 30, 11);
    List<TraceRunner.Row> scaled = TraceRunner.run(p);

    // step 0 of layer_scaled SGD is x0 - c_s lr g_s (momentum buffer = g on the first step)
    TraceProblem p0 = TraceFixture.problem(sgd, 1, 11);
    double[] x0 = p0.initialParamsArray().toDoubleVector();
    double[] x1sgd = TraceRunner.run(p0).get(0).params();
    int offset = 0;
    for (org.optimbench.optim.Segment seg : p.model().layout().segments()) {
      for (long i = 0; i < seg.length(); i++, offset++) {
        double expected = x0[offset] + mult.get(seg.name()) * (x1sgd[offset] - x0[offset]);
        assertEquals(expected, scaled.get(0).params()[offset], 1e-14, seg.name() + " element " + i);
      }
    }
    assertTrue(
        scaled.get(29).loss() < scaled.get(0).loss(),
        "layer_scaled SGD trains: " + scaled.get(0).loss() + " -> " + scaled.get(29).loss());
  }

  @Test
  void malformedLogsAreRejectedNamingLineAndColumn() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> StaticTransfer.multipliers(List.of("loss,ratio.W1", "1.0,2.0"), "m.csv", 0, 10));
    assertTrue(e.getMessage().contains("no 'step' column"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                StaticTransfer.multipliers(
                    List.of("step,ratio.W1", "0,1.5", "1,abc"), "m.csv", 0, 10));
    assertEquals("m.csv line 3, column ratio.W1: 'abc' is not a number", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> StaticTransfer.multipliers(List.of("step,ratio.W1", "20,1.5"), "m.csv", 0, 10));
    assertTrue(e.getMessage().contains("no value of ratio.W1 in steps [0, 10)"), e.getMessage());
    assertEquals(
        Map.of("W1", 2.0),
        StaticTransfer.multipliers(
            List.of("step,opt.ratio.W1,ratio", "0,1.0,7", "1,,7", "2,3.0,7", "3,100,7"),
            "m.csv",
            0,
            3));
  }
}
