package org.optimbench.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.optim.internal.Fused;

/**
 * A fused pass split among threads gives the same bits as on one thread: blocks sum their chunks
 * the same way on any thread, and block sums are added in block order. The model (200,003 elements,
 * four blocks, in three segments whose edges are not block edges; a view at an offset into a larger
 * array) takes every method with global sums through several multi-block passes per step; eight
 * steps let a difference in a global scalar (d, tau, s) show in the parameters. Compared:
 * parameters, every state array and scalar, bit for bit, in float32 and float64.
 */
class FusedThreadsTest {
  static final ParamLayout LAYOUT =
      ParamLayout.builder().add("a", 70_001).add("b", 65_537).add("c", 64_465).build();

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{name: adam, hparams: {lr: 0.01}}",
        "{name: dadapt_adam, hparams: {weight_decay: 0.1}}",
        "{name: prodigy, hparams: {}}",
        "{name: momo, hparams: {lr: 1.0, weight_decay: 0.1}}",
        "{name: momo_adam, hparams: {lr: 0.1, weight_decay: 0.1}}",
        "{name: mechanic, hparams: {base: {name: sgd, hparams: {lr: 0.01, momentum: 0.9}}}}",
        "{name: graft, hparams: {granularity: global, magnitude: {name: adam, hparams: {lr: 0.01}}, direction: {name: sgd, hparams: {lr: 0.01, momentum: 0.9}}}}",
        "{name: madgrad, hparams: {lr: 0.01}}"
      })
  void threadCountDoesNotChangeABit(String spec) {
    for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      FusedPathTest.Run one = withThreads(1, () -> run(spec, dt));
      long before = Fused.parallelPasses();
      FusedPathTest.Run three = withThreads(3, () -> run(spec, dt));
      assertTrue(
          Fused.parallelPasses() > before, spec + " " + dt + ": no pass ran on several threads");
      assertArrayEquals(
          one.params().toDoubleVector(),
          three.params().toDoubleVector(),
          spec + " " + dt + ": params differ between 1 and 3 threads");
      assertTrue(
          one.state().bitwiseEquals(three.state()),
          spec + " " + dt + ": optimizer state differs between 1 and 3 threads");
    }
  }

  private static FusedPathTest.Run withThreads(
      int threads, java.util.function.Supplier<FusedPathTest.Run> body) {
    String old = System.getProperty(Fused.THREADS_PROPERTY);
    System.setProperty(Fused.THREADS_PROPERTY, Integer.toString(threads));
    try {
      return body.get();
    } finally {
      if (old == null) System.clearProperty(Fused.THREADS_PROPERTY);
      else System.setProperty(Fused.THREADS_PROPERTY, old);
    }
  }

  /** FusedPathTest's noisy quadratic, seeded (both runs see the same data), every step fused. */
  private static FusedPathTest.Run run(String spec, DataType dt) {
    return FusedPathTest.trajectory(
        LAYOUT, 8, spec, dt, FusedPathTest.Layout.OFFSET_VIEW, t -> true);
  }
}
