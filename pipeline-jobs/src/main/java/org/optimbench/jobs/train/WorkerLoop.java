package org.optimbench.jobs.train;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.collective.RowSparseSum;
import org.optimbench.jobs.conf.Mode;
import org.optimbench.jobs.model.NativeMemory;
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

  /** The sum of micro-batch gradients while a step accumulates them (allocated on first use). */
  private INDArray accumulator;

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
    return step(t, List.of(local), validation);
  }

  /**
   * Runs step {@code t} on this worker's micro-batches: their gradients and losses are combined
   * into those of their union (the mean over all their examples, weighted by size) before the mode
   * and the optimizer see them, and the step's example ids are all of theirs, so the optimizer
   * steps as on one batch of all of them (to rounding). The step frees every micro-batch.
   */
  public StepResult step(long t, List<Batch> micro, Supplier<Batch> validation) {
    LazyValidation lazy = validation != null ? new LazyValidation(validation) : null;
    try {
      return run(t, micro, lazy);
    } finally {
      for (Batch b : micro) b.close();
      if (lazy != null && lazy.batch != null) lazy.batch.close();
    }
  }

  private StepResult run(long t, List<Batch> micro, LazyValidation validation) {
    NativeMemory.check();
    INDArray grads = model.view().grads();
    double[] local = micro.size() == 1 ? single(micro.get(0)) : accumulated(micro);
    ModeStrategy.Gradient shared =
        strategy.gradient(grads, local[0], (long) local[1], model.gradientRows());
    model.gradientWritten(shared.rows());
    double loss = shared.loss();
    long examples = shared.examples();
    Diagnostics diag = new Diagnostics();
    double factor = schedule.factor(t);
    StepContext.Builder ctx =
        StepContext.builder()
            .step(t)
            .lrScale(factor)
            .loss(loss)
            .exampleIds(ids(micro))
            .exampleStore(store)
            .reducer(Reducer.LOCAL)
            .batchReducer(strategy.batchReducer())
            .diagnostics(diag)
            .tableRows(grads, shared.rows())
            // Forward differences around the step's own gradient: the gradient view holds it for
            // the whole step (optimizers never write it, gradientAt restores it), so one extra
            // gradient evaluation per product. The point is the live parameters, not a copy:
            // StepContext's contract is that products are asked for before the step writes them,
            // and a per-step copy of every parameter is a cost the large models feel
            // (BENCHMARKS.md, "Training throughput").
            .hvp(
                FiniteDifferenceHvp.forward(
                    p -> gradientAt(p, micro), model.view().params(), grads));
    if (validation != null) ctx.validationGradient(validation);
    Optimizers.step(optimizer, model.view(), state, ctx.build());
    strategy.afterStep(t, model.view(), state, optimizer);
    return new StepResult(t, loss, examples, factor, Map.copyOf(diag.values()));
  }

  /** {loss, examples} of one batch; its mean gradient is left in the gradient view. */
  private double[] single(Batch b) {
    return new double[] {model.lossAndGradient(b.data()), b.size()};
  }

  /**
   * {loss, examples} of the micro-batches' union; the union's mean gradient (the micro-batches'
   * means weighted by their sizes) is left in the gradient view.
   */
  private double[] accumulated(List<Batch> micro) {
    INDArray grads = model.view().grads();
    if (accumulator == null) accumulator = grads.ulike();
    double lossSum = 0;
    long n = 0;
    for (int j = 0; j < micro.size(); j++) {
      Batch b = micro.get(j);
      lossSum += model.lossAndGradient(b.data()) * b.size();
      n += b.size();
      grads.muli(b.size());
      if (j == 0) accumulator.assign(grads);
      else accumulator.addi(grads);
    }
    grads.assign(accumulator).divi(n);
    model.gradientWritten(null); // the union of the micro-batches' rows
    return new double[] {lossSum / n, n};
  }

  private static long[] ids(List<Batch> micro) {
    if (micro.size() == 1) return micro.get(0).ids();
    int n = 0;
    for (Batch b : micro) n += b.size();
    long[] ids = new long[n];
    int at = 0;
    for (Batch b : micro) {
      System.arraycopy(b.ids(), 0, ids, at, b.size());
      at += b.size();
    }
    return ids;
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
   * The mean gradient of {@code batches}' union at {@code params} as the optimizer sees gradients
   * (global where the mode shares them); the model is restored afterwards.
   */
  private INDArray gradientAt(INDArray params, List<Batch> batches) {
    INDArray g = null;
    long n = 0;
    if (batches.size() == 1) {
      g = model.gradientAt(params, batches.get(0).data());
      n = batches.get(0).size();
    } else {
      for (Batch b : batches) {
        INDArray gj = model.gradientAt(params, b.data()).muli(b.size());
        if (g == null) {
          g = gj;
        } else {
          g.addi(gj);
          gj.close();
        }
        n += b.size();
      }
      g.divi(n);
    }
    if (strategy.sharesGradients()) strategy.gradient(g, 0.0, n, null);
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
      return WorkerLoop.this.gradientAt(params, List.of(batch));
    }
  }
}
