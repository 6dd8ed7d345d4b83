package org.optimbench.optim.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

/** Invariants of Adam, AdamW and Adagrad beyond the golden traces. */
class AdamFamilyTest {
  private static final ParamLayout LAYOUT =
      ParamLayout.builder().add("w", 3, 4).add("b", 5).build();

  /**
   * Runs {@code opt} on a fixed pseudo-random gradient sequence; returns the parameters after each
   * step.
   */
  static double[][] run(Optimizer opt, int steps, long seed) {
    Random r = new Random(seed);
    INDArray p = Nd4j.createFromArray(r.doubles(17, -1, 1).toArray());
    INDArray g = Nd4j.zeros(DataType.DOUBLE, 17);
    ModelView m = new ModelView(LAYOUT, p, g);
    OptimizerState s = opt.init(m);
    double[][] out = new double[steps][];
    for (int t = 0; t < steps; t++) {
      g.assign(Nd4j.createFromArray(r.doubles(17, -1, 1).toArray()).addi(p.mul(0.5)));
      opt.step(m, s, StepContext.builder().step(t).lrScale(t < 5 ? (t + 1) / 5.0 : 1.0).build());
      out[t] = p.toDoubleVector();
    }
    return out;
  }

  @ParameterizedTest
  @CsvSource({"false", "true"})
  void adamwWithoutWeightDecayIsAdam(boolean amsgrad) {
    double[][] a = run(new Adam(0.01, 0.8, 0.99, 1e-8, 0, amsgrad), 50, 7);
    double[][] w = run(new AdamW(0.01, 0.8, 0.99, 1e-8, 0, amsgrad), 50, 7);
    for (int t = 0; t < a.length; t++) assertArrayEquals(a[t], w[t], 0.0, "step " + t);
  }

  @Test
  void firstAdamStepIsSignTimesLr() {
    // m1 = (1-b1) g, v1 = (1-b2) g^2: the bias-corrected step is lr * g / (|g| + eps), ~ lr *
    // sign(g).
    INDArray p = Nd4j.createFromArray(0.5, -0.25, 1.0);
    INDArray g = Nd4j.createFromArray(2.0, -0.01, 3e-3);
    ModelView m = new ModelView(ParamLayout.single("p", 3), p, g);
    Adam adam = new Adam(0.1, 0.9, 0.999, 0, 0, false);
    adam.step(m, adam.init(m), StepContext.of(0));
    assertArrayEquals(new double[] {0.4, -0.15, 0.9}, p.toDoubleVector(), 1e-12);
  }

  @Test
  void firstAdagradStepIsClosedForm() {
    // sum = 0.1 + g^2; p1 = p0 - lr g / (sqrt(sum) + eps)
    INDArray p = Nd4j.createFromArray(0.5, -0.25);
    INDArray g = Nd4j.createFromArray(2.0, -0.5);
    ModelView m = new ModelView(ParamLayout.single("p", 2), p, g);
    Adagrad a = new Adagrad(0.3, 0.5, 0, 0.1, 1e-10);
    OptimizerState s = a.init(m);
    a.step(m, s, StepContext.of(0));
    double[] want = {
      0.5 - 0.3 * 2 / (Math.sqrt(4.1) + 1e-10), -0.25 + 0.3 * 0.5 / (Math.sqrt(0.35) + 1e-10)
    };
    assertArrayEquals(want, p.toDoubleVector(), 1e-15);
    // the second step uses clr = lr / (1 + lr_decay)
    double[] before = p.toDoubleVector();
    a.step(m, s, StepContext.of(1));
    double clr = 0.3 / 1.5;
    assertEquals(before[0] - clr * 2 / (Math.sqrt(8.1) + 1e-10), p.getDouble(0), 1e-15);
  }

  @ParameterizedTest
  @CsvSource({
    "adam, lr, -1, optimizer.hparams.lr",
    "adam, eps, -1e-8, optimizer.hparams.eps",
    "adam, weight_decay, -0.1, optimizer.hparams.weight_decay",
    "adamw, lr, -0.5, optimizer.hparams.lr",
    "adagrad, lr_decay, -1, optimizer.hparams.lr_decay",
    "adagrad, initial_accumulator_value, -1, optimizer.hparams.initial_accumulator_value",
    "adagrad, eps, -1, optimizer.hparams.eps",
  })
  void badScalarsAreRejectedWithTheFieldNamed(String name, String key, double value, String field) {
    SpecException e =
        assertThrows(
            SpecException.class, () -> OptimizerRegistry.create(Spec.of(name, key, value)));
    assertEquals(field, e.field());
  }

  @Test
  void badBetasAreRejectedWithTheFieldNamed() {
    assertEquals(
        "optimizer.hparams.betas[1]",
        assertThrows(
                SpecException.class,
                () -> OptimizerRegistry.create(Spec.of("adamw", "betas", List.of(0.9, 1.0))))
            .field());
    assertEquals(
        "optimizer.hparams.betas[0]",
        assertThrows(
                SpecException.class,
                () -> OptimizerRegistry.create(Spec.of("adam", "betas", List.of(-0.1, 0.99))))
            .field());
    assertEquals(
        "optimizer.hparams.betas",
        assertThrows(
                SpecException.class,
                () -> OptimizerRegistry.create(Spec.of("adam", "betas", List.of(0.9))))
            .field());
    assertEquals(
        "optimizer.hparams.amsgrad",
        assertThrows(
                SpecException.class,
                () -> OptimizerRegistry.create(Spec.of("adam", "amsgrad", 1.0)))
            .field());
  }

  @Test
  void defaultsAreTorchDefaults() {
    assertEquals(
        new Adam(1e-3, 0.9, 0.999, 1e-8, 0, false), OptimizerRegistry.create(Spec.of("adam")));
    assertEquals(
        new AdamW(1e-3, 0.9, 0.999, 1e-8, 1e-2, false), OptimizerRegistry.create(Spec.of("adamw")));
    assertEquals(new Adagrad(1e-2, 0, 0, 0, 1e-10), OptimizerRegistry.create(Spec.of("adagrad")));
  }
}
