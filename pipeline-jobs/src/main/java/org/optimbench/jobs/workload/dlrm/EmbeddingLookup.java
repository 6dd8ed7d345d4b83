package org.optimbench.jobs.workload.dlrm;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.feedforward.embedding.EmbeddingLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.jobs.model.RowSparseGradient;

/**
 * The runtime of {@link EmbeddingLookupLayer}: DL4J's EmbeddingLayer (identity, no bias) with the
 * row gather and the gradient's scatter-add done in Java on the arrays' memory. DL4J's own does per
 * table and step: a {@code pullRows} (which builds a TAD shape for the table), in the backward pass
 * the whole forward again, an id array, and a {@code scatterUpdate} (another TAD), each with native
 * shape allocations; with DLRM's 26 tables of width 16 at batch 128 those fixed costs were most of
 * the step (BENCHMARKS.md, "Peers: PyTorch on the same CPU"). The arithmetic is the same: the
 * output rows are copies of the table's rows, and the weight gradient is zeroed and then each
 * example's output gradient added to its id's row in batch order, as {@code scatterUpdate(ADD)}
 * does on one thread, so the gradient is the same bit for bit.
 *
 * <p>Each backward pass zeroes the whole gradient table, not only the rows of the last batch:
 * whoever shares the gradient (gradient sharing's row-sparse sum) writes other workers' rows into
 * it, and accumulation over micro-batches writes the union of theirs. Only where the model that
 * owns the gradient knows every row that may be non-zero ({@link #zeroOnlyRows}) are those rows
 * zeroed alone: zeroing the whole table is a pass over as much memory as the table, which PyTorch's
 * sparse embedding gradients never make (BENCHMARKS.md, "Peers: PyTorch on the same CPU"). After
 * the pass the table is non-zero only at the batch's ids, which {@link #gradientRows} names.
 */
final class EmbeddingLookup extends EmbeddingLayer implements RowSparseGradient {
  /** The distinct ids of the last backward pass, ascending; null after a forward pass. */
  private int[] gradientRows;

  /** The rows the next backward pass zeroes, when not the whole table. */
  private int[] zeroOnly;

  EmbeddingLookup(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** The batch's ids, checked against the table size as DL4J's layer checks them. */
  private int[] ids() {
    if (input.rank() != 2 || input.columns() != 1)
      throw new DL4JInvalidInputException(
          "Cannot do forward pass for embedding layer with input more than one column. Expected"
              + " input shape: [numExamples,1] with each entry being an integer index "
              + layerId());
    int n = Math.toIntExact(input.size(0));
    int[] ids = new int[n];
    if (input.dataType() == DataType.INT) {
      IntBuffer b = input.data().asNioInt();
      int at = b.position();
      int stride = Math.toIntExact(input.stride(0));
      for (int i = 0; i < n; i++) ids[i] = b.get(at + i * stride);
    } else {
      for (int i = 0; i < n; i++) ids[i] = input.getInt(i, 0);
    }
    long rows = layerConf().getNIn();
    for (int i = 0; i < n; i++)
      if (ids[i] < 0 || ids[i] >= rows)
        throw new DL4JInvalidInputException(
            "Invalid index for embedding layer: got index "
                + ids[i]
                + " for entry "
                + i
                + " in minibatch; indexes must be between 0 and nIn-1 inclusive (0 to "
                + (rows - 1)
                + ")");
    return ids;
  }

  @Override
  public int[] gradientRows() {
    return gradientRows;
  }

  @Override
  public void zeroOnlyRows(int[] rows) {
    zeroOnly = rows;
  }

  @Override
  protected INDArray preOutput(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    gradientRows = null;
    int[] ids = ids();
    INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
    INDArray out =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATIONS, w.dataType(), ids.length, w.size(1));
    gather(w, ids, out);
    return out;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    INDArray out = preOutput(training, workspaceMgr); // identity activation
    if (maskArray != null) out.muliColumnVector(maskArray.castTo(dataType));
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    gradientRows = null;
    int[] ids = ids();
    INDArray delta = epsilon; // identity activation
    if (maskArray != null) delta.muliColumnVector(maskArray.castTo(dataType));
    INDArray grad = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
    int[] stale = zeroOnly;
    zeroOnly = null;
    if (stale == null) zero(grad);
    else zeroRows(grad, stale);
    scatterAdd(grad, ids, delta);
    gradientRows = distinct(ids);
    Gradient ret = new DefaultGradient();
    ret.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, grad);
    return new Pair<>(ret, null); // no gradient for the ids
  }

  /** The distinct values of {@code ids}, ascending. */
  static int[] distinct(int[] ids) {
    int[] sorted = ids.clone();
    java.util.Arrays.sort(sorted);
    int n = 0;
    for (int i = 0; i < sorted.length; i++)
      if (n == 0 || sorted[n - 1] != sorted[i]) sorted[n++] = sorted[i];
    return java.util.Arrays.copyOf(sorted, n);
  }

  private static final float[] ZEROS_F = new float[8192];
  private static final double[] ZEROS_D = new double[4096];

  /**
   * Sets {@code a} to zero: a contiguous array by bulk copies from a block of zeros, without the
   * set up of an ND4J op ({@code assign(0)} allocates native shape information, and javacpp checks
   * the process's memory on each allocation), others through ND4J.
   */
  static void zero(INDArray a) {
    long n = a.length();
    if (a.elementWiseStride() != 1 || n == 0) {
      a.assign(0);
      return;
    }
    if (a.dataType() == DataType.FLOAT) {
      FloatBuffer b = a.data().asNioFloat();
      int at = b.position();
      for (long done = 0; done < n; ) {
        int len = (int) Math.min(ZEROS_F.length, n - done);
        b.put(Math.toIntExact(at + done), ZEROS_F, 0, len);
        done += len;
      }
    } else if (a.dataType() == DataType.DOUBLE) {
      DoubleBuffer b = a.data().asNioDouble();
      int at = b.position();
      for (long done = 0; done < n; ) {
        int len = (int) Math.min(ZEROS_D.length, n - done);
        b.put(Math.toIntExact(at + done), ZEROS_D, 0, len);
        done += len;
      }
    } else {
      a.assign(0);
    }
  }

  /** {@code a[r, :] = 0} for the rows {@code r} of {@code rows}. */
  static void zeroRows(INDArray a, int[] rows) {
    int d = Math.toIntExact(a.size(1));
    long s0 = a.stride(0);
    long s1 = a.stride(1);
    if (a.dataType() == DataType.FLOAT) {
      FloatBuffer b = a.data().asNioFloat();
      long a0 = b.position();
      if (s1 == 1 && d <= ZEROS_F.length)
        for (int r : rows) b.put((int) (a0 + r * s0), ZEROS_F, 0, d);
      else for (int r : rows) for (int k = 0; k < d; k++) b.put((int) (a0 + r * s0 + k * s1), 0f);
    } else if (a.dataType() == DataType.DOUBLE) {
      DoubleBuffer b = a.data().asNioDouble();
      long a0 = b.position();
      for (int r : rows) for (int k = 0; k < d; k++) b.put((int) (a0 + r * s0 + k * s1), 0d);
    } else {
      for (int r : rows) for (int k = 0; k < d; k++) a.putScalar(r, k, 0);
    }
  }

  /**
   * {@code out[i, :] = w[ids[i], :]}. Rows of consecutive elements (the row-major tables, {@link
   * RowMajorEmbeddingParams}) are copied a row at a time: per element, a buffer's index and bounds
   * checks cost several times the copy.
   */
  static void gather(INDArray w, int[] ids, INDArray out) {
    int d = Math.toIntExact(w.size(1));
    long ws0 = w.stride(0);
    long ws1 = w.stride(1);
    long os0 = out.stride(0);
    long os1 = out.stride(1);
    if (w.dataType() == DataType.FLOAT) {
      FloatBuffer wb = w.data().asNioFloat();
      FloatBuffer ob = out.data().asNioFloat();
      long w0 = wb.position();
      long o0 = ob.position();
      if (ws1 == 1 && os1 == 1) {
        for (int i = 0; i < ids.length; i++)
          ob.put((int) (o0 + i * os0), wb, (int) (w0 + ids[i] * ws0), d);
        return;
      }
      for (int i = 0; i < ids.length; i++) {
        long wr = w0 + ids[i] * ws0;
        long or = o0 + i * os0;
        for (int k = 0; k < d; k++) ob.put((int) (or + k * os1), wb.get((int) (wr + k * ws1)));
      }
    } else {
      DoubleBuffer wb = w.data().asNioDouble();
      DoubleBuffer ob = out.data().asNioDouble();
      long w0 = wb.position();
      long o0 = ob.position();
      for (int i = 0; i < ids.length; i++) {
        long wr = w0 + ids[i] * ws0;
        long or = o0 + i * os0;
        for (int k = 0; k < d; k++) ob.put((int) (or + k * os1), wb.get((int) (wr + k * ws1)));
      }
    }
  }

  /** {@code grad[ids[i], :] += delta[i, :]} for i in order. */
  static void scatterAdd(INDArray grad, int[] ids, INDArray delta) {
    int d = Math.toIntExact(grad.size(1));
    INDArray e = delta.castTo(grad.dataType());
    long gs0 = grad.stride(0);
    long gs1 = grad.stride(1);
    long es0 = e.stride(0);
    long es1 = e.stride(1);
    if (grad.dataType() == DataType.FLOAT) {
      FloatBuffer gb = grad.data().asNioFloat();
      FloatBuffer eb = e.data().asNioFloat();
      long g0 = gb.position();
      long e0 = eb.position();
      if (gs1 == 1 && es1 == 1) { // a row at a time, as gather; the same additions in order
        float[] row = new float[d];
        float[] add = new float[d];
        for (int i = 0; i < ids.length; i++) {
          int gr = (int) (g0 + ids[i] * gs0);
          gb.get(gr, row, 0, d);
          eb.get((int) (e0 + i * es0), add, 0, d);
          for (int k = 0; k < d; k++) row[k] += add[k];
          gb.put(gr, row, 0, d);
        }
        return;
      }
      for (int i = 0; i < ids.length; i++) {
        long gr = g0 + ids[i] * gs0;
        long er = e0 + i * es0;
        for (int k = 0; k < d; k++) {
          int at = (int) (gr + k * gs1);
          gb.put(at, gb.get(at) + eb.get((int) (er + k * es1)));
        }
      }
    } else {
      DoubleBuffer gb = grad.data().asNioDouble();
      DoubleBuffer eb = e.data().asNioDouble();
      long g0 = gb.position();
      long e0 = eb.position();
      for (int i = 0; i < ids.length; i++) {
        long gr = g0 + ids[i] * gs0;
        long er = e0 + i * es0;
        for (int k = 0; k < d; k++) {
          int at = (int) (gr + k * gs1);
          gb.put(at, gb.get(at) + eb.get((int) (er + k * es1)));
        }
      }
    }
  }
}
