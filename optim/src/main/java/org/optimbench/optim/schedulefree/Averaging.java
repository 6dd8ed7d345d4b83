package org.optimbench.optim.schedulefree;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.Combine;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.internal.Vec;

/**
 * The part both Schedule-Free references share: built-in linear warm-up, the lr_max-weighted
 * average coefficient, and the x / y updates (package-private).
 */
final class Averaging {
  private Averaging() {}

  /** State common to both references: z and x start at the initial parameters (params hold y). */
  static OptimizerState init(ModelView model) {
    OptimizerState s = new OptimizerState();
    s.putScalar("k", 0, Combine.SAME);
    s.putScalar("weight_sum", 0, Combine.SAME);
    s.putScalar("lr_max", -1, Combine.SAME);
    s.putArray("z", model.params().dup(), Combine.MEAN);
    s.putArray("x", model.params().dup(), Combine.MEAN);
    return s;
  }

  /**
   * lr_k = lr * min(1, (k + 1) / warmup_steps), the reference's own warm-up on top of the scheduled
   * lr.
   */
  static double warmedUp(double lr, double k, long warmupSteps) {
    return k < warmupSteps ? lr * ((k + 1) / warmupSteps) : lr;
  }

  /**
   * Updates lr_max and weight_sum and returns c_{k+1} = w / weight_sum with w = (k + 1)^r *
   * lr_max^weight_lr_power (0 when the sum is 0, as the reference's ZeroDivisionError branch).
   */
  static double averagingWeight(OptimizerState s, double lrK, double r, double weightLrPower) {
    double k = s.scalar("k");
    double lrMax = Math.max(lrK, s.scalar("lr_max"));
    s.setScalar("lr_max", lrMax);
    double weight = Math.pow(k + 1, r) * Math.pow(lrMax, weightLrPower);
    double weightSum = s.scalar("weight_sum") + weight;
    s.setScalar("weight_sum", weightSum);
    return weightSum != 0 ? weight / weightSum : 0;
  }

  /** x = (1 - c) x + c z, then the parameters become y = beta x + (1 - beta) z; increments k. */
  static void averageAndInterpolate(INDArray params, OptimizerState s, double ckp1, double beta) {
    INDArray z = s.array("z");
    INDArray x = s.array("x");
    if (ckp1 != 0) {
      x.muli(1 - ckp1);
      Vec.axpy(ckp1, z, x);
    }
    params.assign(x).muli(beta);
    Vec.axpy(1 - beta, z, params);
    s.setScalar("k", s.scalar("k") + 1);
  }
}
