package org.optimbench.jobs.workload.dlrm;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Configuration of DLRM's pairwise dot-product interaction ({@link DotInteraction}): {@code
 * features} inputs of width {@code dim} (the bottom MLP output first, then one embedding per
 * categorical feature), output width {@code dim + features (features - 1) / 2}. No parameters.
 */
public final class DotInteractionVertex extends GraphVertex {
  private final int features;
  private final int dim;

  public DotInteractionVertex(
      @JsonProperty("features") int features, @JsonProperty("dim") int dim) {
    if (features < 2 || dim < 1)
      throw new IllegalArgumentException(
          "dot interaction needs >= 2 inputs of width >= 1, got " + features + " x " + dim);
    this.features = features;
    this.dim = dim;
  }

  public int getFeatures() {
    return features;
  }

  public int getDim() {
    return dim;
  }

  /** Output width: the bottom output plus one dot product per pair. */
  public int outputWidth() {
    return dim + features * (features - 1) / 2;
  }

  @Override
  public GraphVertex clone() {
    return new DotInteractionVertex(features, dim);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DotInteractionVertex v && v.features == features && v.dim == dim;
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
    return new DotInteraction(graph, name, idx, networkDatatype, features);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs)
      throws InvalidInputTypeException {
    if (vertexInputs.length != features)
      throw new InvalidInputTypeException(
          "dot interaction: " + vertexInputs.length + " inputs, expected " + features);
    return InputType.feedForward(outputWidth());
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputTypes) {
    return new LayerMemoryReport.Builder(
            null, DotInteractionVertex.class, inputTypes[0], getOutputType(-1, inputTypes))
        .standardMemory(0, 0)
        .workingMemory(0, 0, 0, 0)
        .cacheMemory(0, 0)
        .build();
  }
}
