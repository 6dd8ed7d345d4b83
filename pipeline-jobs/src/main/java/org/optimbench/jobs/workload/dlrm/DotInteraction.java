package org.optimbench.jobs.workload.dlrm;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DLRM's dot interaction as a DL4J graph vertex (the runtime half of {@link DotInteractionVertex}).
 * Inputs: the bottom MLP's output x and the F-1 embeddings, each [B, d]. With T = [x, e_1, ...]
 * stacked to [B, F, d] and Z = T T^T (per example), the output is [x, Z[i, j] for i > j], the pairs
 * in facebookresearch/dlrm's order ({@code interact_features}, arch_interaction_op='dot',
 * arch_interaction_itself=False: {@code li, lj = [i for i in range(F) for j in range(i)], [j
 * ...]}): (1,0), (2,0), (2,1), (3,0), ... Width d + F(F-1)/2.
 *
 * <p>Backward: with G the output gradient of the pairs, symmetric and zero on the diagonal, dL/dT =
 * G T, plus the direct gradient of x.
 *
 * <p>Both directions are loops in Java over the arrays' memory, the batch's examples innermost,
 * accumulated in float64 and rounded once to the network's dtype: the F(F-1)/2 dot products of
 * width d are small, and as ND4J ops (a concat, a batched matmul, a product with a 0/1
 * pair-selection matrix of [F*F, P], slices and copies of each input's gradient) they cost more in
 * fixed per-op costs and in the selection product (F*F*P multiply-adds per example, 98% of them by
 * zero) than the arithmetic itself (BENCHMARKS.md, "Peers: PyTorch on the same CPU").
 */
final class DotInteraction extends BaseGraphVertex {
  private final int features;
  private final Scratch scratch = new Scratch();

  DotInteraction(
      ComputationGraph graph, String name, int vertexIndex, DataType dataType, int features) {
    super(graph, name, vertexIndex, null, null, dataType);
    this.features = features;
  }

  /**
   * Working arrays kept by a vertex between steps (one vertex runs on one thread at a time): the
   * batch's columns, each a row of B examples ({@code a[c][e]}), so every inner loop reads and
   * writes whole arrays from index 0, the form C2 (JDK 17) vectorizes. Two columns of one array at
   * different offsets, as a flat layout would read them, leave the loop scalar (BENCHMARKS.md,
   * "Measurements behind code choices").
   */
  static final class Scratch {
    /** The inputs, transposed: row {@code f d + k} holds coordinate k of feature f. */
    double[][] t = new double[0][];

    /** Their gradient, in the same layout; the forward pass builds its output columns here. */
    double[][] dt = new double[0][];

    /** The output's gradient, transposed: row c holds column c. */
    double[][] epsT = new double[0][];

    double[][] t(int rows, int b) {
      return t = fit(t, rows, b);
    }

    double[][] dt(int rows, int b) {
      return dt = fit(dt, rows, b);
    }

    double[][] epsT(int rows, int b) {
      return epsT = fit(epsT, rows, b);
    }

    private static double[][] fit(double[][] a, int rows, int b) {
      return a.length >= rows && (rows == 0 || a[0].length >= b) ? a : new double[rows][b];
    }
  }

  /** The interaction output [B, d + F(F-1)/2] of inputs {x, e_1, ..., e_{F-1}}, each [B, d]. */
  static INDArray forward(INDArray[] in) {
    INDArray out = Nd4j.createUninitialized(in[0].dataType(), in[0].size(0), outputWidth(in));
    forward(in, out, new Scratch());
    return out;
  }

  /** The gradients of the inputs, given the gradient {@code eps} [B, d + P] of the output. */
  static INDArray[] backward(INDArray[] in, INDArray eps) {
    INDArray[] out = new INDArray[in.length];
    for (int f = 0; f < in.length; f++)
      out[f] = Nd4j.createUninitialized(in[0].dataType(), in[0].size(0), in[0].size(1));
    backward(in, eps, out, new Scratch());
    return out;
  }

  private static long outputWidth(INDArray[] in) {
    return in[0].size(1) + (long) in.length * (in.length - 1) / 2;
  }

  /** {@code dst[at + k][r] = a[r, k]} for a [rows, d] array: its columns, from row {@code at}. */
  private static void read(INDArray a, double[][] dst, int at) {
    int rows = Math.toIntExact(a.size(0));
    int d = Math.toIntExact(a.size(1));
    long s0 = a.stride(0);
    long s1 = a.stride(1);
    if (a.dataType() == DataType.FLOAT) {
      FloatBuffer buf = a.data().asNioFloat();
      long base = buf.position();
      if (s1 == 1) { // a row at a time: per element, the buffer's checks cost more than the copy
        float[] row = new float[d];
        for (int r = 0; r < rows; r++) {
          buf.get((int) (base + r * s0), row, 0, d);
          for (int k = 0; k < d; k++) dst[at + k][r] = row[k];
        }
        return;
      }
      for (int r = 0; r < rows; r++)
        for (int k = 0; k < d; k++) dst[at + k][r] = buf.get((int) (base + r * s0 + k * s1));
    } else {
      DoubleBuffer buf = a.data().asNioDouble();
      long base = buf.position();
      for (int r = 0; r < rows; r++)
        for (int k = 0; k < d; k++) dst[at + k][r] = buf.get((int) (base + r * s0 + k * s1));
    }
  }

  /** {@code a[r, k] = src[at + k][r]}, rounded to a's dtype (the inverse of {@link #read}). */
  private static void write(double[][] src, int at, INDArray a) {
    int rows = Math.toIntExact(a.size(0));
    int d = Math.toIntExact(a.size(1));
    long s0 = a.stride(0);
    long s1 = a.stride(1);
    if (a.dataType() == DataType.FLOAT) {
      FloatBuffer buf = a.data().asNioFloat();
      long base = buf.position();
      if (s1 == 1) {
        float[] row = new float[d];
        for (int r = 0; r < rows; r++) {
          for (int k = 0; k < d; k++) row[k] = (float) src[at + k][r];
          buf.put((int) (base + r * s0), row, 0, d);
        }
        return;
      }
      for (int r = 0; r < rows; r++)
        for (int k = 0; k < d; k++) buf.put((int) (base + r * s0 + k * s1), (float) src[at + k][r]);
    } else {
      DoubleBuffer buf = a.data().asNioDouble();
      long base = buf.position();
      for (int r = 0; r < rows; r++)
        for (int k = 0; k < d; k++) buf.put((int) (base + r * s0 + k * s1), src[at + k][r]);
    }
  }

  /**
   * T as float64 with the batch innermost, {@code t[f d + k][e] = in[f][e, k]}: every loop below
   * then runs over the B examples of one (feature, coordinate), a vector loop of B elements, where
   * loops over the d = 16 coordinates of one example spent more in loop overhead than in
   * arithmetic. Each element's sum still adds the same terms in the same order as one example at a
   * time would, so the results are the same bits (DotInteractionTest).
   */
  private static void load(INDArray[] in, double[][] t, int d) {
    for (int i = 0; i < in.length; i++) read(in[i], t, i * d);
  }

  /** Fills {@code out} [B, d + P] with the interaction of {@code in}. */
  static void forward(INDArray[] in, INDArray out, Scratch s) {
    int f = in.length;
    int b = Math.toIntExact(in[0].size(0));
    int d = Math.toIntExact(in[0].size(1));
    int w = Math.toIntExact(outputWidth(in));
    double[][] t = s.t(f * d, b);
    double[][] o = s.dt(w, b); // o[c][e] = out[e, c]
    load(in, t, d);
    for (int k = 0; k < d; k++) System.arraycopy(t[k], 0, o[k], 0, b); // x's direct path
    int oc = d;
    for (int i = 1; i < f; i++) {
      for (int j = 0; j < i; j++, oc++) {
        // Z[i, j] of every example: the sum over k in order, from 0
        double[] z = o[oc];
        Arrays.fill(z, 0, b, 0.0);
        for (int k = 0; k < d; k++) {
          double[] ti = t[i * d + k];
          double[] tj = t[j * d + k];
          for (int e = 0; e < b; e++) z[e] += ti[e] * tj[e];
        }
      }
    }
    write(o, 0, out);
  }

  /** Fills {@code grads[f]} [B, d] with the gradient of input f, given the output's {@code eps}. */
  static void backward(INDArray[] in, INDArray eps, INDArray[] grads, Scratch s) {
    int f = in.length;
    int b = Math.toIntExact(in[0].size(0));
    int d = Math.toIntExact(in[0].size(1));
    int w = Math.toIntExact(outputWidth(in));
    double[][] t = s.t(f * d, b);
    double[][] dt = s.dt(f * d, b);
    double[][] g = s.epsT(w, b); // g[c][e] = eps[e, c]
    load(in, t, d);
    read(eps, g, 0);
    for (int r = 0; r < f * d; r++) Arrays.fill(dt[r], 0, b, 0.0);
    int gc = d;
    for (int i = 1; i < f; i++) {
      for (int j = 0; j < i; j++, gc++) {
        // the pairs in output order, as one example at a time adds them: G[i, j] T[j] into dT[i],
        // G[i, j] T[i] into dT[j]; two loops, each writing one array and reading two others
        double[] gij = g[gc];
        for (int k = 0; k < d; k++) {
          double[] ti = t[i * d + k];
          double[] tj = t[j * d + k];
          double[] dti = dt[i * d + k];
          double[] dtj = dt[j * d + k];
          for (int e = 0; e < b; e++) dti[e] += gij[e] * tj[e];
          for (int e = 0; e < b; e++) dtj[e] += gij[e] * ti[e];
        }
      }
    }
    for (int k = 0; k < d; k++) { // x's direct path, last
      double[] dx = dt[k];
      double[] gx = g[k];
      for (int e = 0; e < b; e++) dx[e] += gx[e];
    }
    for (int i = 0; i < f; i++) write(dt, i * d, grads[i]);
  }

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoForward()) throw new IllegalStateException("Cannot do forward pass: inputs not set");
    check(inputs);
    INDArray out =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATIONS, inputs[0].dataType(), inputs[0].size(0), outputWidth(inputs));
    forward(inputs, out, scratch);
    return out;
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoBackward())
      throw new IllegalStateException("Cannot do backward pass: errors not set");
    INDArray[] grads = new INDArray[inputs.length];
    for (int i = 0; i < grads.length; i++)
      grads[i] =
          workspaceMgr.createUninitialized(
              ArrayType.ACTIVATION_GRAD,
              inputs[0].dataType(),
              inputs[0].size(0),
              inputs[0].size(1));
    backward(inputs, epsilon, grads, scratch);
    return new Pair<>(null, grads);
  }

  private void check(INDArray[] in) {
    if (in.length != features)
      throw new IllegalStateException(
          getVertexName() + ": " + in.length + " inputs, configured for " + features);
    for (INDArray a : in) {
      if (a.rank() != 2
          || a.size(1) != in[0].size(1)
          || a.size(0) != in[0].size(0)
          || a.dataType() != in[0].dataType()) {
        throw new IllegalStateException(
            getVertexName()
                + ": every input must be [batch, d] of the same shape and dtype, got "
                + a.dataType()
                + java.util.Arrays.toString(a.shape())
                + " and "
                + in[0].dataType()
                + java.util.Arrays.toString(in[0].shape()));
      }
    }
  }

  @Override
  public boolean hasLayer() {
    return false;
  }

  @Override
  public Layer getLayer() {
    return null;
  }

  @Override
  public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
    if (backpropGradientsViewArray != null)
      throw new IllegalStateException("the dot interaction has no parameters");
  }

  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArrays(
      INDArray[] maskArrays, MaskState currentMaskState, int minibatchSize) {
    return new Pair<>(null, currentMaskState);
  }

  @Override
  public String toString() {
    return "DotInteraction(id="
        + getVertexIndex()
        + ",name=\""
        + getVertexName()
        + "\",features="
        + features
        + ")";
  }
}
