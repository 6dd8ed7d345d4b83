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
 * DL4J's {@link org.deeplearning4j.nn.conf.layers.DenseLayer} (bias, no layer norm) with less work
 * per training step: the same parameters ({@code W} [nIn, nOut] in 'f' order then {@code b}, from
 * the same {@link DefaultParamInitializer}, so the same vector for the same seed), the same outputs
 * and the same gradients, bit for bit (checked in {@code LeanDenseTest}). What it does not do that
 * DL4J's does, in a step of a dense MLP at batch 1024 (BENCHMARKS.md, "Peers: PyTorch on the same
 * CPU"):
 *
 * <ul>
 *   <li>recompute {@code x W + b} in backprop: the forward pass keeps the pre-activation for it
 *       (one [batch, nOut] array more in DL4J's activation workspace);
 *   <li>create and zero a new scratch array for the product {@code x W} at every call (DL4J's
 *       {@code mmuli} into a row-major result does): it comes from the layer's working memory;
 *   <li>with {@code inputGradient(false)}, compute the gradient of its input ({@code delta W^T}, a
 *       GEMM as large as the weight gradient's): the network's input needs none, as PyTorch skips
 *       it for an input that does not require a gradient;
 *   <li>run the element-wise work around the GEMMs as ND4J ops on float32 arrays (the product's
 *       copy into the row-major activation plus the bias, ReLU and its backprop, the bias
 *       gradient's sum): {@link DenseLoops} does it in Java loops, with the same bits.
 * </ul>
 *
 * <p>{@code inputGradient(false)} is for the FIRST layer of a MultiLayerNetwork only (it returns no
 * gradient for its input, as {@link org.optimbench.jobs.model.SparseLinear} and DL4J's
 * EmbeddingLayer do, so a layer before it would get none); a layer at another index is refused.
 * Dropout and weight noise are refused (the classifier and DLRM use neither). The classifier's
 * hidden layers and DLRM's bottom and top MLPs are built from it.
 */
public class LeanDense extends FeedForwardLayer {
  private boolean inputGradient = true;

  /** For DL4J's JSON configuration copies. */
  protected LeanDense() {}

  private LeanDense(Builder b) {
    super(b);
    this.inputGradient = b.inputGradient;
    initializeConstraints(b);
  }

  /** Whether backprop returns the gradient of the layer's input. */
  public boolean isInputGradient() {
    return inputGradient;
  }

  public void setInputGradient(boolean inputGradient) {
    this.inputGradient = inputGradient;
  }

  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners,
      int layerIndex,
      INDArray view,
      boolean initializeParams,
      DataType dtype) {
    LayerValidation.assertNInNOutSet("LeanDense", getLayerName(), layerIndex, nIn, nOut);
    // Checked here, not in the builder: the network's defaults reach a layer only when it is built.
    if (getIDropout() != null)
      throw new IllegalArgumentException(
          "LeanDense layer " + getLayerName() + ": dropout is not supported");
    if (getWeightNoise() != null)
      throw new IllegalArgumentException(
          "LeanDense layer " + getLayerName() + ": weight noise is not supported");
    if (!inputGradient && layerIndex != 0)
      throw new IllegalArgumentException(
          "LeanDense layer "
              + getLayerName()
              + " at index "
              + layerIndex
              + ": only the first layer may skip its input gradient (the layers before it need it)");
    return LayerRuntimes.wire(
        new LeanDenseLayer(conf, dtype),
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
   * As DenseLayer's, with what training holds per example: the kept pre-activation (the output's
   * size) and, with the input gradient, that gradient (the input's size).
   */
  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    InputType outputType = getOutputType(-1, inputType);
    long numParams = initializer().numParams(this);
    long updaterState = getIUpdater() == null ? 0 : getIUpdater().stateSize(numParams);
    long trainPerExample =
        outputType.arrayElementsPerExample()
            + (inputGradient ? inputType.arrayElementsPerExample() : 0);
    return new LayerMemoryReport.Builder(layerName, LeanDense.class, inputType, outputType)
        .standardMemory(numParams, updaterState)
        .workingMemory(0, 0, 0, trainPerExample)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LeanDense d && d.inputGradient == inputGradient && super.equals(o);
  }

  @Override
  public int hashCode() {
    return 31 * super.hashCode() + Boolean.hashCode(inputGradient);
  }

  public static final class Builder extends FeedForwardLayer.Builder<Builder> {
    private boolean inputGradient = true;

    /** false: no gradient for the input (first layer only); true by default. */
    public Builder inputGradient(boolean inputGradient) {
      this.inputGradient = inputGradient;
      return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public LeanDense build() {
      return new LeanDense(this);
    }
  }
}
