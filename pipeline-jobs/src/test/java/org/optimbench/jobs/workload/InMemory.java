package org.optimbench.jobs.workload;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.optimbench.jobs.data.RowChunk;

/** Test rows built in memory, in the columns a workload reads, encoded or as validation rows. */
public final class InMemory {
  private InMemory() {}

  /** {@code rows} in {@code w}'s columns. */
  public static RowChunk chunk(Workload w, List<Example> rows) {
    return Examples.chunk(rows, w.schema());
  }

  /** The network inputs of {@code rows}. */
  public static MultiDataSet encode(Workload w, List<Example> rows, DataType dtype) {
    return w.encode(chunk(w, rows), dtype);
  }

  /** The network inputs of the rows at {@code positions} of {@code rows}, in that order. */
  public static MultiDataSet encode(
      Workload w, List<Example> rows, int[] positions, DataType dtype) {
    return w.encode(chunk(w, rows).gather(positions), dtype);
  }

  /** Every row of one split of a prepared dataset, read with the workload's columns. */
  public static RowChunk read(Workload w, java.nio.file.Path dataset, String split) {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    org.optimbench.jobs.data.SplitIndex index =
        org.optimbench.jobs.data.SplitIndex.load(dataset.toString(), split, conf);
    List<RowChunk> parts = new java.util.ArrayList<>();
    try (org.optimbench.jobs.data.ValidationReader.Pass pass =
        new org.optimbench.jobs.data.ValidationReader(index, w.schema(), 0, 1, 1 << 16, null, conf)
            .open()) {
      pass.forEachRemaining(parts::add);
    }
    return parts.isEmpty() ? RowChunk.empty(w.schema()) : RowChunk.concat(w.schema(), parts);
  }

  /** The rows of {@code rows} whose id passes {@code keep}. */
  public static RowChunk filter(RowChunk rows, java.util.function.LongPredicate keep) {
    int[] kept =
        java.util.stream.IntStream.range(0, rows.size())
            .filter(i -> keep.test(rows.id(i)))
            .toArray();
    return rows.gather(kept);
  }

  /** {@code rows} as one worker's validation rows, in the workload's evaluation chunks. */
  public static ValidationRows valid(Workload w, List<Example> rows) {
    return ValidationRows.of(chunk(w, rows), w.evaluationChunkRows());
  }
}
