package org.optimbench.optim.dualavg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.ParamLayout;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.spec.SpecException;

class MadgradTest {
  @Test
  void firstStepHasTheClosedForm() {
    // eps = 0: lambda0 = lr, nu = lr g^2, s = lr g, z = x0 - lr^(2/3) sign(g) |g|^(1/3), x1 = 0.9
    // x0 + 0.1 z.
    double lr = 0.05;
    double[] x0 = {0.3, -1.2, 0.7, 2.0};
    double[] g = {1.5, -0.02, 0.0, 8.0};
    INDArray p = Nd4j.createFromArray(x0.clone());
    ModelView m = new ModelView(ParamLayout.single("p", 4), p, Nd4j.createFromArray(g));
    Madgrad opt = new Madgrad(lr, 0.9, 0, 0, false);
    opt.step(m, opt.init(m), StepContext.of(0));
    for (int i = 0; i < 4; i++) {
      double z = x0[i] - Math.pow(lr, 2.0 / 3) * Math.signum(g[i]) * Math.cbrt(Math.abs(g[i]));
      assertEquals(
          0.9 * x0[i] + 0.1 * z,
          p.getDouble(i),
          1e-14,
          "coordinate " + i); // g = 0 stays at x0 (rms = inf)
    }
  }

  @Test
  void firstStepApproachesTheClosedFormAsEpsVanishes() {
    double[] x0 = {0.3, -1.2};
    double[] g = {1.5, -0.02};
    INDArray p = Nd4j.createFromArray(x0.clone());
    ModelView m = new ModelView(ParamLayout.single("p", 2), p, Nd4j.createFromArray(g));
    Madgrad opt = new Madgrad(0.05, 0.9, 0, 1e-12, false);
    opt.step(m, opt.init(m), StepContext.of(0));
    double z = x0[1] - Math.pow(0.05, 2.0 / 3) * -Math.cbrt(0.02);
    assertEquals(0.9 * x0[1] + 0.1 * z, p.getDouble(1), 1e-9);
  }

  @Test
  void matchesThePublishedReferenceValues() {
    // docs/METHODS-NOTES.md, "Published golden values": MADGRAD(lr=1e-2) and
    // MirrorMADGRAD(lr=1e-2), five steps.
    assertArrayEquals(
        new double[] {
          0.050194289056,
          -0.164683682664,
          0.252016704675,
          0.058162771814,
          -0.351680326015,
          0.240597943038,
          0.03561950978,
          0.140852348801
        },
        LinearProblem.run(OptimizerRegistry.create(Spec.of("madgrad", "lr", 1e-2)), 5),
        1e-11);
    assertArrayEquals(
        new double[] {
          0.086704193234,
          -0.190492498406,
          0.287125913916,
          0.052722478616,
          -0.387051429183,
          0.210866374623,
          0.009484577489,
          0.110947855789
        },
        LinearProblem.run(OptimizerRegistry.create(Spec.of("mirror_madgrad", "lr", 1e-2)), 5),
        1e-11);
  }

  @Test
  void momentumZeroRecomputesX0AndEqualsDualAveraging() {
    // With momentum 0, x_k = x0 - s_k / rms_k for the original x0, although x0 is not stored.
    double[] p1 = LinearProblem.run(new Madgrad(0.02, 0, 0, 1e-6, false), 7);
    double[] p2 =
        LinearProblem.run(new Madgrad(0.02, 1e-300, 0, 1e-6, false), 7); // stores x0, c = 1
    assertArrayEquals(p2, p1, 1e-13);
  }

  @Test
  void zeroLearningRateFreezesTheParameters() {
    // lr' = lr + eps only when lr != 0, so a zero schedule factor stops MADGRAD exactly.
    INDArray p = Nd4j.createFromArray(0.3, -1.2);
    ModelView m = new ModelView(ParamLayout.single("p", 2), p, Nd4j.createFromArray(1.0, 2.0));
    Madgrad opt = new Madgrad(0.1, 0.9, 0, 1e-6, false);
    var s = opt.init(m);
    opt.step(m, s, StepContext.of(0).withLrScale(0));
    assertArrayEquals(new double[] {0.3, -1.2}, p.toDoubleVector(), 0);
  }

  @ParameterizedTest
  @CsvSource({
    "madgrad, momentum, 1.0, optimizer.hparams.momentum",
    "madgrad, lr, -0.1, optimizer.hparams.lr",
    "madgrad, eps, -1, optimizer.hparams.eps",
    "madgrad, weight_decay, -1, optimizer.hparams.weight_decay",
    "mirror_madgrad, momentum, -0.1, optimizer.hparams.momentum",
    "mirror_madgrad, eps, -1, optimizer.hparams.eps",
    "mda, momentum, 1.5, optimizer.hparams.momentum",
    "mda, lr, -1, optimizer.hparams.lr",
  })
  void badSpecsAreRejectedWithTheFieldNamed(String name, String key, double value, String field) {
    assertEquals(
        field,
        assertThrows(SpecException.class, () -> OptimizerRegistry.create(Spec.of(name, key, value)))
            .field());
  }

  @Test
  void momentumZeroWithZeroEpsIsRejected() {
    // The reference returns NaN parameters from the first step in this configuration.
    SpecException e =
        assertThrows(
            SpecException.class,
            () -> OptimizerRegistry.create(Spec.of("madgrad", "momentum", 0.0, "eps", 0.0)));
    assertEquals("optimizer.hparams.eps", e.field());
    assertFalse(Double.isNaN(LinearProblem.run(new Madgrad(0.01, 0.9, 0, 0, false), 3)[0]));
  }
}
