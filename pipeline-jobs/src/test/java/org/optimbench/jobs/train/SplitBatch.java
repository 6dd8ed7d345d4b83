package org.optimbench.jobs.train;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.data.RowChunk;
import org.optimbench.jobs.workload.Example;
import org.optimbench.jobs.workload.Workload;

/**
 * For "N workers x batch b == 1 worker x batch N*b" tests with two workers: step t's batch for one
 * worker, such that one worker's batch is the two workers' batches concatenated.
 */
public final class SplitBatch {
  private SplitBatch() {}

  /**
   * Step {@code t}'s rows of {@code worker} among {@code workers} (1 or 2), {@code perWorker} rows
   * each when 2; {@code rows} is every row of {@code all} in the workload's columns.
   */
  public static Batch of(
      Workload workload,
      RowChunk rows,
      DataType dtype,
      List<Example> all,
      int perWorker,
      int t,
      int worker,
      int workers) {
    int n = perWorker * (2 / workers);
    int[] pos = new int[n];
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      pos[i] = (t * 2 * perWorker + worker * n + i) % all.size();
      ids[i] = all.get(pos[i]).id();
    }
    return new Batch(workload.encode(rows.gather(pos), dtype), ids);
  }
}
