package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.collective.CollectiveOptions;
import org.optimbench.jobs.collective.LoopbackRing;
import org.optimbench.optim.Combine;
import org.optimbench.optim.OptimizerState;

/**
 * Parameter averaging's combine step on three workers (threads on the loopback ring): every rule
 * gives what its definition says, a round is one all-reduce, and a SAME entry that differs is an
 * error naming the entry on every worker.
 */
class StateMergeTest {
  private static final int WORKERS = 3;
  private static final ExecutorService POOL = Executors.newFixedThreadPool(WORKERS);

  @AfterAll
  static void shutdown() {
    POOL.shutdownNow();
  }

  /** Worker w's parameters (a 2 x 3 matrix in f order, like a network's views can be) and state. */
  private static INDArray params(int w) {
    return Nd4j.create(new float[] {1 + w, 2, 3 * w, -w, 5, 6}, new long[] {2, 3}, 'f');
  }

  private static OptimizerState state(int w, double kShift, float x0Shift) {
    return state(w, kShift, x0Shift, 0);
  }

  /**
   * With {@code bigLength} > 0, also a MEAN array "big" of that many float32 values, all equal to
   * w.
   */
  private static OptimizerState state(int w, double kShift, float x0Shift, long bigLength) {
    OptimizerState s = new OptimizerState();
    if (bigLength > 0)
      s.putArray("big", Nd4j.valueArrayOf(new long[] {bigLength}, (float) w), Combine.MEAN);
    s.putArray("m", Nd4j.create(new float[] {w, 2 * w, 10}), Combine.MEAN);
    s.putArray("x0", Nd4j.create(new float[] {7 + x0Shift, 8, 9}), Combine.SAME);
    s.putScalar("num", 10.0 * w, Combine.MEAN);
    s.putScalars("d", new double[] {w == 1 ? 5.0 : 1.0, -w}, Combine.MAX);
    s.putScalar("k", 4 + kShift, Combine.SAME);
    OptimizerState child = new OptimizerState();
    child.putArray(
        "v",
        Nd4j.create(new double[] {w * w, 1}),
        Combine.MEAN); // float64 beside float32 parameters
    s.putChild("inner", child);
    return s;
  }

  /**
   * Runs one averaging round on every worker; returns each worker's (params, state) or its error.
   */
  private static List<Object> round(IntFunction<OptimizerState> states, AtomicInteger calls)
      throws Exception {
    List<AllReduce> comms =
        LoopbackRing.open(WORKERS, CollectiveOptions.defaults().withTimeoutMillis(20_000));
    List<Future<Object[]>> fs = new ArrayList<>();
    for (int w = 0; w < WORKERS; w++) {
      int worker = w;
      fs.add(
          POOL.submit(
              () -> {
                AllReduce comm = counting(comms.get(worker), calls);
                INDArray p = params(worker);
                OptimizerState s = states.apply(worker);
                try {
                  StateMerge.average(comm, p, s);
                } finally {
                  comm.close();
                }
                return new Object[] {p, s};
              }));
    }
    List<Object> out = new ArrayList<>();
    for (Future<Object[]> f : fs) {
      try {
        out.add(f.get());
      } catch (ExecutionException e) {
        out.add(e.getCause());
      }
    }
    return out;
  }

  @Test
  void everyRuleCombinesAsDeclaredInOneAllReduce() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    for (Object o : round(w -> state(w, 0, 0), calls)) {
      if (!(o instanceof Object[] r)) throw new AssertionError("a worker failed", (Throwable) o);
      INDArray p = (INDArray) r[0];
      OptimizerState s = (OptimizerState) r[1];
      assertEquals(
          Nd4j.create(new float[] {2, 2, 3, -1, 5, 6}, new long[] {2, 3}, 'f'),
          p,
          "params: mean of 1+w, 2, 3w, -w, 5, 6 over w = 0..2");
      assertEquals('f', p.ordering());
      assertArrayEquals(new float[] {1, 2, 10}, s.array("m").toFloatVector());
      assertArrayEquals(new float[] {7, 8, 9}, s.array("x0").toFloatVector());
      assertEquals(10.0, s.scalar("num"));
      assertArrayEquals(
          new double[] {5.0, 0.0},
          s.scalarsRef("d"),
          "MAX: the largest over workers, slot by slot");
      assertEquals(4.0, s.scalar("k"));
      assertArrayEquals(
          new double[] {5.0 / 3, 1}, s.child("inner").array("v").toDoubleVector(), 1e-15);
    }
    // float32 params + MEAN arrays in one message, the float64 child array in a second; scalars
    // ride along
    assertEquals(2 * WORKERS, calls.get(), "all-reduce calls over the 3 workers");
  }

  @Test
  void anArrayOfPackBytesOrMoreIsAveragedAloneInPlace() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    long big = StateMerge.PACK_BYTES / 4 + 1;
    for (Object o : round(w -> state(w, 0, 0, big), calls)) {
      if (!(o instanceof Object[] r)) throw new AssertionError("a worker failed", (Throwable) o);
      OptimizerState s = (OptimizerState) r[1];
      assertEquals(big, s.array("big").length());
      assertEquals(1.0, s.array("big").minNumber().doubleValue(), "mean of 0, 1, 2");
      assertEquals(1.0, s.array("big").maxNumber().doubleValue(), "mean of 0, 1, 2");
      assertArrayEquals(new float[] {1, 2, 10}, s.array("m").toFloatVector());
    }
    assertEquals(
        3 * WORKERS,
        calls.get(),
        "the big array alone, the small float32 ones packed, the float64 one");
  }

  @Test
  void aSameArrayThatDiffersIsAnErrorNamingItOnEveryWorker() throws Exception {
    // 1e-3 on one element of 7, 8, 9: 40x the tolerance (1e-5 of the L1 norm 24), far above float
    // rounding
    assertEveryWorkerFails(w -> state(w, 0, w == 2 ? 1e-3f : 0), "'x0' must be identical");
  }

  @Test
  void aSameScalarThatDiffersIsAnErrorNamingItOnEveryWorker() throws Exception {
    assertEveryWorkerFails(w -> state(w, w == 0 ? 1 : 0, 0), "'k' must be identical");
  }

  private static void assertEveryWorkerFails(IntFunction<OptimizerState> states, String message)
      throws Exception {
    List<Object> out = round(states, new AtomicInteger());
    for (int w = 0; w < out.size(); w++) {
      if (!(out.get(w) instanceof IllegalStateException e))
        throw new AssertionError("worker " + w + " did not fail: " + out.get(w));
      assertTrue(e.getMessage().contains(message), e.getMessage());
    }
  }

  private static AllReduce counting(AllReduce inner, AtomicInteger calls) {
    return new AllReduce() {
      @Override
      public void sumInPlace(INDArray flat) {
        calls.incrementAndGet();
        inner.sumInPlace(flat);
      }

      @Override
      public double[] sumInPlace(double[] scalars) {
        calls.incrementAndGet();
        return inner.sumInPlace(scalars);
      }

      @Override
      public double[] sumInPlace(INDArray flat, double[] scalars) {
        calls.incrementAndGet();
        return inner.sumInPlace(flat, scalars);
      }

      @Override
      public void allGatherInPlace(INDArray flat, long[] bounds) {
        calls.incrementAndGet();
        inner.allGatherInPlace(flat, bounds);
      }

      @Override
      public int rank() {
        return inner.rank();
      }

      @Override
      public int size() {
        return inner.size();
      }

      @Override
      public void close() {
        inner.close();
      }
    };
  }
}
