package org.optimbench.optim.dualavg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.ParamLayout;
import org.optimbench.optim.StepContext;

/** MDA has no reference code: these tests pin the implemented recursion (see the class javadoc). */
class MdaTest {
  @Test
  void followsTheDualAveragingRecursionWithPrimalAveraging() {
    double lr = 0.1;
    double c = 0.1;
    double wd = 0.01;
    double[][] grads = {{1.0, -2.0}, {0.5, 0.25}, {-1.5, 3.0}, {0.0, 1.0}};
    double[] x0 = {0.4, -0.6};
    INDArray p = Nd4j.createFromArray(x0.clone());
    INDArray g = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 2);
    ModelView m = new ModelView(ParamLayout.single("p", 2), p, g);
    Mda opt = new Mda(lr, 1 - c, wd);
    OptimizerState st = opt.init(m);
    double[] s = new double[2];
    double[] x = x0.clone();
    for (int k = 0; k < grads.length; k++) {
      g.assign(Nd4j.createFromArray(grads[k]));
      opt.step(m, st, StepContext.of(k));
      for (int i = 0; i < 2; i++) {
        s[i] += lr * Math.sqrt(k + 1) * (grads[k][i] + wd * x[i]);
        double z = x0[i] - s[i] / Math.sqrt(k + 1);
        x[i] = (1 - c) * x[i] + c * z;
      }
      assertArrayEquals(x, p.toDoubleVector(), 1e-14, "step " + k);
    }
  }

  @Test
  void firstStepIsAnSgdStepScaledByC() {
    // s1 = lr g, z1 = x0 - lr g, x1 = x0 - c lr g
    INDArray p = Nd4j.createFromArray(1.0, 2.0);
    ModelView m = new ModelView(ParamLayout.single("p", 2), p, Nd4j.createFromArray(0.5, -4.0));
    Mda opt = new Mda(0.2, 0.75, 0);
    opt.step(m, opt.init(m), StepContext.of(0));
    assertArrayEquals(
        new double[] {1.0 - 0.25 * 0.2 * 0.5, 2.0 + 0.25 * 0.2 * 4.0}, p.toDoubleVector(), 1e-15);
  }
}
