package org.optimbench.jobs.train;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.collective.RowSparseSum;
import org.optimbench.jobs.model.EmbeddingTable;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.optim.Diagnostics;
import org.optimbench.optim.ExampleStore;
import org.optimbench.optim.FiniteDifferenceHvp;
import org.optimbench.optim.GradientOracle;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.Optimizers;
import org.optimbench.optim.Reducer;
import org.optimbench.optim.Reductions;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.schedule.Schedule;

/**
 * One data-parallel worker's training step, the same code in every mode. The worker owns a full
 * replica of the network, its optimizer state and the example store of its data partition.
 *
 * <ul>
 *   <li>{@link Mode#GRADIENT_SHARING}: the local mean gradient and loss are weighted by the local
 *       batch size and summed across workers in one all-reduce, then divided by the global batch
 *       size, so every worker holds the global batch's mean gradient and loss (MoMo needs the
 *       global loss: the reference does not average it and its replicas drift). Parameters are
 *       replicated, so the optimizer's parameter reducer is local (reducing sums every worker
 *       already holds in full would multiply them by the world size); per-example statistics go
 *       through the batch reducer, which is the all-reduce. Hessian-vector products and validation
 *       gradients are global too: each product is a forward difference against the step's
 *       all-reduced gradient. Embedding tables travel as their non-zero rows ({@link RowSparseSum})
 *       unless the run asks for dense sums.
 *   <li>{@link Mode#PARAM_AVERAGING}: local steps on local data with local state; after every
 *       {@code averagingFrequency} steps, {@link StateMerge} averages parameters and state and the
 *       optimizer reconciles.
 *   <li>{@link Mode#SINGLE}: one worker, {@link AllReduce#single()}.
 * </ul>
 */
public final class WorkerLoop {
  private final NetworkModel model;
  private final Optimizer optimizer;
  private final OptimizerState state;
  private final Schedule schedule;
  private final AllReduce comm;
  private final ExampleStore store;
  private final Mode mode;
  private final int averagingFrequency;

  /**
   * Gradient sharing's sum when the model has embedding tables and the run allows it, else null
   * (dense).
   */
  private final RowSparseSum rowSparse;

  /** A worker whose gradient sharing sends embedding tables as sparse rows (the default). */
  public WorkerLoop(
      NetworkModel model,
      Optimizer optimizer,
      OptimizerState state,
      Schedule schedule,
      AllReduce comm,
      ExampleStore store,
      Mode mode,
      int averagingFrequency) {
    this(model, optimizer, state, schedule, comm, store, mode, averagingFrequency, true);
  }

  /**
   * {@code sparseEmbeddings}: in gradient sharing, sum the model's embedding tables as sparse rows
   * ({@link RowSparseSum}) instead of dense.
   */
  public WorkerLoop(
      NetworkModel model,
      Optimizer optimizer,
      OptimizerState state,
      Schedule schedule,
      AllReduce comm,
      ExampleStore store,
      Mode mode,
      int averagingFrequency,
      boolean sparseEmbeddings) {
    if (mode == Mode.SINGLE && comm.size() != 1)
      throw new IllegalArgumentException(
          "mode single needs exactly one worker, got " + comm.size());
    if (averagingFrequency <= 0)
      throw new IllegalArgumentException("averaging_frequency must be > 0");
    this.model = model;
    this.optimizer = optimizer;
    this.state = state == null ? optimizer.init(model.view()) : state;
    this.schedule = schedule;
    this.comm = comm;
    this.store = store;
    this.mode = mode;
    this.averagingFrequency = averagingFrequency;
    List<EmbeddingTable> tables = model.embeddingTables();
    this.rowSparse =
        mode == Mode.GRADIENT_SHARING && sparseEmbeddings && !tables.isEmpty() && comm.size() > 1
            ? new RowSparseSum(comm, tables, model.view().params().length())
            : null;
  }

  /** What gradient sharing's last sum did, or empty when it always sums dense. */
  public Optional<RowSparseSum.LastCall> lastSparseSum() {
    return rowSparse == null ? Optional.empty() : Optional.of(rowSparse.lastCall());
  }

  public OptimizerState state() {
    return state;
  }

  public NetworkModel model() {
    return model;
  }

  /**
   * Runs step {@code t} on this worker's part of the batch. {@code validation}, when not null,
   * supplies this worker's part of a validation batch for methods that ask for a validation
   * gradient. The step owns both batches: it frees their native memory ({@link Batch#close}) before
   * it returns, so callers pass a fresh batch each step.
   */
  public StepResult step(long t, Batch local, Supplier<Batch> validation) {
    LazyValidation lazy = validation != null ? new LazyValidation(validation) : null;
    try (local) {
      return run(t, local, lazy);
    } finally {
      if (lazy != null && lazy.batch != null) lazy.batch.close();
    }
  }

  private StepResult run(long t, Batch local, LazyValidation validation) {
    boolean shared = mode == Mode.GRADIENT_SHARING;
    double loss = model.lossAndGradient(local.data());
    long examples = local.size();
    INDArray grads = model.view().grads();
    if (shared) {
      double[] s = globalMean(grads, loss, local.size());
      loss = s[0];
      examples = (long) s[1];
    }
    Reducer batchReducer = shared ? comm.reducer() : Reducer.LOCAL;
    Diagnostics diag = new Diagnostics();
    double factor = schedule.factor(t);
    StepContext.Builder ctx =
        StepContext.builder()
            .step(t)
            .lrScale(factor)
            .loss(loss)
            .exampleIds(local.ids())
            .exampleStore(store)
            .reducer(Reducer.LOCAL)
            .batchReducer(batchReducer)
            .diagnostics(diag)
            // Forward differences around the step's own (global) gradient: the gradient view holds
            // it for
            // the whole step (optimizers never write it, gradientAt restores it), so one extra
            // gradient
            // evaluation per product. The point is the live parameters, not a copy: StepContext's
            // contract is that products are asked for before the step writes them, and a copy of
            // every step's parameters cost 1.3-2.3 ms per step at DLRM's 4.2M parameters (11 ms
            // with
            // two workers in one executor and MALLOC_ARENA_MAX=2, where glibc returned the freed 17
            // MB
            // and the next step faulted it in again).
            .hvp(
                FiniteDifferenceHvp.forward(
                    p -> gradientAt(p, local), model.view().params(), grads));
    if (validation != null) ctx.validationGradient(validation);
    Optimizers.step(optimizer, model.view(), state, ctx.build());
    if (mode == Mode.PARAM_AVERAGING && (t + 1) % averagingFrequency == 0) {
      StateMerge.average(comm, model.view().params(), state);
      optimizer.reconcile(model.view(), state);
    }
    return new StepResult(t, loss, examples, factor, Map.copyOf(diag.values()));
  }

  /**
   * The L2 norm of the gradient the last step's optimizer saw (the global batch's in gradient
   * sharing, this worker's in parameter averaging). Valid until the next step: the gradient view
   * holds it until then (optimizers never write it). Computed on demand because only logged steps
   * need it: a pass over the parameters every step was 1.8 ms of DLRM's 4.2M.
   */
  public double gradNorm() {
    INDArray grads = model.view().grads();
    return Reductions.norm2(grads);
  }

  /**
   * Turns the local mean gradient (in place) and loss into the global batch's; returns {loss,
   * examples}.
   */
  private double[] globalMean(INDArray grads, double localLoss, long localCount) {
    double[] scalars = {localLoss * localCount, localCount};
    double[] s =
        rowSparse != null
            ? rowSparse.meanInPlace(grads, scalars, 1)
            : comm.meanInPlace(grads, scalars, 1);
    return new double[] {s[0] / s[1], s[1]};
  }

  /**
   * The (global, in gradient sharing) mean gradient of {@code batch} at {@code params}; the model
   * is restored afterwards.
   */
  private INDArray gradientAt(INDArray params, Batch batch) {
    INDArray g = model.gradientAt(params, batch.data());
    if (mode == Mode.GRADIENT_SHARING) globalMean(g, 0.0, batch.size());
    return g;
  }

  /**
   * Draws the validation batch once per step, on first use, so every worker calls the oracle alike.
   */
  private final class LazyValidation implements GradientOracle {
    private final Supplier<Batch> source;
    private Batch batch;

    LazyValidation(Supplier<Batch> source) {
      this.source = source;
    }

    @Override
    public INDArray gradientAt(INDArray params) {
      if (batch == null) batch = source.get();
      return WorkerLoop.this.gradientAt(params, batch);
    }
  }
}
