package org.optimbench.optim.sparse;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.Combine;
import org.optimbench.optim.EmbeddingTable;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.spec.Checks;
import org.optimbench.optim.spec.Hparams;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.spec.SpecException;

/**
 * How {@link RowSparse} updates the touched rows of an embedding table. Every method updates only
 * the rows whose gradient is non-zero this step, and keeps its state per table in row-major arrays
 * (element (i, j) at {@code i * width + j}, whatever the table's layout, so a row's state is one
 * run of memory) or one entry per row. Arithmetic is in the model's dtype: float32 tables are
 * computed in float, like the references.
 */
public sealed interface TableMethod {
  /** The spec name under {@code row_sparse}'s {@code tables}. */
  String name();

  /** Creates this method's state arrays for table {@code t}. */
  void init(OptimizerState state, EmbeddingTable t, DataType dtype);

  /**
   * Updates rows {@code rows} of table {@code t}: parameters in {@code p}, gradient in {@code g}
   * (flat vectors of the model), {@code lr} the scheduled rate, {@code step} the 1-based count of
   * this optimizer's steps.
   */
  void update(
      TableRows p,
      TableRows g,
      OptimizerState state,
      EmbeddingTable t,
      int[] rows,
      double lr,
      long step);

  /** Reads the spec under {@code path}. */
  static TableMethod from(Spec spec, String path) {
    Hparams hp = new Hparams(path + ".hparams", spec.hparams());
    TableMethod m =
        switch (spec.name()) {
          case "sgd" -> new SgdRows(Checks.positive(hp.field("lr"), required(hp, "lr")));
          case "rowwise_adagrad" ->
              new RowwiseAdagrad(
                  Checks.positive(hp.field("lr"), hp.real("lr", 1e-2)),
                  Checks.nonNegative(hp.field("eps"), hp.real("eps", 1e-10)),
                  Checks.nonNegative(
                      hp.field("initial_accumulator_value"),
                      hp.real("initial_accumulator_value", 0.0)));
          case "lazy_adam" -> {
            double[] betas = Checks.betas(hp.field("betas"), hp.reals("betas", 0.9, 0.999), 2);
            yield new LazyAdam(
                Checks.positive(hp.field("lr"), hp.real("lr", 1e-3)),
                betas[0],
                betas[1],
                Checks.positive(hp.field("eps"), hp.real("eps", 1e-8)));
          }
          default ->
              throw new SpecException(
                  path + ".name",
                  "unknown table method '"
                      + spec.name()
                      + "' (known: sgd, rowwise_adagrad, lazy_adam)");
        };
    hp.finish();
    return m;
  }

  private static double required(Hparams hp, String key) {
    Double v = hp.optionalReal(key);
    if (v == null) throw new SpecException(hp.field(key), "missing (the tables' learning rate)");
    return v;
  }

  /** The tables' learning rate (the schedule scales it). */
  double lr();

  /**
   * SGD on the touched rows: {@code w_r -= lr * g_r}. The same update as dense SGD without momentum
   * or weight decay (rows with a zero gradient do not move either way), and what the DLRM reference
   * does with its sparse embedding gradients ({@code torch.optim.SGD}). One fused multiply-add per
   * weight, as ATen's add kernel computes it, which makes it torch's SGD bit for bit.
   */
  record SgdRows(double lr) implements TableMethod {
    @Override
    public String name() {
      return "sgd";
    }

    @Override
    public void init(OptimizerState state, EmbeddingTable t, DataType dtype) {}

    @Override
    public void update(
        TableRows p,
        TableRows g,
        OptimizerState state,
        EmbeddingTable t,
        int[] rows,
        double lr,
        long step) {
      if (p instanceof TableRows.Floats pf) {
        TableRows.Floats gf = (TableRows.Floats) g;
        float a = (float) lr;
        for (int r : rows)
          for (long j = 0, e = t.offset() + r * t.rowStride();
              j < t.width();
              j++, e += t.colStride()) pf.set(e, Math.fma(-a, gf.get(e), pf.get(e)));
      } else {
        TableRows.Doubles pd = (TableRows.Doubles) p;
        TableRows.Doubles gd = (TableRows.Doubles) g;
        for (int r : rows)
          for (long j = 0, e = t.offset() + r * t.rowStride();
              j < t.width();
              j++, e += t.colStride()) pd.set(e, Math.fma(-lr, gd.get(e), pd.get(e)));
      }
    }
  }

  /**
   * Row-wise AdaGrad, as FBGEMM's exact row-wise AdaGrad (TorchRec's fused embedding optimizer and
   * its {@code RowWiseAdagrad}): one accumulator per row,
   *
   * <pre>
   * G_r += mean_j g_rj^2;   w_rj -= lr * g_rj / (sqrt(G_r) + eps)
   * </pre>
   *
   * Defaults as TorchRec's RowWiseAdagrad: lr 0.01, eps 1e-10, initial accumulator 0. A row with a
   * zero gradient changes neither its accumulator nor its weights, so the row-sparse form is the
   * dense method exactly; its state is one number per row instead of one per weight.
   */
  record RowwiseAdagrad(double lr, double eps, double initialAccumulator) implements TableMethod {
    @Override
    public String name() {
      return "rowwise_adagrad";
    }

    @Override
    public void init(OptimizerState state, EmbeddingTable t, DataType dtype) {
      state.putArray(
          t.name() + ".sum",
          Nd4j.valueArrayOf(new long[] {t.rows()}, initialAccumulator, dtype),
          Combine.MEAN);
    }

    @Override
    public void update(
        TableRows p,
        TableRows g,
        OptimizerState state,
        EmbeddingTable t,
        int[] rows,
        double lr,
        long step) {
      TableRows sum = TableRows.of(state.array(t.name() + ".sum"));
      int width = (int) t.width();
      if (p instanceof TableRows.Floats pf) {
        TableRows.Floats gf = (TableRows.Floats) g;
        TableRows.Floats sf = (TableRows.Floats) sum;
        float a = (float) lr;
        float e0 = (float) eps;
        float[] row = new float[width];
        for (int r : rows) {
          long first = t.offset() + r * t.rowStride();
          float sq = 0;
          for (int j = 0; j < width; j++) {
            row[j] = gf.get(first + j * t.colStride());
            sq += row[j] * row[j];
          }
          float acc = sf.get(r) + sq / width;
          sf.set(r, acc);
          float mult = a / ((float) Math.sqrt(acc) + e0);
          for (int j = 0; j < width; j++) {
            long e = first + j * t.colStride();
            pf.set(e, pf.get(e) - mult * row[j]);
          }
        }
      } else {
        TableRows.Doubles pd = (TableRows.Doubles) p;
        TableRows.Doubles gd = (TableRows.Doubles) g;
        TableRows.Doubles sd = (TableRows.Doubles) sum;
        double[] row = new double[width];
        for (int r : rows) {
          long first = t.offset() + r * t.rowStride();
          double sq = 0;
          for (int j = 0; j < width; j++) {
            row[j] = gd.get(first + j * t.colStride());
            sq += row[j] * row[j];
          }
          double acc = sd.get(r) + sq / width;
          sd.set(r, acc);
          double mult = lr / (Math.sqrt(acc) + eps);
          for (int j = 0; j < width; j++) {
            long e = first + j * t.colStride();
            pd.set(e, pd.get(e) - mult * row[j]);
          }
        }
      }
    }
  }

  /**
   * Lazy Adam, as {@code torch.optim.SparseAdam} (torch 1.13 {@code torch/optim/_functional.py},
   * {@code sparse_adam}): the moments of the touched rows only are updated, with a step count that
   * advances every step, and only those rows move:
   *
   * <pre>
   * m_r += (1 - b1) (g_r - m_r);   v_r += (1 - b2) (g_r^2 - v_r)
   * w_r -= lr sqrt(1 - b2^t) / (1 - b1^t) * m_r / (sqrt(v_r) + eps)
   * </pre>
   *
   * Untouched rows keep their moments (dense Adam would decay them and keep moving the row on its
   * momentum): a different algorithm from {@code adam}, equal to it only when every row is touched
   * every step. Defaults as SparseAdam: lr 0.001, betas (0.9, 0.999), eps 1e-8.
   */
  record LazyAdam(double lr, double beta1, double beta2, double eps) implements TableMethod {
    /** The most elements a run of consecutive rows is updated in at a time. */
    private static final int RUN = 1024;

    @Override
    public String name() {
      return "lazy_adam";
    }

    @Override
    public void init(OptimizerState state, EmbeddingTable t, DataType dtype) {
      state.putArray(t.name() + ".exp_avg", Nd4j.zeros(dtype, t.elements()), Combine.MEAN);
      state.putArray(t.name() + ".exp_avg_sq", Nd4j.zeros(dtype, t.elements()), Combine.MEAN);
    }

    @Override
    public void update(
        TableRows p,
        TableRows g,
        OptimizerState state,
        EmbeddingTable t,
        int[] rows,
        double lr,
        long step) {
      TableRows m = TableRows.of(state.array(t.name() + ".exp_avg"));
      TableRows v = TableRows.of(state.array(t.name() + ".exp_avg_sq"));
      double stepSize = lr * Math.sqrt(1 - Math.pow(beta2, step)) / (1 - Math.pow(beta1, step));
      if (p instanceof TableRows.Floats pf) {
        TableRows.Floats gf = (TableRows.Floats) g;
        TableRows.Floats mf = (TableRows.Floats) m;
        TableRows.Floats vf = (TableRows.Floats) v;
        float c1 = (float) (1 - beta1);
        float c2 = (float) (1 - beta2);
        float e0 = (float) eps;
        float s = (float) stepSize;
        if (t.colStride() == 1) {
          // row-major: rows in bulk reads and writes of the four vectors (per element, the
          // buffers' checks cost more than the arithmetic), a run of consecutive rows at a time
          // where rows are adjacent in the model's vector (a table most of whose rows a step
          // touches); the same arithmetic, element by element, as below
          int w = (int) t.width();
          int most = t.rowStride() == w ? Math.max(1, RUN / w) : 1;
          float[] pr = new float[most * w];
          float[] gr = new float[most * w];
          float[] mr = new float[most * w];
          float[] vr = new float[most * w];
          for (int i = 0; i < rows.length; ) {
            int r = rows[i];
            int k = 1;
            while (k < most && i + k < rows.length && rows[i + k] == r + k) k++;
            i += k;
            int n = k * w;
            long e = t.offset() + r * t.rowStride();
            long at = r * t.width();
            pf.get(e, pr, n);
            gf.get(e, gr, n);
            mf.get(at, mr, n);
            vf.get(at, vr, n);
            for (int j = 0; j < n; j++) {
              float gj = gr[j];
              float m1 = (gj - mr[j]) * c1 + mr[j];
              float v1 = (gj * gj - vr[j]) * c2 + vr[j];
              mr[j] = m1;
              vr[j] = v1;
              pr[j] = pr[j] + -s * (m1 / ((float) Math.sqrt(v1) + e0));
            }
            mf.set(at, mr, n);
            vf.set(at, vr, n);
            pf.set(e, pr, n);
          }
          return;
        }
        for (int r : rows) {
          long e = t.offset() + r * t.rowStride(); // in the model's vectors
          long at = r * t.width(); // in the (row-major) state vectors
          for (long j = 0; j < t.width(); j++, e += t.colStride(), at++) {
            float gj = gf.get(e);
            float m0 = mf.get(at);
            float v0 = vf.get(at);
            // torch's order: the update term, then old + update
            float m1 = (gj - m0) * c1 + m0;
            float v1 = (gj * gj - v0) * c2 + v0;
            mf.set(at, m1);
            vf.set(at, v1);
            pf.set(e, pf.get(e) + -s * (m1 / ((float) Math.sqrt(v1) + e0)));
          }
        }
      } else {
        TableRows.Doubles pd = (TableRows.Doubles) p;
        TableRows.Doubles gd = (TableRows.Doubles) g;
        TableRows.Doubles md = (TableRows.Doubles) m;
        TableRows.Doubles vd = (TableRows.Doubles) v;
        for (int r : rows) {
          long e = t.offset() + r * t.rowStride();
          long at = r * t.width();
          for (long j = 0; j < t.width(); j++, e += t.colStride(), at++) {
            double gj = gd.get(e);
            double m0 = md.get(at);
            double v0 = vd.get(at);
            double m1 = (gj - m0) * (1 - beta1) + m0;
            double v1 = (gj * gj - v0) * (1 - beta2) + v0;
            md.set(at, m1);
            vd.set(at, v1);
            pd.set(e, pd.get(e) + -stepSize * (m1 / (Math.sqrt(v1) + eps)));
          }
        }
      }
    }
  }
}
