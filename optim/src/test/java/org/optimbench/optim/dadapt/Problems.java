package org.optimbench.optim.dadapt;

import java.util.Map;
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
import org.optimbench.optim.testing.ShardedHarness.GradientFn;

/** Small test problems with exact gradients, and a plain single-process runner. */
final class Problems {
  private Problems() {}

  static Optimizer create(String name, Map<String, Object> hparams) {
    return OptimizerRegistry.create(new Spec(name, hparams));
  }

  /**
   * The problem of the published golden values (docs/METHODS-NOTES.md): W (3x2) and b (2) as two
   * tensors, loss = mean((X W + b - Y)^2) over the 8 entries.
   */
  static final class LeastSquares implements GradientFn {
    final INDArray x =
        Nd4j.createFromArray(new double[][] {{1, 2, -1}, {0.5, -1.5, 2}, {-1, 0, 1}, {2, 1, 0.5}});
    final INDArray y = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 1}, {1, 1}, {-1, 0.5}});
    final ParamLayout layout = ParamLayout.builder().add("W", 3, 2).add("b", 2).build();

    INDArray init() {
      return Nd4j.createFromArray(0.1, -0.2, 0.3, 0.05, -0.4, 0.2, 0, 0.1);
    }

    private INDArray residual(INDArray p) {
      INDArray w = p.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 6)).reshape(3, 2);
      INDArray b = p.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(6, 8)).reshape(1, 2);
      return x.mmul(w).addiRowVector(b).subi(y);
    }

    double loss(INDArray p) {
      INDArray r = residual(p);
      return r.mul(r).meanNumber().doubleValue();
    }

    @Override
    public void grad(long t, INDArray p, INDArray into) {
      INDArray r = residual(p).muli(2.0 / 8);
      INDArray gw = x.transpose().mmul(r);
      INDArray gb = r.sum(0);
      into.assign(Nd4j.concat(0, gw.reshape(6), gb.reshape(2)));
    }
  }

  /**
   * f(x) = 1/2 sum_i lambda_i (x_i - c_i)^2 on n = 24 coordinates in three segments, lambda
   * log-spaced in [1, condition], optimum c_i = 5 + i/4 (far from the start 0); optional
   * deterministic Gaussian gradient noise of relative size {@code noise}.
   */
  static final class Quadratic implements GradientFn {
    final int n = 24;
    final ParamLayout layout = ParamLayout.builder().add("a", 4, 3).add("b", 8).add("c", 4).build();
    final INDArray lambda;
    final INDArray optimum;
    final double noise;

    Quadratic(double condition, double noise) {
      double[] l = new double[n];
      double[] c = new double[n];
      for (int i = 0; i < n; i++) {
        l[i] = Math.pow(condition, i / (n - 1.0));
        c[i] = 5 + i / 4.0;
      }
      lambda = Nd4j.createFromArray(l);
      optimum = Nd4j.createFromArray(c);
      this.noise = noise;
    }

    INDArray start() {
      return Nd4j.zeros(DataType.DOUBLE, n);
    }

    double loss(INDArray x) {
      INDArray r = x.sub(optimum);
      return 0.5 * r.mul(r).mul(lambda).sumNumber().doubleValue();
    }

    /** Largest |x_i - c_i| / |c_i|. */
    double relError(INDArray x) {
      return x.sub(optimum).divi(optimum).amaxNumber().doubleValue();
    }

    @Override
    public void grad(long t, INDArray x, INDArray into) {
      INDArray g = x.sub(optimum).muli(lambda);
      if (noise > 0) {
        double[] z = new double[n];
        java.util.Random r = new java.util.Random(1000 + t);
        for (int i = 0; i < n; i++) z[i] = r.nextGaussian();
        g.addi(Nd4j.createFromArray(z).muli(lambda).muli(noise));
      }
      into.assign(g);
    }
  }

  /**
   * Runs {@code steps} steps and returns the state; {@code ds[t]} receives d after step t when
   * non-null.
   */
  static OptimizerState run(
      Optimizer opt, ParamLayout layout, INDArray x, GradientFn f, int steps, double[] ds) {
    INDArray g = x.like().assign(0);
    ModelView m = new ModelView(layout, x, g);
    OptimizerState st = opt.init(m);
    for (int t = 0; t < steps; t++) {
      f.grad(t, x, g);
      opt.step(m, st, StepContext.of(t));
      if (ds != null) ds[t] = st.scalar("d");
    }
    return st;
  }
}
