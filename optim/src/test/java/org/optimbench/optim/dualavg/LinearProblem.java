package org.optimbench.optim.dualavg;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.ParamLayout;
import org.optimbench.optim.StepContext;

/**
 * The problem of the published golden values (docs/METHODS-NOTES.md): a linear model W (3x2), b (2)
 * with mean squared error over 4 examples, five full-batch float64 steps.
 */
final class LinearProblem {
  static final double[][] X = {{1, 2, -1}, {0.5, -1.5, 2}, {-1, 0, 1}, {2, 1, 0.5}};
  static final double[][] Y = {{1, 0}, {0, 1}, {1, 1}, {-1, 0.5}};
  static final double[] P0 = {0.1, -0.2, 0.3, 0.05, -0.4, 0.2, 0, 0.1};
  static final ParamLayout LAYOUT = ParamLayout.builder().add("W", 3, 2).add("b", 2).build();

  private LinearProblem() {}

  /** Loss and gradient at flat parameters p (W row-major, then b). */
  static double lossAndGrad(double[] p, double[] grad) {
    java.util.Arrays.fill(grad, 0);
    double loss = 0;
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 2; j++) {
        double pred = p[6 + j];
        for (int k = 0; k < 3; k++) pred += X[i][k] * p[2 * k + j];
        double r = pred - Y[i][j];
        loss += r * r / 8;
        for (int k = 0; k < 3; k++) grad[2 * k + j] += 2 * r * X[i][k] / 8;
        grad[6 + j] += 2 * r / 8;
      }
    }
    return loss;
  }

  /** Runs {@code steps} full-batch steps; returns the final parameters. */
  static double[] run(Optimizer opt, int steps) {
    INDArray p = Nd4j.createFromArray(P0.clone());
    INDArray g = Nd4j.zeros(DataType.DOUBLE, 8);
    ModelView m = new ModelView(LAYOUT, p, g);
    OptimizerState s = opt.init(m);
    double[] grad = new double[8];
    for (int t = 0; t < steps; t++) {
      lossAndGrad(p.toDoubleVector(), grad);
      g.assign(Nd4j.createFromArray(grad));
      opt.step(m, s, StepContext.of(t));
    }
    return p.toDoubleVector();
  }
}
