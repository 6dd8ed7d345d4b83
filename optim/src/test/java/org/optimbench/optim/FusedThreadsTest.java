package org.optimbench.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.internal.Fused;
import org.optimbench.optim.spec.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;

/**
 * A fused pass split among threads gives the same bits as on one thread: blocks sum their chunks
 * the same way on any thread, and block sums are added in block order. The model (200,003
 * elements, four blocks, in three segments whose edges are not block edges) takes every method
 * with global sums through several multi-block passes per step; eight steps let a difference in a
 * global scalar (d, tau, s) show in the parameters. Compared: parameters, every state array and
 * scalar, bit for bit, in float32 and float64.
 */
class FusedThreadsTest {
  private static final ParamLayout LAYOUT = ParamLayout.builder().add("a", 70_001).add("b", 65_537).add("c", 64_465).build();
  private static final int N = (int) LAYOUT.totalLength();

  @ParameterizedTest
  @ValueSource(strings = {
      "{name: adam, hparams: {lr: 0.01}}",
      "{name: dadapt_adam, hparams: {weight_decay: 0.1}}",
      "{name: prodigy, hparams: {}}",
      "{name: momo_adam, hparams: {lr: 0.1, weight_decay: 0.1}}",
      "{name: mechanic, hparams: {base: {name: sgd, hparams: {lr: 0.01, momentum: 0.9}}}}",
      "{name: graft, hparams: {granularity: global, magnitude: {name: adam, hparams: {lr: 0.01}}, direction: {name: sgd, hparams: {lr: 0.01, momentum: 0.9}}}}",
      "{name: madgrad, hparams: {lr: 0.01}}"})
  void threadCountDoesNotChangeABit(String spec) {
    for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      Run one = withThreads(1, () -> run(spec, dt));
      long before = Fused.parallelPasses();
      Run three = withThreads(3, () -> run(spec, dt));
      assertTrue(Fused.parallelPasses() > before, spec + " " + dt + ": no pass ran on several threads");
      assertArrayEquals(one.params, three.params, spec + " " + dt + ": params differ between 1 and 3 threads");
      assertTrue(one.state.bitwiseEquals(three.state), spec + " " + dt + ": optimizer state differs between 1 and 3 threads");
    }
  }

  record Run(double[] params, OptimizerState state) {}

  private static Run withThreads(int threads, java.util.function.Supplier<Run> body) {
    String old = System.getProperty(Fused.THREADS_PROPERTY);
    System.setProperty(Fused.THREADS_PROPERTY, Integer.toString(threads));
    try {
      return body.get();
    } finally {
      if (old == null) System.clearProperty(Fused.THREADS_PROPERTY);
      else System.setProperty(Fused.THREADS_PROPERTY, old);
    }
  }

  /** Noisy quadratic, gradient lambda (x - 1) + noise, seeded: both runs see the same data. */
  private static Run run(String spec, DataType dt) {
    Random rnd = new Random(7);
    double[] lambda = new double[N];
    double[] x0 = new double[N];
    for (int i = 0; i < N; i++) {
      lambda[i] = 0.5 + 1.5 * rnd.nextDouble();
      x0[i] = 2 * rnd.nextDouble() - 1;
    }
    INDArray params = Nd4j.createFromArray(x0).castTo(dt);
    INDArray grads = Nd4j.zeros(dt, N);
    Optimizer opt = OptimizerRegistry.create(Spec.parse(spec, "spec"));
    ModelView view = new ModelView(LAYOUT, params, grads);
    OptimizerState state = opt.init(view);
    for (int t = 0; t < 8; t++) {
      double[] x = params.toDoubleVector();
      double[] g = new double[N];
      double loss = 0;
      for (int i = 0; i < N; i++) {
        g[i] = lambda[i] * (x[i] - 1) + 0.3 * rnd.nextGaussian();
        loss += 0.5 * lambda[i] * (x[i] - 1) * (x[i] - 1);
      }
      grads.assign(Nd4j.createFromArray(g).castTo(dt));
      Optimizers.step(opt, view, state, StepContext.builder().step(t).loss(loss / N).build());
    }
    return new Run(params.toDoubleVector(), state);
  }
}
