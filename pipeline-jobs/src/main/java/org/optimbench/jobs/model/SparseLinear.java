package org.optimbench.jobs.model;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A dense layer on sparse input: {@code y = act(x W + b)} for a batch of sparse rows {@code x},
 * encoded by {@link SparseBatch#pack}, without ever forming the dense {@code [batch, nIn]} input.
 * {@code nIn} is the number of features, {@code W} is {@code [nIn, nOut]} and {@code b} is {@code
 * [nOut]}, with DL4J's {@link org.deeplearning4j.nn.conf.layers.DenseLayer}'s parameter names
 * ({@code W}, {@code b}), shapes, flattened order (W then b) and 'f' layout, initialized by the
 * same {@link DefaultParamInitializer}: a network with this layer in place of a first DenseLayer
 * has the same parameter vector for the same seed and computes the same function of the densified
 * input.
 *
 * <p>It must be the FIRST layer (its input is the network's input): it returns no gradient for its
 * input, as DL4J's EmbeddingLayer does, so a layer before it would get none. Dropout is refused (it
 * would drop entries of the encoded indices), and so is weight noise (not implemented). The bias is
 * always present.
 *
 * <p>Logistic regression: this layer with the identity, then a LossLayer, which has no parameters,
 * so the vector is W then b as in {@code OutputLayer(nIn, classes, SOFTMAX, MCXENT)}, and the loss
 * and its gradient are that OutputLayer's:
 *
 * <pre>{@code
 * new NeuralNetConfiguration.Builder().dataType(dtype).seed(seed).updater(new NoOp()).list()
 *     .layer(new SparseLinear.Builder().nIn(numFeatures).nOut(classes)
 *         .activation(Activation.IDENTITY).weightInit(WeightInit.ZERO).build())
 *     .layer(new LossLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX).build())
 *     .build();
 * }</pre>
 *
 * An MLP replaces its first DenseLayer by {@code new SparseLinear.Builder().nIn(numFeatures)
 * .nOut(hidden).activation(Activation.TANH).build()} and keeps the rest.
 */
public class SparseLinear extends FeedForwardLayer {
  /** For DL4J's JSON configuration copies. */
  protected SparseLinear() {}

  private SparseLinear(Builder b) {
    super(b);
    initializeConstraints(b);
  }

  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners,
      int layerIndex,
      INDArray view,
      boolean initializeParams,
      DataType dtype) {
    LayerValidation.assertNInNOutSet("SparseLinear", getLayerName(), layerIndex, nIn, nOut);
    // Checked here, not in the builder: the network's defaults reach a layer only when it is built.
    if (getIDropout() != null)
      throw new IllegalArgumentException(
          "SparseLinear layer " + getLayerName() + ": dropout would drop encoded feature indices");
    if (getWeightNoise() != null)
      throw new IllegalArgumentException(
          "SparseLinear layer " + getLayerName() + ": weight noise is not supported");
    SparseBatch.indexDigits(dtype, nIn);
    return LayerRuntimes.wire(
        new SparseLinearLayer(conf, dtype),
        conf,
        listeners,
        layerIndex,
        view,
        initializeParams,
        initializer());
  }

  /** DenseLayer's own: the same views of the flat vector and the same random draws. */
  @Override
  public ParamInitializer initializer() {
    return DefaultParamInitializer.getInstance();
  }

  /**
   * Parameters and updater state as for a DenseLayer; the working memory counts the outputs only.
   * The rest depends on the padded row length m, which the input type does not know: per example,
   * the forward pass holds m indices, m values and m gathered rows of nOut, and the backward pass
   * as many again plus m updates of nOut (m more for a second index digit).
   */
  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    InputType outputType = getOutputType(-1, inputType);
    long numParams = initializer().numParams(this);
    long updaterState = getIUpdater() == null ? 0 : getIUpdater().stateSize(numParams);
    return new LayerMemoryReport.Builder(layerName, SparseLinear.class, inputType, outputType)
        .standardMemory(numParams, updaterState)
        .workingMemory(0, 0, 0, outputType.arrayElementsPerExample())
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  public static final class Builder extends FeedForwardLayer.Builder<Builder> {
    @Override
    @SuppressWarnings("unchecked")
    public SparseLinear build() {
      return new SparseLinear(this);
    }
  }
}
