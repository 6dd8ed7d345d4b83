package org.optimbench.jobs.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.optim.Combine;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.Reductions;

/**
 * Parameter averaging's combine step: parameters are averaged, and every optimizer state entry is
 * combined by its declared {@link Combine} rule, over all workers, with the same all-reduce the
 * gradient-sharing mode uses. MEAN entries are averaged; MAX scalars take the maximum; SAME entries
 * must already agree (a mismatch is an error naming the entry: it means the workers' optimizers
 * diverged in a way averaging cannot repair). The caller then runs the optimizer's {@code
 * reconcile}, which restores invariants a mean cannot (e.g. D-Adaptation's d recomputed from the
 * averaged statistics, never below any worker's).
 *
 * <p>A round of a small model is one all-reduce: the parameters and every MEAN array are packed
 * into one buffer per data type (one in practice), and all scalars ride along with it; arrays of
 * {@value #PACK_BYTES} bytes or more are summed alone, in place. A MEAN scalar travels as its
 * value, a MAX or SAME scalar as a vector with one slot per worker (own value in own slot), so the
 * max and the agreement check are exact. A SAME array travels as a fingerprint in per-worker slots
 * (its sum, L1 and L2 norms), not as its elements: workers agree when each fingerprint matches this
 * worker's within {@value #SAME_TOLERANCE} of its L1 norm (identical arrays agree exactly on
 * executors with the same thread count; the tolerance covers float32 sums taken in another order).
 * One message instead of one per state entry matters for small models because each call waits for
 * the slowest worker and costs a round trip: Prodigy's round was six calls.
 */
public final class StateMerge {
  /** Relative tolerance of the SAME-array fingerprints (relative to the array's L1 norm). */
  static final double SAME_TOLERANCE = 1e-5;

  /**
   * Arrays from this size travel alone and in place: packing copies an array in and out of the
   * message, and at this size those two passes cost more than the round trip they save.
   */
  static final long PACK_BYTES = 1 << 20;

  private StateMerge() {}

  public static void average(AllReduce comm, INDArray params, OptimizerState state) {
    int n = comm.size();
    if (n == 1) return;
    List<INDArray> means = new ArrayList<>();
    means.add(params);
    List<Consumer<double[]>> decoders = new ArrayList<>();
    List<Double> packed = new ArrayList<>();
    collect(comm, state, "", means, packed, decoders);
    double[] v = new double[packed.size()];
    for (int i = 0; i < v.length; i++) v[i] = packed.get(i);

    // Arrays below PACK_BYTES travel packed, one buffer per data type; larger ones alone and in
    // place.
    List<List<INDArray>> messages = new ArrayList<>();
    Map<DataType, List<INDArray>> byType = new LinkedHashMap<>();
    for (INDArray a : means) {
      if (a.length() * a.dataType().width() >= PACK_BYTES) messages.add(List.of(a));
      else byType.computeIfAbsent(a.dataType(), k -> new ArrayList<>()).add(a);
    }
    messages.addAll(byType.values());
    boolean scalarsSent = false;
    for (List<INDArray> group : messages) {
      boolean packs = group.size() > 1;
      INDArray flat = packs ? Nd4j.toFlattened('c', group) : group.get(0);
      try {
        if (scalarsSent) {
          comm.sumInPlace(flat);
        } else {
          comm.sumInPlace(flat, v);
          scalarsSent = true;
        }
        flat.divi(n);
        if (packs) unpack(flat, group);
      } finally {
        if (packs) flat.close();
      }
    }
    for (Consumer<double[]> d : decoders) d.accept(v);
  }

  /** Copies consecutive stretches of {@code flat} back into the arrays it packed, in order. */
  private static void unpack(INDArray flat, List<INDArray> arrays) {
    long off = 0;
    for (INDArray a : arrays) {
      a.assign(flat.get(NDArrayIndex.interval(off, off + a.length())).reshape('c', a.shape()));
      off += a.length();
    }
  }

  private static void collect(
      AllReduce comm,
      OptimizerState s,
      String prefix,
      List<INDArray> means,
      List<Double> packed,
      List<Consumer<double[]>> decoders) {
    int n = comm.size();
    int rank = comm.rank();
    for (Map.Entry<String, INDArray> e : s.arrays().entrySet()) {
      Combine rule = s.rule(e.getKey());
      INDArray a = e.getValue();
      switch (rule) {
        case MEAN -> means.add(a);
        case SAME -> {
          double[] mine = fingerprint(a);
          String name = prefix + e.getKey();
          perWorker(
              mine,
              rank,
              n,
              packed,
              decoders,
              (w, theirs) -> {
                double tol = SAME_TOLERANCE * mine[1];
                for (int i = 0; i < mine.length; i++) {
                  if (!(Math.abs(theirs[i] - mine[i]) <= tol)) {
                    throw new IllegalStateException(
                        "optimizer state '"
                            + name
                            + "' must be identical on all workers but differs on worker "
                            + w
                            + " (sum, L1, L2 here "
                            + Arrays.toString(mine)
                            + ", there "
                            + Arrays.toString(theirs)
                            + ")");
                  }
                }
              });
        }
        case MAX ->
            throw new IllegalStateException(
                "optimizer state array '"
                    + prefix
                    + e.getKey()
                    + "' has rule MAX, which parameter averaging does not combine");
        default -> throw new IllegalStateException();
      }
    }
    for (Map.Entry<String, double[]> e : s.scalars().entrySet()) {
      String name = prefix + e.getKey();
      double[] live = s.scalarsRef(e.getKey());
      Combine rule = s.rule(e.getKey());
      if (rule == Combine.MEAN) {
        int start = packed.size();
        for (double x : live) packed.add(x);
        decoders.add(
            sums -> {
              for (int i = 0; i < live.length; i++) live[i] = sums[start + i] / n;
            });
        continue;
      }
      double[] mine = live.clone();
      double[] max = live.clone();
      perWorker(
          mine,
          rank,
          n,
          packed,
          decoders,
          (w, theirs) -> {
            for (int i = 0; i < mine.length; i++) {
              if (rule == Combine.SAME && Double.compare(theirs[i], mine[i]) != 0) {
                throw new IllegalStateException(
                    "optimizer state '"
                        + name
                        + "' must be identical on all workers but is "
                        + mine[i]
                        + " here and "
                        + theirs[i]
                        + " on worker "
                        + w);
              }
              max[i] = Math.max(max[i], theirs[i]);
            }
          });
      decoders.add(sums -> System.arraycopy(max, 0, live, 0, live.length));
    }
    for (Map.Entry<String, OptimizerState> c : s.children().entrySet())
      collect(comm, c.getValue(), prefix + c.getKey() + ".", means, packed, decoders);
  }

  /**
   * A SAME array's fingerprint {sum, L1, L2}: one pass on the CPU backend, where three ND4J
   * reductions would each read the whole array (BENCHMARKS.md, "Training throughput"). Every worker
   * takes the same path for the same array.
   */
  private static double[] fingerprint(INDArray a) {
    return Reductions.sumNorm1Norm2(a);
  }

  /**
   * Worker-indexed values: own values in own slot, zeros in the others; after the sum, {@code each}
   * sees every worker's.
   */
  private static void perWorker(
      double[] mine,
      int rank,
      int n,
      List<Double> packed,
      List<Consumer<double[]>> decoders,
      WorkerValues each) {
    int start = packed.size();
    int k = mine.length;
    for (int w = 0; w < n; w++) for (double x : mine) packed.add(w == rank ? x : 0.0);
    decoders.add(
        sums -> {
          for (int w = 0; w < n; w++)
            each.accept(w, Arrays.copyOfRange(sums, start + w * k, start + (w + 1) * k));
        });
  }

  @FunctionalInterface
  private interface WorkerValues {
    void accept(int worker, double[] values);
  }
}
