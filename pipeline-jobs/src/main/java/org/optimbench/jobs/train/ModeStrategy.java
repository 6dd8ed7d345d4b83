package org.optimbench.jobs.train;

import java.util.List;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.conf.Mode;
import org.optimbench.optim.EmbeddingTable;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.Reducer;

/**
 * How the workers of one run stay consistent: one implementation per {@link Mode}, and the only
 * place a training step makes collective calls. {@link WorkerLoop} asks it to turn this worker's
 * gradient into the one the optimizer steps with and to finish a step (an averaging round); {@link
 * TrainingLoop} asks it where the workers agree on the loss, and to wait for each other while rank
 * 0 commits a checkpoint. Adding a mode is adding an implementation here.
 */
abstract class ModeStrategy {
  /**
   * What the workers agree on after a step: its loss and the examples taken since they last did.
   */
  record Agreement(double loss, long examples, Optional<String> nonFinite) {}

  protected final AllReduce comm;

  ModeStrategy(AllReduce comm) {
    this.comm = comm;
  }

  /**
   * The strategy of {@code mode}; {@code tables} are the model's embedding tables, which gradient
   * sharing sums as sparse rows when {@code sparseEmbeddings}.
   */
  static ModeStrategy of(
      Mode mode,
      AllReduce comm,
      int averagingFrequency,
      List<EmbeddingTable> tables,
      long parameters,
      boolean sparseEmbeddings) {
    if (averagingFrequency <= 0) {
      throw new IllegalArgumentException("averaging_frequency must be > 0");
    }
    return switch (mode) {
      case SINGLE -> new SingleProcess(comm);
      case GRADIENT_SHARING -> new GradientSharing(comm, tables, parameters, sparseEmbeddings);
      case PARAM_AVERAGING -> new ParameterAveraging(comm, averagingFrequency);
      case DL4J_AVERAGING ->
          throw new IllegalArgumentException(
              "dl4j_averaging is trained by DL4J's Spark master (Dl4jAveraging), not by workers");
    };
  }

  AllReduce comm() {
    return comm;
  }

  /**
   * Whether the optimizer's step sees the global batch's gradient (every worker the same); by
   * default each worker steps on its own.
   */
  boolean sharesGradients() {
    return false;
  }

  /**
   * The gradient the optimizer steps with: its batch's loss and example count, and for each
   * embedding table the rows at which it may be non-zero (null where unknown, a null array where no
   * table's are known; {@link org.optimbench.optim.StepContext#tableRows}).
   */
  record Gradient(double loss, long examples, int[][] rows) {}

  /**
   * Turns {@code grads}, this worker's mean gradient over {@code examples} whose tables may be
   * non-zero at {@code rows}, in place into the gradient the optimizer steps with; by default this
   * worker's own.
   */
  Gradient gradient(INDArray grads, double loss, long examples, int[][] rows) {
    return new Gradient(loss, examples, rows);
  }

  /** The reducer of per-example statistics (the batch's, global where gradients are shared). */
  Reducer batchReducer() {
    return Reducer.LOCAL;
  }

  /** After the optimizer's step {@code t}: the mode's own work (an averaging round). */
  void afterStep(long t, ModelView view, OptimizerState state, Optimizer optimizer) {}

  /**
   * What the workers agree on after step {@code t} (its {@link StepResult}), or empty where they
   * step on without agreeing. {@code mustAgree}: the step is logged, evaluated or checkpointed, so
   * every worker must know its loss.
   */
  abstract Optional<Agreement> agree(long t, StepResult r, boolean mustAgree);

  /**
   * Returns once every worker has called it (rank 0 committed a checkpoint), waiting up to {@code
   * timeoutMillis}; a timeout names {@code waitingFor}.
   */
  void barrier(String waitingFor, long timeoutMillis) {
    comm.barrier(waitingFor, timeoutMillis);
  }
}
