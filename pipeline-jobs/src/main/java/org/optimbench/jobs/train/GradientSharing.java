package org.optimbench.jobs.train;

import java.util.List;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.collective.RowSparseSum;
import org.optimbench.optim.EmbeddingTable;
import org.optimbench.optim.Reducer;

/**
 * {@code mode: gradient_sharing}: every step, each worker's mean gradient and loss, weighted by its
 * batch size, are summed across workers in one all-reduce and divided by the global batch size, so
 * every worker holds the global batch's mean gradient and loss and applies the same optimizer step
 * (MoMo needs the global loss: its reference does not average it, and its replicas drift).
 * Parameters are replicated, so the optimizer's parameter reducer stays local (reducing sums every
 * worker already holds in full would multiply them by the world size), while per-example statistics
 * go through the batch reducer, the all-reduce. Hessian-vector products and validation gradients
 * are global too: {@link WorkerLoop} passes their gradients through {@link #gradient}. Embedding
 * tables travel as their non-zero rows ({@link RowSparseSum}) unless the run asks for dense sums.
 */
final class GradientSharing extends ModeStrategy {
  /** The sparse-row sum when the model has embedding tables and the run allows it, else null. */
  private final RowSparseSum rowSparse;

  GradientSharing(
      AllReduce comm, List<EmbeddingTable> tables, long parameters, boolean sparseEmbeddings) {
    super(comm);
    this.rowSparse =
        sparseEmbeddings && !tables.isEmpty() && comm.size() > 1
            ? new RowSparseSum(comm, tables, parameters)
            : null;
  }

  /** What the last sparse-row sum did, or empty when embedding tables are summed dense. */
  Optional<RowSparseSum.LastCall> lastSparseSum() {
    return rowSparse == null ? Optional.empty() : Optional.of(rowSparse.lastCall());
  }

  @Override
  boolean sharesGradients() {
    return true;
  }

  /**
   * The rows this worker's tables may be non-zero at let the sparse sum skip its scan of the
   * tables; afterwards the tables may be non-zero at the rows any worker sent, which the sparse sum
   * reports, and anywhere after a dense sum.
   */
  @Override
  Gradient gradient(INDArray grads, double loss, long examples, int[][] rows) {
    double[] scalars = {loss * examples, examples};
    if (rowSparse != null) {
      double[] s = rowSparse.meanInPlace(grads, scalars, 1, rows);
      return new Gradient(s[0] / s[1], (long) s[1], rowSparse.lastRows());
    }
    double[] s = comm.meanInPlace(grads, scalars, 1);
    return new Gradient(s[0] / s[1], (long) s[1], null);
  }

  @Override
  Reducer batchReducer() {
    return comm.reducer();
  }

  /** The step already reduced the loss and the example count: the workers agree every step. */
  @Override
  Optional<Agreement> agree(long t, StepResult r, boolean mustAgree) {
    return Optional.of(new Agreement(r.loss(), r.examples(), Optional.empty()));
  }
}
