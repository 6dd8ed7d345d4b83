package org.optimbench.jobs.train;

import org.optimbench.jobs.workload.ValidationRows;

/**
 * One worker's data as the training loop draws it: its batches, a validation batch for methods that
 * ask for validation gradients, and its validation rows for evaluations. Batches are a pure
 * function of their index, so a resumed run draws exactly the batches an uninterrupted run would.
 */
interface WorkerData extends AutoCloseable {
  /**
   * This worker's batch number {@code index} of {@code batchSize} rows: its rows {@code [index *
   * batchSize, (index + 1) * batchSize)} of its stream. Step t with k accumulated micro-batches
   * takes batches {@code t k} to {@code t k + k - 1}.
   */
  Batch batchAt(long index, int batchSize);

  /** A validation batch for step {@code t} (hypergradient methods). */
  Batch validBatchAt(long t, int batchSize);

  /** This worker's validation rows, for the workload's evaluation. */
  ValidationRows valid();

  @Override
  void close();
}
