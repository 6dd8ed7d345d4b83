package org.optimbench.jobs.train;

import org.optimbench.jobs.workload.EncodedRows;

/**
 * One worker's data as the training loop draws it: its part of step t's batch, a validation batch
 * for methods that ask for validation gradients, and its validation rows for evaluations. Batches
 * are a pure function of the step, so a resumed run draws exactly the batches an uninterrupted run
 * would.
 */
interface WorkerData {
  /** This worker's part of step {@code t}'s batch ({@code batchSize} rows). */
  Batch batchAt(long t, int batchSize);

  /** A validation batch for step {@code t} (hypergradient methods). */
  Batch validBatchAt(long t, int batchSize);

  /** This worker's validation rows, for the workload's evaluation. */
  EncodedRows valid();
}
