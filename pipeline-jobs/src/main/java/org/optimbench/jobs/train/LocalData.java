package org.optimbench.jobs.train;

import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One worker's partition, densified in memory: training and validation rows. Batches are a pure
 * function of the step (a per-epoch permutation seeded by seed, worker and epoch), so a resumed run
 * draws exactly the batches an uninterrupted run would.
 */
public final class LocalData {
  private final INDArray trainX;
  private final int[] trainY;
  private final long[] trainIds;
  private final INDArray validX;
  private final int[] validY;
  private final int classes;
  private final DataType dtype;
  private final long seed;
  private final int rank;

  public LocalData(List<Example> rows, int features, int classes, DataType dtype, long seed, int rank) {
    List<Example> train = rows.stream().filter(e -> !e.valid()).sorted((a, b) -> Long.compare(a.id(), b.id())).toList();
    List<Example> valid = rows.stream().filter(Example::valid).sorted((a, b) -> Long.compare(a.id(), b.id())).toList();
    if (train.isEmpty()) throw new IllegalArgumentException("worker " + rank + " has no training rows: use fewer workers than training examples");
    this.classes = classes;
    this.dtype = dtype;
    this.seed = seed;
    this.rank = rank;
    this.trainX = dense(train, features, dtype);
    this.trainY = train.stream().mapToInt(Example::label).toArray();
    this.trainIds = train.stream().mapToLong(Example::id).toArray();
    this.validX = valid.isEmpty() ? null : dense(valid, features, dtype);
    this.validY = valid.stream().mapToInt(Example::label).toArray();
  }

  private static INDArray dense(List<Example> rows, int features, DataType dtype) {
    double[][] x = new double[rows.size()][features];
    for (int i = 0; i < rows.size(); i++) {
      Example e = rows.get(i);
      for (int k = 0; k < e.indices().length; k++) {
        int j = e.indices()[k];
        if (j < 0 || j >= features) throw new IllegalArgumentException("example " + e.id() + " has feature index " + j + " outside [0, " + features + ")");
        x[i][j] = e.values()[k];
      }
    }
    return Nd4j.createFromArray(x).castTo(dtype);
  }

  public int trainSize() {
    return trainY.length;
  }

  public int validSize() {
    return validY.length;
  }

  /** This worker's batch of step t. */
  public Batch batchAt(long t, int batchSize) {
    int n = trainY.length;
    int[] rows = new int[batchSize];
    long pos = t * batchSize;
    int[] perm = null;
    long permEpoch = -1;
    for (int i = 0; i < batchSize; i++, pos++) {
      long epoch = pos / n;
      if (epoch != permEpoch) {
        perm = permutation(n, epoch);
        permEpoch = epoch;
      }
      rows[i] = perm[(int) (pos % n)];
    }
    long[] ids = new long[batchSize];
    for (int i = 0; i < batchSize; i++) ids[i] = trainIds[rows[i]];
    return batch(trainX, trainY, ids, rows);
  }

  /** The validation rows [from, to) as a batch (ids are positions; validation has no per-example state). */
  public Batch validSlice(int from, int to) {
    int[] rows = new int[to - from];
    long[] ids = new long[rows.length];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = from + i;
      ids[i] = from + i;
    }
    return batch(validX, validY, ids, rows);
  }

  /** A validation batch for step t (for hypergradient methods), drawn like training batches. */
  public Batch validBatchAt(long t, int batchSize) {
    if (validY.length == 0) throw new IllegalStateException("worker " + rank + " has no validation rows");
    int[] rows = new int[Math.min(batchSize, validY.length)];
    Random r = new Random(seed * 1_000_003L + rank * 7919L + t);
    for (int i = 0; i < rows.length; i++) rows[i] = r.nextInt(validY.length);
    long[] ids = new long[rows.length];
    for (int i = 0; i < rows.length; i++) ids[i] = rows[i];
    return batch(validX, validY, ids, rows);
  }

  private int[] permutation(int n, long epoch) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    Random r = new Random(seed * 31 + rank * 1_000_003L + epoch * 7_368_787L);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int tmp = p[i];
      p[i] = p[j];
      p[j] = tmp;
    }
    return p;
  }

  /** Rows {@code rows} of (x, y) as a batch whose example ids are {@code ids}. */
  private Batch batch(INDArray x, int[] y, long[] ids, int[] rows) {
    INDArray xb = Nd4j.pullRows(x, 1, rows);
    INDArray yb = Nd4j.zeros(dtype, rows.length, classes);
    for (int i = 0; i < rows.length; i++) yb.putScalar(i, y[rows[i]], 1.0);
    return new Batch(new MultiDataSet(xb, yb), ids);
  }
}
