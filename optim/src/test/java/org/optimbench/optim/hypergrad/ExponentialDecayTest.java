package org.optimbench.optim.hypergrad;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.Diagnostics;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.ParamLayout;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.schedule.Schedule;
import org.optimbench.optim.schedule.Schedules;
import org.optimbench.optim.spec.Spec;

/**
 * MARTHE's exponential-decay baseline (eta_t = eta_0 gamma^t, the paper's "Exponential"): plain SGD
 * under the {@code exponential} schedule takes steps of exactly lr gamma^t.
 */
class ExponentialDecayTest {
  @Test
  void sgdUnderTheExponentialScheduleStepsWithLrTimesGammaToTheT() {
    double lr = 0.05;
    double gamma = 0.9;
    Schedule sched = Schedules.create(Spec.of("exponential", "gamma", gamma), "schedule");
    Optimizer sgd = OptimizerRegistry.create(Spec.of("sgd", "lr", lr));
    double[] lambda = {1, 3, 10, 20, 30};
    INDArray x = Nd4j.zeros(DataType.DOUBLE, 5);
    INDArray g = Nd4j.zeros(DataType.DOUBLE, 5);
    ModelView m = new ModelView(ParamLayout.single("x", 5), x, g);
    OptimizerState s = sgd.init(m);
    double[] ref = new double[5];
    for (int t = 0; t < 30; t++) {
      for (int i = 0; i < 5; i++) g.putScalar(i, lambda[i] * (x.getDouble(i) - 1));
      Diagnostics d = new Diagnostics();
      sgd.step(m, s, StepContext.builder().step(t).lrScale(sched.factor(t)).diagnostics(d).build());
      double eta = lr * Math.pow(gamma, t);
      assertEquals(eta, d.values().get("lr"), 1e-15 * eta, "lr at step " + t);
      for (int i = 0; i < 5; i++) ref[i] -= eta * lambda[i] * (ref[i] - 1);
      for (int i = 0; i < 5; i++)
        assertEquals(ref[i], x.getDouble(i), 1e-14 * Math.max(1, Math.abs(ref[i])), "step " + t);
    }
  }
}
