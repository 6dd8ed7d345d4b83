package org.optimbench.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.optim.internal.Fused;
import org.optimbench.optim.internal.VectorMath;

/**
 * A kernel's {@link Fused.Direct} form (the vector API on the native buffers) gives the same bits
 * as its chunked loops, its sums included (Mechanic's accumulate, grafting's norms): every step of
 * a method whose passes have one, run both ways, parameters and every state array and scalar
 * compared bit for bit, in float32 and float64, on segments whose lengths leave a partial vector at
 * every block's and segment's end, and on views at an offset (FusedThreadsTest's model), on one
 * thread and on three.
 */
class FusedDirectTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{name: adam, hparams: {lr: 0.01, weight_decay: 0.1}}",
        "{name: adam, hparams: {lr: 0.01, amsgrad: true}}",
        "{name: adamw, hparams: {lr: 0.01, weight_decay: 0.1}}",
        "{name: clip, hparams: {max_norm: 0.5, base: {name: adam, hparams: {lr: 0.01}}}}",
        "{name: momo_adam, hparams: {lr: 0.1, weight_decay: 0.1}}",
        "{name: momo_adam, hparams: {lr: 0.1}}",
        "{name: momo, hparams: {lr: 1.0, weight_decay: 0.1}}",
        "{name: mechanic, hparams: {base: {name: sgd, hparams: {lr: 0.01, momentum: 0.9}}}}",
        "{name: mechanic, hparams: {store_delta: true, base: {name: adam, hparams: {lr: 0.01}}}}",
        "{name: graft, hparams: {granularity: global, magnitude: {name: adam, hparams: {lr: 0.01}}, direction: {name: sgd, hparams: {lr: 0.01, momentum: 0.9}}}}",
        "{name: graft, hparams: {granularity: layer, magnitude: {name: momo, hparams: {lr: 1.0}}, direction: {name: sgd, hparams: {lr: 0.01, momentum: 0.9}}}}",
        "{name: marthe, hparams: {lr: 0.01, momentum: 0.9, hyper_lr: 1e-8, alpha: 0}}",
        "{name: rtho, hparams: {lr: 0.01, hyper_lr: 1e-8, alpha: 0}}",
      })
  void directKernelsGiveTheChunkedLoopsBits(String spec) {
    VectorApi.requireOn();
    for (int threads : new int[] {1, 3}) {
      for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
        String what = spec + " " + dt + " on " + threads + " thread(s)";
        FusedPathTest.Run chunked = with(false, threads, () -> run(spec, dt));
        long before = Fused.directPasses();
        FusedPathTest.Run direct = with(true, threads, () -> run(spec, dt));
        assertTrue(Fused.directPasses() > before, what + ": no direct pass ran");
        assertArrayEquals(
            chunked.params().toDoubleVector(),
            direct.params().toDoubleVector(),
            what + ": params differ");
        assertTrue(chunked.state().bitwiseEquals(direct.state()), what + ": state differs");
      }
    }
  }

  private static FusedPathTest.Run with(
      boolean vector, int threads, Supplier<FusedPathTest.Run> body) {
    String oldVector = System.getProperty(VectorMath.PROPERTY);
    String oldThreads = System.getProperty(Fused.THREADS_PROPERTY);
    System.setProperty(VectorMath.PROPERTY, Boolean.toString(vector));
    System.setProperty(Fused.THREADS_PROPERTY, Integer.toString(threads));
    try {
      return body.get();
    } finally {
      restore(VectorMath.PROPERTY, oldVector);
      restore(Fused.THREADS_PROPERTY, oldThreads);
    }
  }

  private static void restore(String key, String old) {
    if (old == null) System.clearProperty(key);
    else System.setProperty(key, old);
  }

  /** FusedPathTest's noisy quadratic, seeded (both runs see the same data), every step fused. */
  private static FusedPathTest.Run run(String spec, DataType dt) {
    return FusedPathTest.trajectory(
        FusedThreadsTest.LAYOUT, 6, spec, dt, FusedPathTest.Layout.OFFSET_VIEW, t -> true);
  }
}
