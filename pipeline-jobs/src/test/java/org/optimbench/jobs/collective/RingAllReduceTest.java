package org.optimbench.jobs.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The ring over loopback, N workers as threads of this JVM. */
class RingAllReduceTest {
  private static final ExecutorService POOL = Executors.newCachedThreadPool();

  @AfterAll
  static void shutdown() {
    POOL.shutdownNow();
  }

  static List<AllReduce> ring(int n, CollectiveOptions opts) throws Exception {
    return n == 1 ? List.of(AllReduce.single()) : LoopbackRing.open(n, opts);
  }

  static INDArray input(int rank, int call, long n, DataType type, boolean integers) {
    // java.util.Random, not ND4J's generator: the same values whichever thread asks
    java.util.Random rnd = new java.util.Random(1000L * rank + call);
    double[] v = new double[(int) n];
    for (int i = 0; i < v.length; i++)
      v[i] = integers ? rnd.nextInt(2001) - 1000 : rnd.nextGaussian();
    return Nd4j.createFromArray(v).castTo(type);
  }

  static byte[] bytes(INDArray a) {
    INDArray copy = a.dup();
    try {
      ByteBuffer b = RingAllReduce.nativeBytes(copy);
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    } finally {
      // the buffer does not keep the copy alive: collected while being read, its memory was freed
      // and its first bytes overwritten (RingSecurityTest saw them differ about one run in three)
      java.lang.ref.Reference.reachabilityFence(copy);
    }
  }

  @Test
  void ringSumMatchesSequentialSumAndIsBitIdenticalOnEveryWorker() throws Exception {
    // Default options take the all-gather path up to 64 KiB; smallBytes=0 with 1 KiB segments
    // forces
    // the ring (reduce-scatter + all-gather, several segments per chunk) even for small arrays.
    List<CollectiveOptions> variants =
        List.of(
            CollectiveOptions.defaults(),
            CollectiveOptions.defaults().withSmallBytes(0).withSegmentBytes(1024));
    long[] sizes = {1, 3, 1001, 20_003};
    for (int workers = 1; workers <= 4; workers++) {
      for (CollectiveOptions opts : variants) {
        List<AllReduce> ring = ring(workers, opts);
        try {
          int call = 0;
          for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (long n : sizes) {
              for (boolean integers : new boolean[] {true, false}) {
                int c = call++;
                INDArray expected = Nd4j.zeros(type, n);
                for (int r = 0; r < workers; r++) expected.addi(input(r, c, n, type, integers));
                // the latency path adds the inputs in rank order, from rank 0's own value
                INDArray inRankOrder = input(0, c, n, type, integers);
                for (int r = 1; r < workers; r++) inRankOrder.addi(input(r, c, n, type, integers));
                List<INDArray> sums =
                    LoopbackRing.onAll(
                        ring,
                        ar -> {
                          INDArray x = input(ar.rank(), c, n, type, integers);
                          ar.sumInPlace(x);
                          return x;
                        });
                String what =
                    String.format(
                        "N=%d %s n=%d integers=%s smallBytes=%d",
                        workers, type, n, integers, opts.smallBytes());
                for (int r = 1; r < workers; r++)
                  assertArrayEquals(
                      bytes(sums.get(0)),
                      bytes(sums.get(r)),
                      "bytes differ, rank " + r + ", " + what);
                INDArray got = sums.get(0);
                if (n * type.width() <= opts.smallBytes())
                  assertArrayEquals(bytes(inRankOrder), bytes(got), "rank-order sum, " + what);
                if (integers) {
                  assertEquals(expected, got, what); // integer values: every order is exact
                } else {
                  double tol = (type == DataType.FLOAT ? 1e-5 : 1e-12) * workers;
                  double err =
                      got.sub(expected).norm2Number().doubleValue()
                          / Math.max(1e-30, expected.norm2Number().doubleValue());
                  assertTrue(err < tol, what + " relative error " + err);
                }
              }
            }
          }
        } finally {
          ring.forEach(AllReduce::close);
        }
      }
    }
  }

  @Test
  void scalarsAndCombinedCallAreSummedInRankOrder() throws Exception {
    for (int workers = 1; workers <= 4; workers++) {
      List<AllReduce> ring = ring(workers, CollectiveOptions.defaults().withSmallBytes(0));
      try {
        int nw = workers;
        double[] expected = new double[3];
        for (int j = 0; j < 3; j++) {
          double acc = 0.0;
          for (int r = 0; r < workers; r++) acc += scalar(r, j);
          expected[j] = acc;
        }
        List<double[]> alone =
            LoopbackRing.onAll(
                ring,
                ar ->
                    ar.sumInPlace(
                        new double[] {
                          scalar(ar.rank(), 0), scalar(ar.rank(), 1), scalar(ar.rank(), 2)
                        }));
        List<double[]> combined =
            LoopbackRing.onAll(
                ring,
                ar -> {
                  INDArray g = Nd4j.ones(DataType.FLOAT, 50_000).muli(ar.rank() + 1);
                  double[] s =
                      ar.sumInPlace(
                          g,
                          new double[] {
                            scalar(ar.rank(), 0), scalar(ar.rank(), 1), scalar(ar.rank(), 2)
                          });
                  assertEquals(nw * (nw + 1) / 2.0, g.minNumber().doubleValue());
                  assertEquals(nw * (nw + 1) / 2.0, g.maxNumber().doubleValue());
                  return s;
                });
        List<double[]> empty = LoopbackRing.onAll(ring, ar -> ar.sumInPlace(new double[0]));
        for (int r = 0; r < workers; r++) {
          assertArrayEquals(expected, alone.get(r), "scalars, N=" + workers);
          assertArrayEquals(expected, combined.get(r), "combined, N=" + workers);
          assertEquals(0, empty.get(r).length);
        }
        for (double v : LoopbackRing.onAll(ring, ar -> ar.reducer().sum(new double[] {1.0})[0]))
          assertEquals(workers, v, "optim Reducer view");
      } finally {
        ring.forEach(AllReduce::close);
      }
    }
  }

  private static double scalar(int rank, int j) {
    return Math.PI * (rank + 1) / (j + 3) + 1e-9 * rank;
  }

  @Test
  void viewsMatricesAndStridedArraysAreSummedInPlace() throws Exception {
    List<AllReduce> ring = ring(3, CollectiveOptions.defaults().withSmallBytes(0));
    try {
      List<INDArray[]> out =
          LoopbackRing.onAll(
              ring,
              ar -> {
                INDArray big = Nd4j.zeros(DataType.DOUBLE, 100).addi(ar.rank() + 1);
                INDArray view = big.get(NDArrayIndex.interval(10, 90)); // dense view with an offset
                INDArray matrix = Nd4j.ones(DataType.FLOAT, 7, 5).muli(ar.rank() + 1);
                INDArray column = Nd4j.ones(DataType.FLOAT, 6, 4).muli(ar.rank() + 1);
                INDArray strided = column.getColumn(2); // not contiguous: summed through a copy
                ar.sumInPlace(view);
                ar.sumInPlace(matrix);
                ar.sumInPlace(strided);
                return new INDArray[] {big, matrix, column};
              });
      for (int rank = 0; rank < 3; rank++) {
        INDArray[] r = out.get(rank);
        assertEquals(rank + 1.0, r[0].getDouble(9), "before the view: untouched");
        assertEquals(6.0, r[0].getDouble(10));
        assertEquals(6.0, r[0].getDouble(89));
        assertEquals(rank + 1.0, r[0].getDouble(90), "after the view: untouched");
        assertEquals(6.0, r[1].minNumber().doubleValue());
        assertEquals(6.0, r[1].maxNumber().doubleValue());
        assertEquals(6.0, r[2].getColumn(2).minNumber().doubleValue());
        assertEquals(6.0, r[2].getColumn(2).maxNumber().doubleValue());
        assertEquals(
            rank + 1.0, r[2].getColumn(1).maxNumber().doubleValue(), "other columns untouched");
        assertEquals(
            rank + 1.0, r[2].getColumn(3).minNumber().doubleValue(), "other columns untouched");
      }
    } finally {
      ring.forEach(AllReduce::close);
    }
  }

  @Test
  void replicasStayBitIdenticalOverManySteps() throws Exception {
    List<AllReduce> ring =
        ring(3, CollectiveOptions.defaults().withSmallBytes(0).withSegmentBytes(4096));
    try {
      List<byte[]> params =
          LoopbackRing.onAll(
              ring,
              ar -> {
                INDArray p = input(99, 0, 30_001, DataType.FLOAT, false);
                for (int step = 0; step < 30; step++) {
                  INDArray g = input(ar.rank(), step, 30_001, DataType.FLOAT, false).muli(p);
                  double[] s = ar.sumInPlace(g, new double[] {g.sumNumber().doubleValue(), 10});
                  p.subi(g.divi(s[1]).muli(0.1));
                }
                return bytes(p);
              });
      assertArrayEquals(params.get(0), params.get(1));
      assertArrayEquals(params.get(0), params.get(2));
    } finally {
      ring.forEach(AllReduce::close);
    }
  }

  @Test
  void aPeerThatClosesFailsTheOthersFastWithAClearError() throws Exception {
    List<AllReduce> ring =
        ring(3, CollectiveOptions.defaults()); // 30 min step timeout: must not be what ends this
    long t0 = System.nanoTime();
    ring.get(2).close();
    List<Future<Exception>> fs = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      AllReduce ar = ring.get(r);
      fs.add(
          POOL.submit(
              () -> {
                try {
                  ar.sumInPlace(Nd4j.ones(DataType.FLOAT, 1_000_000));
                  return null;
                } catch (Exception e) {
                  return e;
                }
              }));
    }
    for (Future<Exception> f : fs) {
      Exception e = f.get(20, TimeUnit.SECONDS);
      assertTrue(e instanceof CollectiveException, "expected a CollectiveException, got " + e);
      assertTrue(
          e.getMessage().contains("closed") || e.getMessage().contains("failed"), e.getMessage());
    }
    assertTrue((System.nanoTime() - t0) / 1e9 < 20);
    CollectiveException again =
        assertThrows(CollectiveException.class, () -> ring.get(0).sumInPlace(new double[1]));
    assertTrue(again.getMessage().contains("closed"), again.getMessage());
    ring.forEach(AllReduce::close);
  }

  @Test
  void aPeerThatStopsCallingTimesOut() throws Exception {
    List<AllReduce> ring = ring(2, CollectiveOptions.defaults().withTimeoutMillis(300));
    try {
      long t0 = System.nanoTime();
      CollectiveTimeoutException e =
          assertThrows(
              CollectiveTimeoutException.class, () -> ring.get(0).sumInPlace(new double[] {1}));
      double s = (System.nanoTime() - t0) / 1e9;
      assertTrue(s >= 0.25 && s < 5, "timed out after " + s + " s");
      assertTrue(
          e.getMessage()
              .startsWith(
                  "rank 0: timed out after 300 ms waiting for rank 1 in all-reduce call #1"
                      + " (small-array gather hop 0): nothing received from left neighbour rank 1"),
          e.getMessage());
    } finally {
      ring.forEach(AllReduce::close);
    }
  }

  @Test
  void mismatchedCallsFailWithBothShapesInTheMessage() throws Exception {
    List<AllReduce> ring = ring(2, CollectiveOptions.defaults());
    try {
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () ->
                  LoopbackRing.onAll(
                      ring,
                      ar -> {
                        ar.sumInPlace(Nd4j.ones(DataType.FLOAT, ar.rank() == 0 ? 10 : 11));
                        return null;
                      }));
      assertTrue(e.getCause() instanceof CollectiveException, String.valueOf(e.getCause()));
      assertTrue(e.getCause().getMessage().contains("mismatched"), e.getCause().getMessage());
    } finally {
      ring.forEach(AllReduce::close);
    }
  }

  @Test
  void allGatherGivesEveryWorkerEverySegmentBitForBit() throws Exception {
    for (int workers = 1; workers <= 4; workers++) {
      List<AllReduce> ring = ring(workers, CollectiveOptions.defaults().withSegmentBytes(1024));
      try {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
          // segment r has 0, 5003, 1, 7 ... elements: empty and multi-segment messages included
          long[] lengths = {0, 5003, 1, 7};
          long[] bounds = new long[workers + 1];
          for (int r = 0; r < workers; r++) bounds[r + 1] = bounds[r] + lengths[r];
          INDArray expected = Nd4j.zeros(type, Math.max(1, bounds[workers]));
          for (int r = 0; r < workers; r++) {
            if (lengths[r] > 0)
              expected
                  .get(NDArrayIndex.interval(bounds[r], bounds[r + 1]))
                  .assign(input(r, 9, lengths[r], type, false));
          }
          if (bounds[workers] == 0) continue;
          int w = workers;
          List<byte[]> out =
              LoopbackRing.onAll(
                  ring,
                  ar -> {
                    INDArray flat =
                        Nd4j.valueArrayOf(
                            new long[] {bounds[w]},
                            Double.NaN,
                            type); // junk outside the own segment
                    int r = ar.rank();
                    if (lengths[r] > 0)
                      flat.get(NDArrayIndex.interval(bounds[r], bounds[r + 1]))
                          .assign(input(r, 9, lengths[r], type, false));
                    ar.allGatherInPlace(flat, bounds);
                    return bytes(flat);
                  });
          for (byte[] b : out) assertArrayEquals(bytes(expected), b, workers + " workers, " + type);
        }
        if (workers > 1) {
          IllegalArgumentException e =
              assertThrows(
                  IllegalArgumentException.class,
                  () ->
                      ring.get(0)
                          .allGatherInPlace(Nd4j.zeros(DataType.FLOAT, 4), new long[] {0, 4}));
          assertTrue(e.getMessage().contains("bounds"), e.getMessage());
        }
      } finally {
        for (AllReduce ar : ring) ar.close();
      }
    }
  }
}
