package org.optimbench.optim.sparse;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.optimbench.optim.Combine;
import org.optimbench.optim.Diagnostics;
import org.optimbench.optim.EmbeddingTable;
import org.optimbench.optim.GradientOracle;
import org.optimbench.optim.HessianVectorOracle;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.ParamLayout;
import org.optimbench.optim.Segment;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.spec.Hparams;
import org.optimbench.optim.spec.SpecException;

/**
 * Row-sparse updates of a model's embedding tables beside a base optimizer for everything else:
 * what PyTorch's DLRM and TorchRec do (sparse embedding gradients with {@code SGD}, {@code
 * SparseAdam} or a fused row-wise AdaGrad, a dense optimizer for the MLPs). Each step:
 *
 * <ul>
 *   <li>the base optimizer steps on the parameters outside the tables, seen as one compact model
 *       (the other segments, gathered into a vector of their own; Hessian-vector products and
 *       validation gradients are mapped to it with zero table entries); its global sums are over
 *       those parameters only;
 *   <li>in each table, the rows whose gradient is non-zero are updated by the {@link TableMethod}
 *       ({@code sgd}, {@code rowwise_adagrad} or {@code lazy_adam}); the other rows and their state
 *       do not change. The rows are found among the context's {@link StepContext#tableRows} where
 *       the trainer gives them (the rows the batch looked up), else by scanning the table.
 * </ul>
 *
 * <p>This is a different algorithm from running the base optimizer on every parameter (the dense
 * default): lazy Adam leaves the moments of untouched rows alone where dense Adam decays them and
 * keeps moving those rows. Runs with it are therefore outside the golden-trace claims, which are
 * about the dense methods; {@code sgd} and {@code rowwise_adagrad} match their dense forms, since a
 * zero gradient moves neither.
 *
 * <p>Spec: {@code {name: row_sparse, hparams: {base: {...}, tables: {name: lazy_adam, hparams: {lr:
 * 0.001}}}}}. The tables are the model view's ({@link ModelView#tables()}); a model without tables
 * is refused at {@link #init}. State: the base's as child {@code "base"}, the step count {@code
 * "step"} (SAME), and per table the method's arrays (MEAN). Diagnostics: {@code rows_updated}
 * (touched rows over all tables), {@code tables_lr} (the tables' scheduled rate), the base's under
 * {@code base.}, and {@code lr}, the base's rate where it reports one. Float32 and float64 on
 * ND4J's CPU backend.
 */
public record RowSparse(Optimizer base, TableMethod tables) implements Optimizer {
  public RowSparse {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(tables, "tables");
  }

  static RowSparse from(Hparams hp) {
    Optimizer base = hp.optimizer("base");
    if (!hp.has("tables"))
      throw new SpecException(
          hp.field("tables"),
          "missing (how the embedding tables' rows are updated: {name: sgd | rowwise_adagrad |"
              + " lazy_adam, hparams: {lr: ...}})");
    return new RowSparse(base, TableMethod.from(hp.spec("tables"), hp.field("tables")));
  }

  @Override
  public String name() {
    return "row_sparse";
  }

  @Override
  public OptimizerState init(ModelView model) {
    List<EmbeddingTable> ts = model.tables();
    if (ts.isEmpty())
      throw new IllegalArgumentException(
          "row_sparse: the model has no embedding tables (segments "
              + model.layout().segments().stream().map(Segment::name).toList()
              + "); use the base optimizer alone");
    OptimizerState s = new OptimizerState();
    Dense dense = Dense.of(model);
    if (dense != null) s.putChild("base", base.init(dense.gather(model)));
    s.putScalar("step", 0, Combine.SAME);
    for (EmbeddingTable t : ts) tables.init(s, t, model.dtype());
    return s;
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    Dense dense = Dense.of(model);
    if (dense != null) {
      ModelView d = dense.gather(model);
      Diagnostics baseDiag = new Diagnostics();
      StepContext.Builder inner = ctx.withDiagnostics(baseDiag).toBuilder();
      if (ctx.hasHvp()) {
        HessianVectorOracle full = ctx.requireHvp(name());
        inner.hvp(v -> dense.take(full.hvp(dense.spread(v, model))));
      }
      if (ctx.hasValidationGradient()) {
        GradientOracle full = ctx.requireValidationGradient(name());
        inner.validationGradient(
            at -> dense.take(full.gradientAt(dense.put(at, model.params().dup()))));
      }
      base.step(d, state.child("base"), inner.build());
      dense.putBack(d, model);
      Diagnostics out = ctx.diagnostics().prefixed("base");
      baseDiag.values().forEach(out::put);
      // the logged learning rate is the base's, where it reports one (else the schedule factor)
      Double lr = baseDiag.values().get("lr");
      if (lr != null) ctx.diagnostics().put("lr", lr);
    }
    long t = (long) state.scalar("step") + 1;
    state.setScalar("step", t);
    double lr = ctx.lrScale();
    TableRows p = TableRows.of(model.params());
    TableRows g = TableRows.of(model.grads());
    int[][] candidates = ctx.tableRows(model);
    long touched = 0;
    List<EmbeddingTable> ts = model.tables();
    for (int i = 0; i < ts.size(); i++) {
      EmbeddingTable table = ts.get(i);
      int[] rows = g.nonZeroRows(table, candidates == null ? null : candidates[i]);
      touched += rows.length;
      tables.update(p, g, state, table, rows, tables.lr() * lr, t);
    }
    ctx.diagnostics().put("rows_updated", touched);
    ctx.diagnostics().put("tables_lr", tables.lr() * lr);
  }

  @Override
  public void reconcile(ModelView model, OptimizerState merged) {
    Dense dense = Dense.of(model);
    if (dense == null) return;
    ModelView d = dense.gather(model);
    base.reconcile(d, merged.child("base"));
    dense.putBack(d, model);
  }

  @Override
  public INDArray evalParams(ModelView model, OptimizerState state) {
    Dense dense = Dense.of(model);
    if (dense == null) return model.params();
    ModelView d = dense.gather(model);
    INDArray e = base.evalParams(d, state.child("base"));
    if (e == d.params()) return model.params();
    return dense.put(e, model.params().dup());
  }

  /**
   * The segments outside the tables, as a compact model of their own: {@code layout} names them at
   * their offsets in the compact vector; runs of adjacent segments form one range ({@code start[i]}
   * in the full vector, {@code at[i]} in the compact one, {@code length[i]} elements). Where they
   * form a single range (the tables at one end of the vector, as in DLRM's layout), the compact
   * model is a view of the full vectors and the base steps in place; else its vectors are gathered
   * and put back by bulk copies of the native buffers, since one ND4J op per segment and vector
   * cost more than the small dense part's optimizer step. The view saves, per step, allocating and
   * filling two compact vectors and copying the parameters back: at the bench's worst case (one
   * table of an eighth of the parameters) about as much memory traffic as the base's Adam step
   * (BENCHMARKS.md, optimizer step).
   */
  private record Dense(ParamLayout layout, long[] start, long[] at, long[] length) {
    /** Null when every segment is a table. */
    static Dense of(ModelView model) {
      Set<String> tableNames = new HashSet<>();
      for (EmbeddingTable t : model.tables()) tableNames.add(t.name());
      ParamLayout.Builder b = ParamLayout.builder();
      List<long[]> ranges = new ArrayList<>(); // {start, at, length}
      long next = 0;
      for (Segment s : model.layout().segments()) {
        if (tableNames.contains(s.name())) continue;
        b.add(s.name(), s.shape());
        long[] last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
        if (last != null && last[0] + last[2] == s.offset()) last[2] += s.length();
        else ranges.add(new long[] {s.offset(), next, s.length()});
        next += s.length();
      }
      if (ranges.isEmpty()) return null;
      long[] start = new long[ranges.size()];
      long[] at = new long[ranges.size()];
      long[] length = new long[ranges.size()];
      for (int i = 0; i < ranges.size(); i++) {
        start[i] = ranges.get(i)[0];
        at[i] = ranges.get(i)[1];
        length[i] = ranges.get(i)[2];
      }
      return new Dense(b.build(), start, at, length);
    }

    /** One range: the compact vectors are views of the full ones. */
    boolean single() {
      return start.length == 1;
    }

    /**
     * The compact model: the parameters and the gradient outside the tables, views of the full
     * model's where {@link #single()}, else copies ({@link #putBack} writes them back).
     */
    ModelView gather(ModelView full) {
      return new ModelView(layout, take(full.params()), take(full.grads()));
    }

    /** Writes the compact model's parameters into the full model's (nothing to do for views). */
    void putBack(ModelView compact, ModelView full) {
      if (!single()) put(compact.params(), full.params());
    }

    /**
     * The entries of a full-length vector outside the tables, as a compact vector: a view where
     * {@link #single()}.
     */
    INDArray take(INDArray full) {
      if (single()) return full.get(NDArrayIndex.interval(start[0], start[0] + length[0]));
      INDArray out = Nd4j.create(full.dataType(), layout.totalLength());
      TableRows to = TableRows.of(out);
      TableRows from = TableRows.of(full);
      for (int i = 0; i < start.length; i++)
        to.copy(from, (int) start[i], (int) at[i], (int) length[i]);
      return out;
    }

    /** Writes a compact vector into the non-table entries of {@code full}; returns {@code full}. */
    INDArray put(INDArray compact, INDArray full) {
      TableRows to = TableRows.of(full);
      TableRows from = TableRows.of(compact);
      for (int i = 0; i < start.length; i++)
        to.copy(from, (int) at[i], (int) start[i], (int) length[i]);
      return full;
    }

    /** A full-length vector with {@code compact} outside the tables and zeros in them. */
    INDArray spread(INDArray compact, ModelView model) {
      return put(compact, Nd4j.zeros(model.dtype(), model.length()));
    }
  }
}
