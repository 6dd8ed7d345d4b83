package org.optimbench.optim.dualavg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
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

class SpaTest {
  private static final ParamLayout LAYOUT =
      ParamLayout.builder().add("w", 5, 4).add("b", 4).build();

  /** A noisy quadratic: g = A (x - 1) + noise, with the noise drawn from a fixed seed. */
  private static double[] run(Optimizer opt, int steps) {
    Random r = new Random(3);
    INDArray curvature = Nd4j.createFromArray(r.doubles(24, 0.1, 5).toArray());
    INDArray x = Nd4j.createFromArray(r.doubles(24, -2, 2).toArray());
    INDArray g = Nd4j.zeros(DataType.DOUBLE, 24);
    ModelView m = new ModelView(LAYOUT, x, g);
    OptimizerState s = opt.init(m);
    for (int t = 0; t < steps; t++) {
      g.assign(
          x.sub(1.0)
              .muli(curvature)
              .addi(Nd4j.createFromArray(r.doubles(24, -0.3, 0.3).toArray())));
      opt.step(m, s, StepContext.of(t));
    }
    return x.toDoubleVector();
  }

  @ParameterizedTest
  @CsvSource({"0.1, 0.9, 0", "0.05, 0.5, 0.01", "0.2, 0.0, 0.1", "0.02, 0.99, 0.001"})
  void equalsHeavyBallSgdWithLrTimesOneMinusMomentum(double lr, double momentum, double wd) {
    double[] spa = run(new Spa(lr, momentum, wd), 500);
    double[] sgd =
        run(
            new org.optimbench.optim.baseline.Sgd(lr * (1 - momentum), momentum, 0, wd, false),
            500);
    for (int i = 0; i < spa.length; i++) {
      assertEquals(sgd[i], spa[i], 1e-10 * Math.max(1, Math.abs(sgd[i])), "coordinate " + i);
    }
  }

  @ParameterizedTest
  @CsvSource({"momentum, 1.0", "lr, -0.1", "weight_decay, -1"})
  void badSpecsAreRejectedWithTheFieldNamed(String key, double value) {
    Spec spec = Spec.of("spa", "lr", 0.1, "momentum", 0.9);
    java.util.Map<String, Object> hp = new java.util.LinkedHashMap<>(spec.hparams());
    hp.put(key, value);
    assertEquals(
        "optimizer.hparams." + key,
        assertThrows(SpecException.class, () -> OptimizerRegistry.create(new Spec("spa", hp)))
            .field());
  }

  @ParameterizedTest
  @CsvSource({"lr", "momentum"})
  void lrAndMomentumAreRequired(String missing) {
    java.util.Map<String, Object> hp = new java.util.LinkedHashMap<>();
    hp.put("lr", 0.1);
    hp.put("momentum", 0.9);
    hp.remove(missing);
    assertEquals(
        "optimizer.hparams." + missing,
        assertThrows(SpecException.class, () -> OptimizerRegistry.create(new Spec("spa", hp)))
            .field());
  }
}
