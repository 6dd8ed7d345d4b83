package org.optimbench.jobs.train;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.collective.RowSparseSum;
import org.optimbench.jobs.conf.Mode;
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
 * One data-parallel worker's training step, the same code in every mode: the loss and gradient of
 * this worker's batch, turned by the run's {@link ModeStrategy} into the gradient the optimizer
 * steps with, the optimizer's step with its context (step, schedule factor, loss, example ids and
 * store, reducers, Hessian-vector and validation-gradient oracles), and the strategy's end of step.
 * The worker owns a full replica of the network, its optimizer state and the example store of its
 * data.
 */
public final class WorkerLoop {
  private final NetworkModel model;
  private final Optimizer optimizer;
  private final OptimizerState state;
  private final Schedule schedule;
  private final ExampleStore store;
  private final ModeStrategy strategy;

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
    this(
        model,
        optimizer,
        state,
        schedule,
        store,
        ModeStrategy.of(
            mode,
            comm,
            averagingFrequency,
            model.embeddingTables(),
            model.view().params().length(),
            sparseEmbeddings));
  }

  WorkerLoop(
      NetworkModel model,
      Optimizer optimizer,
      OptimizerState state,
      Schedule schedule,
      ExampleStore store,
      ModeStrategy strategy) {
    this.model = model;
    this.optimizer = optimizer;
    this.state = state == null ? optimizer.init(model.view()) : state;
    this.schedule = schedule;
    this.store = store;
    this.strategy = strategy;
  }

  /** What gradient sharing's last sum did, or empty when it always sums dense. */
  public Optional<RowSparseSum.LastCall> lastSparseSum() {
    return strategy instanceof GradientSharing g ? g.lastSparseSum() : Optional.empty();
  }

  public OptimizerState state() {
    return state;
  }

  public NetworkModel model() {
    return model;
  }

  ModeStrategy strategy() {
    return strategy;
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
    INDArray grads = model.view().grads();
    double[] s = strategy.gradient(grads, model.lossAndGradient(local.data()), local.size());
    double loss = s[0];
    long examples = (long) s[1];
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
            .batchReducer(strategy.batchReducer())
            .diagnostics(diag)
            // Forward differences around the step's own gradient: the gradient view holds it for
            // the whole step (optimizers never write it, gradientAt restores it), so one extra
            // gradient evaluation per product. The point is the live parameters, not a copy:
            // StepContext's contract is that products are asked for before the step writes them,
            // and a per-step copy of every parameter is a cost the large models feel
            // (BENCHMARKS.md, "Training throughput").
            .hvp(
                FiniteDifferenceHvp.forward(
                    p -> gradientAt(p, local), model.view().params(), grads));
    if (validation != null) ctx.validationGradient(validation);
    Optimizers.step(optimizer, model.view(), state, ctx.build());
    strategy.afterStep(t, model.view(), state, optimizer);
    return new StepResult(t, loss, examples, factor, Map.copyOf(diag.values()));
  }

  /**
   * The L2 norm of the gradient the last step's optimizer saw (the global batch's in gradient
   * sharing, this worker's otherwise). Valid until the next step: the gradient view holds it until
   * then (optimizers never write it). Computed on demand because only logged steps need it.
   */
  public double gradNorm() {
    return Reductions.norm2(model.view().grads());
  }

  /**
   * The mean gradient of {@code batch} at {@code params} as the optimizer sees gradients (global
   * where the mode shares them); the model is restored afterwards.
   */
  private INDArray gradientAt(INDArray params, Batch batch) {
    INDArray g = model.gradientAt(params, batch.data());
    if (strategy.sharesGradients()) strategy.gradient(g, 0.0, batch.size());
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
