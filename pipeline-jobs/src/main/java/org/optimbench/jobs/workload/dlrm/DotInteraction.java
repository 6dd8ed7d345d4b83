package org.optimbench.jobs.workload.dlrm;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * DLRM's dot interaction as a DL4J graph vertex (the runtime half of {@link DotInteractionVertex}).
 * Inputs: the bottom MLP's output x and the F-1 embeddings, each [B, d]. With T = [x, e_1, ...]
 * stacked to [B, F, d] and Z = T T^T (per example), the output is [x, Z[i, j] for i > j], the pairs
 * in facebookresearch/dlrm's order ({@code interact_features}, arch_interaction_op='dot',
 * arch_interaction_itself=False: {@code li, lj = [i for i in range(F) for j in range(i)], [j
 * ...]}): (1,0), (2,0), (2,1), (3,0), ... Width d + F(F-1)/2.
 *
 * <p>Backward: with G the output gradient scattered back to [B, F, F] (zero off the chosen pairs),
 * dL/dT = (G + G^T) T, plus the direct gradient of x. The pair selection is a fixed 0/1 matrix S
 * [F*F, P], so both directions are matrix products (Z_flat = Z S, G = g S^T): only ND4J ops, no
 * element access, the same on every backend.
 */
final class DotInteraction extends BaseGraphVertex {
  private final int features;
  private final INDArray select;

  DotInteraction(
      ComputationGraph graph, String name, int vertexIndex, DataType dataType, int features) {
    super(graph, name, vertexIndex, null, null, dataType);
    this.features = features;
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      this.select = selection(features, dataType);
    }
  }

  /** S [F*F, P] with S[i*F + j, p] = 1 for the p-th pair (i, j), i > j, in dlrm's order. */
  static INDArray selection(int features, DataType dtype) {
    int pairs = features * (features - 1) / 2;
    double[][] s = new double[features * features][pairs];
    int p = 0;
    for (int i = 0; i < features; i++) {
      for (int j = 0; j < i; j++) s[i * features + j][p++] = 1.0;
    }
    return Nd4j.createFromArray(s).castTo(dtype);
  }

  /** The interaction output [B, d + F(F-1)/2] of inputs {x, e_1, ..., e_{F-1}}, each [B, d]. */
  static INDArray forward(INDArray[] in, INDArray select) {
    long b = in[0].size(0);
    long d = in[0].size(1);
    int f = in.length;
    INDArray t = Nd4j.concat(1, in).reshape('c', b, f, d);
    INDArray z = Nd4j.matmul(t, t, null, false, true, false);
    INDArray flat = z.reshape('c', b, (long) f * f).mmul(select);
    return Nd4j.concat(1, in[0], flat);
  }

  /** The gradients of the inputs, given the gradient {@code eps} [B, d + P] of the output. */
  static INDArray[] backward(INDArray[] in, INDArray select, INDArray eps) {
    long b = in[0].size(0);
    long d = in[0].size(1);
    int f = in.length;
    long pairs = select.size(1);
    INDArray t = Nd4j.concat(1, in).reshape('c', b, f, d);
    INDArray pairGrad = eps.get(NDArrayIndex.all(), NDArrayIndex.interval(d, d + pairs)).dup('c');
    INDArray g = pairGrad.mmul(select.transpose()).reshape('c', b, f, f);
    INDArray sym = g.add(g.permute(0, 2, 1));
    INDArray dt = Nd4j.matmul(sym, t).reshape('c', b, (long) f * d);
    INDArray[] out = new INDArray[f];
    for (int i = 0; i < f; i++)
      out[i] = dt.get(NDArrayIndex.all(), NDArrayIndex.interval(i * d, (i + 1) * d)).dup('c');
    out[0].addi(eps.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)));
    return out;
  }

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoForward()) throw new IllegalStateException("Cannot do forward pass: inputs not set");
    check(inputs);
    try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATIONS)) {
      return forward(inputs, select);
    }
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoBackward())
      throw new IllegalStateException("Cannot do backward pass: errors not set");
    try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATION_GRAD)) {
      return new Pair<>(null, backward(inputs, select, epsilon));
    }
  }

  private void check(INDArray[] in) {
    if (in.length != features)
      throw new IllegalStateException(
          getVertexName() + ": " + in.length + " inputs, configured for " + features);
    for (INDArray a : in) {
      if (a.rank() != 2 || a.size(1) != in[0].size(1) || a.size(0) != in[0].size(0)) {
        throw new IllegalStateException(
            getVertexName()
                + ": every input must be [batch, d] of the same shape, got "
                + java.util.Arrays.toString(a.shape())
                + " and "
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
