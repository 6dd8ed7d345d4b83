package org.optimbench.optim.hypergrad;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.Diagnostics;
import org.optimbench.optim.FiniteDifferenceHvp;
import org.optimbench.optim.HessianVectorOracle;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.trace.SoftmaxMlp;
import org.optimbench.optim.trace.TraceProblem;

/**
 * A trace problem of the golden set's shape (32 examples, 5 features, 3 classes, one tanh layer of
 * 4 units, batches of 8, validation batches of 8) drawn from a fixed seed, and a replay loop like
 * {@code TraceRunner}'s whose Hessian-vector oracle can be exact or finite-difference.
 */
final class TraceFixture {
  enum Hvp {
    EXACT,
    FORWARD,
    CENTRAL,
    NONE
  }

  record Step(double[] params, Map<String, Double> diagnostics) {}

  private TraceFixture() {}

  static TraceProblem problem(DataType dtype, int steps, Spec optimizer) {
    Random rng = new Random(20240601);
    int n = 32;
    int d = 5;
    double[][] centres = new double[3][d];
    for (double[] c : centres) for (int j = 0; j < d; j++) c[j] = rng.nextGaussian();
    double[][] x = new double[n][d];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % 3;
      for (int j = 0; j < d; j++) x[i][j] = 1.5 * (0.7 * centres[y[i]][j] + rng.nextGaussian());
    }
    double[] w = new double[4 * d + 4 + 3 * 4 + 3];
    for (int i = 0; i < w.length; i++) w[i] = 0.5 * rng.nextGaussian();
    return new TraceProblem(
        dtype, x, y, 3, 4, w, batches(rng, steps, n), batches(rng, steps, n), optimizer, null);
  }

  private static int[][] batches(Random rng, int steps, int n) {
    int[][] b = new int[steps][8];
    for (int t = 0; t < steps; t++) for (int i = 0; i < 8; i++) b[t][i] = rng.nextInt(n);
    return b;
  }

  static List<Step> run(TraceProblem p, Hvp hvpKind) {
    return run(p, OptimizerRegistry.create(p.optimizer()), hvpKind);
  }

  static List<Step> run(TraceProblem p, Optimizer opt, Hvp hvpKind) {
    SoftmaxMlp model = p.model();
    INDArray params = p.initialParamsArray();
    INDArray grads = Nd4j.zeros(p.dtype(), params.length());
    ModelView view = new ModelView(model.layout(), params, grads);
    OptimizerState state = opt.init(view);
    List<Step> out = new ArrayList<>();
    for (int t = 0; t < p.batches().length; t++) {
      INDArray xb = p.rows(p.batches()[t]);
      int[] yb = p.labels(p.batches()[t]);
      grads.assign(model.lossAndGrad(params, xb, yb).grad());
      INDArray at = params.dup();
      INDArray gAt = grads.dup();
      HessianVectorOracle hvp =
          switch (hvpKind) {
            case EXACT -> v -> model.hvp(at, xb, yb, v);
            case FORWARD ->
                FiniteDifferenceHvp.forward(w -> model.lossAndGrad(w, xb, yb).grad(), at, gAt);
            case CENTRAL ->
                FiniteDifferenceHvp.central(w -> model.lossAndGrad(w, xb, yb).grad(), at);
            case NONE ->
                v -> {
                  throw new AssertionError("asked for a Hessian-vector product");
                };
          };
      INDArray xv = p.rows(p.valBatches()[t]);
      int[] yv = p.labels(p.valBatches()[t]);
      Diagnostics diag = new Diagnostics();
      StepContext ctx =
          StepContext.builder()
              .step(t)
              .hvp(hvp)
              .validationGradient(w -> model.lossAndGrad(w, xv, yv).grad())
              .diagnostics(diag)
              .build();
      opt.step(view, state, ctx);
      out.add(new Step(params.castTo(DataType.DOUBLE).toDoubleVector(), Map.copyOf(diag.values())));
    }
    return out;
  }

  /** Largest ||a_t - b_t|| / ||b_t|| over the steps (parameter vectors). */
  static double maxRelDiff(List<Step> a, List<Step> b) {
    double worst = 0;
    for (int t = 0; t < a.size(); t++) {
      double[] x = a.get(t).params();
      double[] y = b.get(t).params();
      double d = 0;
      double n = 0;
      for (int i = 0; i < x.length; i++) {
        d += (x[i] - y[i]) * (x[i] - y[i]);
        n += y[i] * y[i];
      }
      worst = Math.max(worst, Math.sqrt(d / n));
    }
    return worst;
  }
}
