package org.optimbench.jobs.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.optim.Combine;
import org.optimbench.optim.OptimizerState;

/**
 * Parameter averaging's combine step: parameters are averaged, and every optimizer state entry is
 * combined by its declared {@link Combine} rule, over all workers, with the same all-reduce the
 * gradient-sharing mode uses. MEAN entries are averaged; MAX scalars take the maximum; SAME
 * entries must already agree (a mismatch is an error naming the entry: it means the workers'
 * optimizers diverged in a way averaging cannot repair). The caller then runs the optimizer's
 * {@code reconcile}, which restores invariants a mean cannot (e.g. D-Adaptation's d recomputed from
 * the averaged statistics, never below any worker's).
 *
 * <p>All scalar entries travel in one reduction: a MEAN scalar as its value, a MAX or SAME scalar
 * as a vector with one slot per worker (own value in own slot), so the max and the agreement check
 * are exact.
 */
public final class StateMerge {
  private StateMerge() {}

  public static void average(AllReduce comm, INDArray params, OptimizerState state) {
    int n = comm.size();
    if (n == 1) return;
    comm.sumInPlace(params);
    params.divi(n);
    List<Consumer<double[]>> decoders = new ArrayList<>();
    List<Double> packed = new ArrayList<>();
    collect(comm, state, "", packed, decoders);
    double[] v = new double[packed.size()];
    for (int i = 0; i < v.length; i++) v[i] = packed.get(i);
    double[] sums = comm.sumInPlace(v);
    for (Consumer<double[]> d : decoders) d.accept(sums);
  }

  private static void collect(AllReduce comm, OptimizerState s, String prefix, List<Double> packed, List<Consumer<double[]>> decoders) {
    int n = comm.size();
    int rank = comm.rank();
    for (Map.Entry<String, INDArray> e : s.arrays().entrySet()) {
      Combine rule = s.rule(e.getKey());
      INDArray a = e.getValue();
      switch (rule) {
        case MEAN -> {
          comm.sumInPlace(a);
          a.divi(n);
        }
        case SAME -> {
          INDArray mine = a.dup();
          comm.sumInPlace(a);
          a.divi(n);
          double diff = a.sub(mine).norm2Number().doubleValue();
          double scale = mine.norm2Number().doubleValue();
          if (diff > 1e-12 * Math.max(1, scale)) {
            throw new IllegalStateException("optimizer state '" + prefix + e.getKey() + "' must be identical on all workers but differs (|mean - mine| = " + diff + ")");
          }
          a.assign(mine); // keep the exact value
        }
        case MAX -> throw new IllegalStateException("optimizer state array '" + prefix + e.getKey() + "' has rule MAX, which parameter averaging does not combine");
        default -> throw new IllegalStateException();
      }
    }
    for (Map.Entry<String, double[]> e : s.scalars().entrySet()) {
      String name = e.getKey();
      double[] live = s.scalarsRef(name);
      Combine rule = s.rule(name);
      int start = packed.size();
      if (rule == Combine.MEAN) {
        for (double x : live) packed.add(x);
        decoders.add(sums -> {
          for (int i = 0; i < live.length; i++) live[i] = sums[start + i] / n;
        });
      } else {
        for (int i = 0; i < live.length; i++) {
          for (int w = 0; w < n; w++) packed.add(w == rank ? live[i] : 0.0);
        }
        decoders.add(sums -> {
          for (int i = 0; i < live.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            double mine = live[i];
            for (int w = 0; w < n; w++) {
              double x = sums[start + i * n + w];
              max = Math.max(max, x);
              if (rule == Combine.SAME && Double.compare(x, mine) != 0) {
                throw new IllegalStateException("optimizer state '" + prefix + name + "' must be identical on all workers but is " + mine + " here and " + x + " on worker " + w);
              }
            }
            live[i] = max;
          }
        });
      }
    }
    for (Map.Entry<String, OptimizerState> c : s.children().entrySet()) collect(comm, c.getValue(), prefix + c.getKey() + ".", packed, decoders);
  }
}
