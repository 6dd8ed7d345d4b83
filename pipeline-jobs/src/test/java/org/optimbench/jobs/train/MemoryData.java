package org.optimbench.jobs.train;

import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.data.RowChunk;
import org.optimbench.jobs.data.RowRefs;
import org.optimbench.jobs.workload.Example;
import org.optimbench.jobs.workload.Examples;
import org.optimbench.jobs.workload.ValidationRows;
import org.optimbench.jobs.workload.Workload;

/**
 * A worker's data held in memory, for tests and benchmarks that drive {@link WorkerLoop} without
 * Parquet: batch {@code i} is rows {@code [i b, (i + 1) b)} of an endless sequence of epochs, each
 * a seeded permutation of the rows, so batches are a pure function of their index as the streamed
 * data's are.
 */
public final class MemoryData implements WorkerData {
  private final Workload workload;
  private final DataType dtype;
  private final RowChunk train;
  private final RowChunk valid;
  private final long seed;
  private int[] perm;
  private long permEpoch = -1;

  public MemoryData(
      Workload workload, DataType dtype, List<Example> train, List<Example> valid, long seed) {
    if (train.isEmpty()) throw new IllegalArgumentException("no training rows");
    this.workload = workload;
    this.dtype = dtype;
    // the columns StreamData reads for this dtype, prepared as its decoding thread prepares them
    this.train = Examples.chunk(train, workload.schema(dtype)).prepare();
    this.valid = Examples.chunk(valid, workload.schema(dtype)).prepare();
    this.seed = seed;
  }

  @Override
  public Batch batchAt(long index, int batchSize) {
    int n = train.size();
    int[] rows = new int[batchSize];
    long pos = index * batchSize;
    for (int i = 0; i < batchSize; i++, pos++) {
      long epoch = pos / n;
      if (epoch != permEpoch) {
        perm = permutation(n, epoch);
        permEpoch = epoch;
      }
      rows[i] = perm[(int) (pos % n)];
    }
    // as StreamData does: the workload reads the rows where they lie
    RowRefs refs = RowRefs.of(train, rows);
    return new Batch(workload.encode(refs, dtype), refs.ids());
  }

  @Override
  public Batch validBatchAt(long t, int batchSize) {
    if (valid.size() == 0) throw new IllegalStateException("no validation rows");
    int[] rows = new int[Math.min(batchSize, valid.size())];
    Random r = new Random(seed * 1_000_003L + t);
    for (int i = 0; i < rows.length; i++) rows[i] = r.nextInt(valid.size());
    RowChunk chunk = valid.gather(rows);
    return new Batch(workload.encode(chunk, dtype), chunk.ids());
  }

  @Override
  public ValidationRows valid() {
    return ValidationRows.of(valid, workload.evaluationChunkRows());
  }

  @Override
  public void close() {}

  private int[] permutation(int n, long epoch) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    Random r = new Random(seed * 31 + epoch * 7_368_787L);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int tmp = p[i];
      p[i] = p[j];
      p[j] = tmp;
    }
    return p;
  }
}
