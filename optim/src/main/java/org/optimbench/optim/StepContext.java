package org.optimbench.optim;

import java.util.Objects;

/**
 * Everything about one training step that is not the model itself.
 *
 * <ul>
 *   <li>{@code step}: the trainer's 0-based step index (what schedules are evaluated at);
 *   <li>{@code lrScale}: the schedule's factor for this step, multiplied into the optimizer's own
 *       {@code lr} exactly as PyTorch's {@code LambdaLR} multiplies a group's base lr;
 *   <li>optional inputs that only some methods need: the batch loss (MoMo, Polyak steps), the
 *       batch's stable example ids and a per-example store (per-example state), a
 *       Hessian-vector-product oracle and a validation gradient oracle (hypergradient methods). A
 *       method that needs a missing one fails fast; Hessian-vector products are at the parameters
 *       the step started from, so a method asks for them before it first writes {@code
 *       model.params()} (a trainer may evaluate them at the live parameters rather than keep a copy
 *       of every step's starting point);
 *   <li>the {@link Reducer} for global scalars and the {@link Diagnostics} sink;
 *   <li>optionally, for a model with embedding tables, the rows at which the gradient's tables may
 *       be non-zero, from whoever computed the gradient ({@link #tableRows}), so that a row-sparse
 *       method need not scan whole tables to find them.
 * </ul>
 *
 * Immutable apart from the diagnostics sink; wrappers derive contexts with {@link
 * #withDiagnostics}.
 */
public final class StepContext {
  private final long step;
  private final double lrScale;
  private final Double loss;
  private final long[] exampleIds;
  private final HessianVectorOracle hvp;
  private final GradientOracle validationGradient;
  private final ExampleStore exampleStore;
  private final Reducer reducer;
  private final Reducer batchReducer;
  private final Diagnostics diagnostics;
  private final Object tableRowsOf;
  private final int[][] tableRows;

  private StepContext(Builder b) {
    if (b.step < 0) throw new IllegalArgumentException("step must be >= 0, got " + b.step);
    if (!(b.lrScale >= 0) || Double.isInfinite(b.lrScale)) {
      throw new IllegalArgumentException("lrScale must be finite and >= 0, got " + b.lrScale);
    }
    this.step = b.step;
    this.lrScale = b.lrScale;
    this.loss = b.loss;
    this.exampleIds = b.exampleIds;
    this.hvp = b.hvp;
    this.validationGradient = b.validationGradient;
    this.exampleStore = b.exampleStore;
    this.reducer = Objects.requireNonNull(b.reducer, "reducer");
    this.batchReducer = Objects.requireNonNull(b.batchReducer, "batchReducer");
    this.diagnostics = Objects.requireNonNull(b.diagnostics, "diagnostics");
    this.tableRowsOf = b.tableRowsOf;
    this.tableRows = b.tableRows;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A plain context: step {@code step}, schedule factor 1, local reducer. */
  public static StepContext of(long step) {
    return builder().step(step).build();
  }

  public long step() {
    return step;
  }

  public double lrScale() {
    return lrScale;
  }

  public boolean hasLoss() {
    return loss != null;
  }

  /**
   * The batch loss; fails with a message naming {@code who} when the trainer did not provide it.
   */
  public double requireLoss(String who) {
    if (loss == null)
      throw new IllegalStateException(who + " needs the batch loss, but the step context has none");
    return loss;
  }

  public long[] requireExampleIds(String who) {
    if (exampleIds == null)
      throw new IllegalStateException(
          who + " needs the batch's example ids, but the step context has none");
    return exampleIds;
  }

  /** Whether the trainer provides Hessian-vector products (wrappers that re-map them ask). */
  public boolean hasHvp() {
    return hvp != null;
  }

  /** Whether the trainer provides a validation gradient. */
  public boolean hasValidationGradient() {
    return validationGradient != null;
  }

  public HessianVectorOracle requireHvp(String who) {
    if (hvp == null)
      throw new IllegalStateException(
          who + " needs Hessian-vector products, but the step context has no oracle");
    return hvp;
  }

  public GradientOracle requireValidationGradient(String who) {
    if (validationGradient == null)
      throw new IllegalStateException(
          who + " needs a validation gradient, but the step context has none");
    return validationGradient;
  }

  public ExampleStore requireExampleStore(String who) {
    if (exampleStore == null)
      throw new IllegalStateException(
          who + " needs a per-example store, but the step context has none");
    return exampleStore;
  }

  public Reducer reducer() {
    return reducer;
  }

  /**
   * Sums per-example statistics across the workers that each hold part of this step's batch (data
   * parallelism), as opposed to {@link #reducer()}, which sums over parameter shards. A method with
   * per-example state (the batch's example ids, the example store) reads and writes only its local
   * examples and combines batch-level sums here. {@link Reducer#LOCAL} in a single process.
   */
  public Reducer batchReducer() {
    return batchReducer;
  }

  public Diagnostics diagnostics() {
    return diagnostics;
  }

  /**
   * The same context writing its diagnostics to {@code d} (wrappers pass prefixed sinks to inner
   * optimizers).
   */
  public StepContext withDiagnostics(Diagnostics d) {
    return toBuilder().diagnostics(d).build();
  }

  /** The same context with another schedule factor. */
  public StepContext withLrScale(double scale) {
    return toBuilder().lrScale(scale).build();
  }

  /**
   * For each of {@code model}'s embedding tables ({@link ModelView#tables()}, in that order), the
   * rows at which its gradient may be non-zero (ascending and distinct; a superset of the non-zero
   * rows), or null for a table whose rows are not known; null when the trainer gave none. The rows
   * describe one gradient array, the one they were given with: a view whose {@code grads()} is
   * another array (a wrapper that transformed the gradient) gets null, and must find the rows
   * itself.
   */
  public int[][] tableRows(ModelView model) {
    if (tableRows == null
        || model.grads() != tableRowsOf
        || tableRows.length != model.tables().size()) return null;
    return tableRows;
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.step = step;
    b.lrScale = lrScale;
    b.loss = loss;
    b.exampleIds = exampleIds;
    b.hvp = hvp;
    b.validationGradient = validationGradient;
    b.exampleStore = exampleStore;
    b.reducer = reducer;
    b.batchReducer = batchReducer;
    b.diagnostics = diagnostics;
    b.tableRowsOf = tableRowsOf;
    b.tableRows = tableRows;
    return b;
  }

  public static final class Builder {
    private long step;
    private double lrScale = 1.0;
    private Double loss;
    private long[] exampleIds;
    private HessianVectorOracle hvp;
    private GradientOracle validationGradient;
    private ExampleStore exampleStore;
    private Reducer reducer = Reducer.LOCAL;
    private Reducer batchReducer = Reducer.LOCAL;
    private Diagnostics diagnostics = new Diagnostics();
    private Object tableRowsOf;
    private int[][] tableRows;

    public Builder step(long v) {
      step = v;
      return this;
    }

    public Builder lrScale(double v) {
      lrScale = v;
      return this;
    }

    public Builder loss(double v) {
      loss = v;
      return this;
    }

    public Builder exampleIds(long[] v) {
      exampleIds = v;
      return this;
    }

    public Builder hvp(HessianVectorOracle v) {
      hvp = v;
      return this;
    }

    public Builder validationGradient(GradientOracle v) {
      validationGradient = v;
      return this;
    }

    public Builder exampleStore(ExampleStore v) {
      exampleStore = v;
      return this;
    }

    public Builder reducer(Reducer v) {
      reducer = v;
      return this;
    }

    public Builder batchReducer(Reducer v) {
      batchReducer = v;
      return this;
    }

    public Builder diagnostics(Diagnostics v) {
      diagnostics = v;
      return this;
    }

    /**
     * The rows of each embedding table at which {@code grads} (the model view's gradient array
     * itself) may be non-zero: see {@link StepContext#tableRows}. Null rows clear it.
     */
    public Builder tableRows(Object grads, int[][] rows) {
      tableRowsOf = rows == null ? null : Objects.requireNonNull(grads, "grads");
      tableRows = rows;
      return this;
    }

    public StepContext build() {
      return new StepContext(this);
    }
  }
}
