package org.optimbench.jobs.workload.dlrm;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.optimbench.jobs.model.NetworkModel;

/**
 * {@link Dlrm}'s network as it was built before its own embedding runtime and interaction kernels:
 * DL4J's stock {@link EmbeddingLayer}s and the dot interaction as ND4J ops (a batched matmul and a
 * product with a 0/1 pair-selection matrix). The reference for tests that the current network is
 * the same function with the same parameters, and the "before" side of {@code BenchDlrmStep}.
 */
public final class ReferenceDlrm {
  private ReferenceDlrm() {}

  /** {@code w}'s network with the stock layers, same names, order, seed and initialization. */
  public static NetworkModel build(Dlrm w, DataType dtype, long seed) {
    var inputs = w.inputNames();
    ComputationGraphConfiguration.GraphBuilder g =
        new NeuralNetConfiguration.Builder()
            .dataType(dtype)
            .seed(seed)
            .updater(new NoOp())
            .weightInit(WeightInit.XAVIER)
            .graphBuilder()
            .addInputs(inputs);
    String prev = "dense";
    int width = w.denseFeatures();
    for (int i = 0; i < w.bottom().size(); i++) {
      g.addLayer(
          "bottom" + i,
          new DenseLayer.Builder()
              .nIn(width)
              .nOut(w.bottom().get(i))
              .activation(Activation.RELU)
              .build(),
          prev);
      prev = "bottom" + i;
      width = w.bottom().get(i);
    }
    String[] interactionInputs = new String[w.tableSizes().size() + 1];
    interactionInputs[0] = prev;
    for (int k = 0; k < w.tableSizes().size(); k++) {
      String name = "emb_" + inputs.get(k + 1);
      g.addLayer(
          name,
          new EmbeddingLayer.Builder()
              .nIn(w.tableSizes().get(k))
              .nOut(w.embeddingDim())
              .hasBias(false)
              .activation(Activation.IDENTITY)
              .weightInit(WeightInit.UNIFORM)
              .build(),
          inputs.get(k + 1));
      interactionInputs[k + 1] = name;
    }
    Vertex interaction = new Vertex(interactionInputs.length, w.embeddingDim());
    g.addVertex("interaction", interaction, interactionInputs);
    prev = "interaction";
    width = w.embeddingDim() + interactionInputs.length * (interactionInputs.length - 1) / 2;
    for (int i = 0; i < w.top().size() - 1; i++) {
      g.addLayer(
          "top" + i,
          new DenseLayer.Builder()
              .nIn(width)
              .nOut(w.top().get(i))
              .activation(Activation.RELU)
              .build(),
          prev);
      prev = "top" + i;
      width = w.top().get(i);
    }
    g.addLayer(
        "logit",
        new OutputLayer.Builder(new LogitBinaryCrossEntropy())
            .nIn(width)
            .nOut(1)
            .activation(Activation.IDENTITY)
            .build(),
        prev);
    g.setOutputs("logit");
    ComputationGraph net = new ComputationGraph(g.build());
    net.init();
    return new NetworkModel(net);
  }

  /** The configuration of {@link Interaction}. */
  public static final class Vertex extends GraphVertex {
    private final int features;
    private final int dim;

    public Vertex(@JsonProperty("features") int features, @JsonProperty("dim") int dim) {
      this.features = features;
      this.dim = dim;
    }

    public int getFeatures() {
      return features;
    }

    public int getDim() {
      return dim;
    }

    @Override
    public GraphVertex clone() {
      return new Vertex(features, dim);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Vertex v && v.features == features && v.dim == dim;
    }

    @Override
    public int hashCode() {
      return 31 * features + dim;
    }

    @Override
    public long numParams(boolean backprop) {
      return 0;
    }

    @Override
    public int minVertexInputs() {
      return features;
    }

    @Override
    public int maxVertexInputs() {
      return features;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(
        ComputationGraph graph,
        String name,
        int idx,
        INDArray paramsView,
        boolean initializeParams,
        DataType networkDatatype) {
      return new Interaction(graph, name, idx, networkDatatype, features);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
      return InputType.feedForward(dim + features * (features - 1) / 2);
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
      throw new UnsupportedOperationException();
    }
  }

  /** The interaction as ND4J ops, through the pair-selection matrix S [F*F, P]. */
  static final class Interaction extends BaseGraphVertex {
    private final INDArray select;

    Interaction(
        ComputationGraph graph, String name, int vertexIndex, DataType dataType, int features) {
      super(graph, name, vertexIndex, null, null, dataType);
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

    static INDArray forward(INDArray[] in, INDArray select) {
      long b = in[0].size(0);
      long d = in[0].size(1);
      int f = in.length;
      INDArray t = Nd4j.concat(1, in).reshape('c', b, f, d);
      INDArray z = Nd4j.matmul(t, t, null, false, true, false);
      INDArray flat = z.reshape('c', b, (long) f * f).mmul(select);
      return Nd4j.concat(1, in[0], flat);
    }

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
      try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATIONS)) {
        return forward(inputs, select);
      }
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
      try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATION_GRAD)) {
        return new Pair<>(null, backward(inputs, select, epsilon));
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
    public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {}

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArrays(
        INDArray[] maskArrays, MaskState currentMaskState, int minibatchSize) {
      return new Pair<>(null, currentMaskState);
    }

    @Override
    public String toString() {
      return "ReferenceDlrm.Interaction(" + getVertexName() + ")";
    }
  }
}
