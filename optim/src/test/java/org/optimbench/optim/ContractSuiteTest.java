package org.optimbench.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;

/**
 * The contract every registered optimizer satisfies, whatever its algorithm. Each optimizer has a
 * file {@code src/test/resources/contract/NAME.json}: {@code {"spec": {...}, "quadratic_steps": N,
 * "quadratic_reduction": r}}, the spec (untuned defaults where the method is learning-rate-free)
 * and how far it must bring an ill-conditioned quadratic in N full-gradient steps.
 */
class ContractSuiteTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  record Case(String name, Spec spec, int steps, double reduction) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() throws IOException {
    List<Case> out = new ArrayList<>();
    for (String name : OptimizerRegistry.entries().keySet()) {
      try (InputStream in =
          ContractSuiteTest.class.getResourceAsStream("/contract/" + name + ".json")) {
        assertNotNull(in, "registered optimizer '" + name + "' has no contract/" + name + ".json");
        JsonNode n = JSON.readTree(in);
        out.add(
            new Case(
                name,
                Spec.fromJson(n.get("spec"), "spec", false),
                n.path("quadratic_steps").asInt(1000),
                n.path("quadratic_reduction").asDouble(1e-3)));
      }
    }
    return out.stream();
  }

  /** f(x) = 1/2 sum_i lambda_i (x_i - 1)^2 with lambda log-spaced in [1, 100], in two segments. */
  static final class Quadratic {
    final INDArray lambda;
    final ParamLayout layout = ParamLayout.builder().add("a", 4, 3).add("b", 8).build();
    final HashExampleStore examples = new HashExampleStore();

    Quadratic(DataType dt) {
      double[] l = new double[20];
      for (int i = 0; i < l.length; i++) l[i] = Math.pow(100, i / 19.0);
      lambda = Nd4j.createFromArray(l).castTo(dt);
    }

    double loss(INDArray x) {
      INDArray r = x.sub(1.0);
      return 0.5 * r.mul(r).mul(lambda).sumNumber().doubleValue();
    }

    void grad(INDArray x, INDArray into) {
      into.assign(x.sub(1.0).muli(lambda));
    }

    /**
     * The model over {@code x} and {@code g}; segment {@code a} is declared an embedding table of 4
     * rows of width 3 (row-major), which only the row-sparse methods treat differently.
     */
    ModelView view(INDArray x, INDArray g) {
      return new ModelView(layout, x, g, List.of(new EmbeddingTable("a", 0, 4, 3, 3, 1)));
    }

    StepContext.Builder ctx(long t, INDArray x) {
      return StepContext.builder()
          .step(t)
          .loss(loss(x))
          .exampleIds(new long[] {0, 1})
          .exampleStore(examples)
          .hvp(v -> v.mul(lambda))
          .validationGradient(at -> at.sub(1.0).muli(lambda));
    }
  }

  private static double run(
      Case c,
      DataType dt,
      int steps,
      INDArray[] finalParams,
      OptimizerState[] finalState,
      int saveAt) {
    Optimizer opt = OptimizerRegistry.create(c.spec);
    Quadratic q = new Quadratic(dt);
    INDArray x = Nd4j.zeros(dt, 20);
    INDArray g = Nd4j.zeros(dt, 20);
    ModelView m = q.view(x, g);
    OptimizerState s = opt.init(m);
    for (int t = 0; t < steps; t++) {
      if (t == saveAt) s = OptimizerState.fromBytes(s.toBytes());
      q.grad(x, g);
      Optimizers.step(opt, m, s, q.ctx(t, x).build());
    }
    if (finalParams != null) finalParams[0] = x;
    if (finalState != null) finalState[0] = s;
    return q.loss(x);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void reducesAnIllConditionedQuadratic(Case c) {
    double f0 = new Quadratic(DataType.DOUBLE).loss(Nd4j.zeros(DataType.DOUBLE, 20));
    double f = run(c, DataType.DOUBLE, c.steps, null, null, -1);
    assertTrue(
        f <= c.reduction * f0,
        c.name + ": loss " + f + " after " + c.steps + " steps, needed <= " + c.reduction * f0);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void keepsTheModelDtypeInParamsAndState(Case c) {
    for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray[] x = new INDArray[1];
      OptimizerState[] s = new OptimizerState[1];
      run(c, dt, 5, x, s, -1);
      assertEquals(dt, x[0].dataType());
      assertStateDtype(c.name, s[0], dt);
    }
  }

  private static void assertStateDtype(String name, OptimizerState s, DataType dt) {
    for (Map.Entry<String, INDArray> e : s.arrays().entrySet()) {
      if (e.getValue().dataType().isFPType())
        assertEquals(dt, e.getValue().dataType(), name + " state array " + e.getKey());
    }
    for (OptimizerState child : s.children().values()) assertStateDtype(name, child, dt);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void neverWritesTheGradient(Case c) {
    Optimizer opt = OptimizerRegistry.create(c.spec);
    Quadratic q = new Quadratic(DataType.DOUBLE);
    INDArray x = Nd4j.zeros(DataType.DOUBLE, 20);
    INDArray g = Nd4j.zeros(DataType.DOUBLE, 20);
    ModelView m = q.view(x, g);
    OptimizerState s = opt.init(m);
    for (int t = 0; t < 4; t++) {
      q.grad(x, g);
      double[] before = g.toDoubleVector();
      Optimizers.step(opt, m, s, q.ctx(t, x).build());
      assertArrayEquals(
          before, g.toDoubleVector(), 0.0, c.name + " modified the gradient at step " + t);
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void saveAndRestoreMidRunIsBitExact(Case c) {
    for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray[] a = new INDArray[1];
      INDArray[] b = new INDArray[1];
      OptimizerState[] sa = new OptimizerState[1];
      OptimizerState[] sb = new OptimizerState[1];
      run(c, dt, 12, a, sa, -1);
      run(c, dt, 12, b, sb, 6);
      assertArrayEquals(
          a[0].toDoubleVector(),
          b[0].toDoubleVector(),
          0.0,
          c.name + " " + dt + ": parameters differ after a restore");
      assertTrue(sa[0].bitwiseEquals(sb[0]), c.name + " " + dt + ": state differs after a restore");
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void staysFiniteOnZeroGradients(Case c) {
    Optimizer opt = OptimizerRegistry.create(c.spec);
    Quadratic q = new Quadratic(DataType.DOUBLE);
    INDArray x = Nd4j.ones(DataType.DOUBLE, 20); // the optimum: zero gradient, zero loss
    INDArray g = Nd4j.zeros(DataType.DOUBLE, 20);
    ModelView m = q.view(x, g);
    OptimizerState s = opt.init(m);
    for (int t = 0; t < 5; t++) opt.step(m, s, q.ctx(t, x).build());
    for (double v : x.toDoubleVector())
      assertTrue(Double.isFinite(v), c.name + " produced " + v + " on zero gradients");
  }

  @ParameterizedTest
  @MethodSource("cases")
  void scheduleFactorScalesTheLearningRate(Case c) {
    // A zero factor on the first step must leave the parameters where they are: every method's
    // learning rate is lr * factor (methods that move x towards an average keep x0 at step 0).
    Optimizer opt = OptimizerRegistry.create(c.spec);
    Quadratic q = new Quadratic(DataType.DOUBLE);
    INDArray x = Nd4j.zeros(DataType.DOUBLE, 20);
    INDArray g = Nd4j.zeros(DataType.DOUBLE, 20);
    ModelView m = q.view(x, g);
    OptimizerState s = opt.init(m);
    q.grad(x, g);
    opt.step(m, s, q.ctx(0, x).lrScale(0.0).build());
    assertArrayEquals(
        new double[20],
        x.toDoubleVector(),
        0.0,
        c.name + " moved with a zero learning-rate factor");
  }
}
