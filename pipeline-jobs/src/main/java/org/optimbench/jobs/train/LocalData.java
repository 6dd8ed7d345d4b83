package org.optimbench.jobs.train;

import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.workload.EncodedRows;
import org.optimbench.jobs.workload.Example;
import org.optimbench.jobs.workload.Workload;

/**
 * One worker's partition: training and validation rows sorted by their stable ids and encoded once
 * by the workload ({@link Workload#encode}). Batches are a pure function of the step (a per-epoch
 * permutation seeded by seed, worker and epoch), so a resumed run draws exactly the batches an
 * uninterrupted run would. Not thread-safe: one worker thread draws its batches.
 */
public final class LocalData implements WorkerData {
  private final EncodedRows train;
  private final long[] trainIds;
  private final EncodedRows valid;
  private final long seed;
  private final int rank;

  /**
   * The last epoch's permutation: built once per epoch, not once per step (a shuffle of the whole
   * partition).
   */
  private int[] perm;

  private long permEpoch = -1;

  public LocalData(List<Example> rows, Workload workload, DataType dtype, long seed, int rank) {
    List<Example> trainRows =
        rows.stream()
            .filter(e -> !e.valid())
            .sorted(Comparator.comparingLong(Example::id))
            .toList();
    List<Example> validRows =
        rows.stream().filter(Example::valid).sorted(Comparator.comparingLong(Example::id)).toList();
    if (trainRows.isEmpty())
      throw new IllegalArgumentException(
          "worker " + rank + " has no training rows: use fewer workers than training examples");
    this.seed = seed;
    this.rank = rank;
    this.train = workload.encode(trainRows, dtype);
    this.trainIds = trainRows.stream().mapToLong(Example::id).toArray();
    this.valid = workload.encode(validRows, dtype);
  }

  public int trainSize() {
    return trainIds.length;
  }

  public int validSize() {
    return valid.size();
  }

  /** This worker's validation rows, for the workload's evaluation. */
  @Override
  public EncodedRows valid() {
    return valid;
  }

  /** This worker's batch of step t. */
  @Override
  public Batch batchAt(long t, int batchSize) {
    int n = trainIds.length;
    int[] rows = new int[batchSize];
    long pos = t * batchSize;
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
    return new Batch(train.rows(rows), ids);
  }

  /**
   * The validation rows [from, to) as a batch (ids are positions; validation has no per-example
   * state).
   */
  public Batch validSlice(int from, int to) {
    int[] rows = EncodedRows.range(from, to);
    long[] ids = new long[rows.length];
    for (int i = 0; i < rows.length; i++) ids[i] = rows[i];
    return new Batch(valid.rows(rows), ids);
  }

  /** A validation batch for step t (for hypergradient methods), drawn like training batches. */
  @Override
  public Batch validBatchAt(long t, int batchSize) {
    if (valid.size() == 0)
      throw new IllegalStateException("worker " + rank + " has no validation rows");
    int[] rows = new int[Math.min(batchSize, valid.size())];
    Random r = new Random(seed * 1_000_003L + rank * 7919L + t);
    for (int i = 0; i < rows.length; i++) rows[i] = r.nextInt(valid.size());
    long[] ids = new long[rows.length];
    for (int i = 0; i < rows.length; i++) ids[i] = rows[i];
    return new Batch(valid.rows(rows), ids);
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
}
