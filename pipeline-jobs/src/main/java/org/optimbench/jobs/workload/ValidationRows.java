package org.optimbench.jobs.workload;

import java.util.function.Consumer;
import org.optimbench.jobs.data.RowChunk;

/**
 * One worker's validation rows for an evaluation, read chunk by chunk (each of at most the
 * workload's {@link Workload#evaluationChunkRows}), so an evaluation never holds a split whole.
 * Each call of {@link #forEach} is a new pass over the same rows in the same order.
 */
public interface ValidationRows {
  /** Passes every row, in chunks, to {@code each}, in order. */
  void forEach(Consumer<RowChunk> each);

  /** Rows held in memory (tests, benchmarks), passed in chunks of {@code chunkRows}. */
  static ValidationRows of(RowChunk rows, int chunkRows) {
    return each -> {
      for (int from = 0; from < rows.size(); from += chunkRows) {
        int to = Math.min(rows.size(), from + chunkRows);
        each.accept(from == 0 && to == rows.size() ? rows : rows.slice(from, to));
      }
    };
  }
}
