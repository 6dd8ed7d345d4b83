package org.optimbench.jobs.workload;

import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.model.NativeArrays;

/**
 * One worker's rows as network inputs, built once: {@link #rows} pulls any subset (a batch, a
 * validation slice) by position. The usual implementation ({@link #of}) keeps one array per input
 * kind with a row per example (dense features, categorical ids, token blocks, labels) and turns the
 * pulled rows into the network's (Multi)DataSet with a workload-supplied function.
 */
public interface EncodedRows {
  int size();

  /** The rows at these positions, in this order, as the network's features and labels. */
  MultiDataSet rows(int[] positions);

  /** The buffer that owns an array's memory: its own, or for a view the viewed array's. */
  private static Object memory(INDArray a) {
    Object base = a.data().underlyingDataBuffer();
    return base != null ? base : a.data();
  }

  /** Positions from..to-1, for slicing through all rows. */
  static int[] range(int from, int to) {
    int[] r = new int[to - from];
    for (int i = 0; i < r.length; i++) r[i] = from + i;
    return r;
  }

  /**
   * Rows stored as {@code columns} (every array has {@code n} rows; any dtype, ints included);
   * {@code toDataSet} receives the pulled rows of each column, in the same order. With n = 0 the
   * arrays may be null.
   */
  static EncodedRows of(int n, INDArray[] columns, Function<INDArray[], MultiDataSet> toDataSet) {
    return new EncodedRows() {
      @Override
      public int size() {
        return n;
      }

      @Override
      public MultiDataSet rows(int[] positions) {
        for (int p : positions) {
          if (p < 0 || p >= n) throw new IndexOutOfBoundsException("row " + p + " of " + n);
        }
        INDArray[] pulled = new INDArray[columns.length];
        for (int i = 0; i < columns.length; i++)
          pulled[i] = Nd4j.pullRows(columns[i], 1, positions);
        MultiDataSet ds = toDataSet.apply(pulled);
        // pulled columns whose memory the data set does not use (it re-cut or re-typed them into
        // new
        // arrays): free them now instead of leaving native memory to the garbage collector
        java.util.Set<Object> used =
            java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        if (ds != null) for (INDArray a : NativeArrays.arrays(ds)) used.add(memory(a));
        for (INDArray p : pulled) {
          if (!used.contains(memory(p))) NativeArrays.release(p);
        }
        return ds;
      }
    };
  }
}
