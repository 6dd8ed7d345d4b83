package org.optimbench.jobs.model;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * DL4J's {@link OutputLayer} with softmax and multi-class cross-entropy ({@code MCXENT}, no
 * per-class weights), with a runtime of its own ({@link LeanSoftmaxOutputLayer}) that does less
 * work per training step. The configuration is DL4J's (a copy of an {@code OutputLayer} built by
 * DL4J's builder), so the parameters are the same ({@code W} [nIn, nOut] in 'f' order, then {@code
 * b}, from DL4J's initializer: the same vector for the same seed), and so are the outputs, losses
 * and gradients, bit for bit ({@code LeanSoftmaxOutputTest}).
 *
 * <p>What DL4J's does that this one does not, in a training step (BENCHMARKS.md, "Peers: PyTorch on
 * the same CPU"): compute {@code x W + b} twice (once for the score, once for the backward pass)
 * and the softmax twice (once inside the loss's score, once inside its gradient), each product with
 * a new zeroed scratch array.
 *
 * <p>Only what the classifier uses: softmax, MCXENT without weights, no dropout or weight noise,
 * checked when the layer is instantiated (after the network's defaults reached it). Label masks are
 * DL4J's own path (the classifier has none).
 */
public class LeanSoftmaxOutput extends OutputLayer {
  private static final long serialVersionUID = 1L;

  /** For DL4J's JSON configuration copies. */
  public LeanSoftmaxOutput() {}

  /** A copy of {@code c}'s settings (every field of DL4J's layer hierarchy) with this runtime. */
  public LeanSoftmaxOutput(OutputLayer c) {
    LayerConfs.copy(c, this);
  }

  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners,
      int layerIndex,
      INDArray view,
      boolean initializeParams,
      DataType dtype) {
    if (!(getActivationFn() instanceof ActivationSoftmax))
      throw refused("the softmax activation only, got " + getActivationFn());
    if (!(getLossFn() instanceof LossMCXENT mcxent) || mcxent.getWeights() != null)
      throw refused("the MCXENT loss without per-class weights only, got " + getLossFn());
    if (getIDropout() != null) throw refused("dropout is not supported");
    if (getWeightNoise() != null) throw refused("weight noise is not supported");
    return LayerRuntimes.wire(
        new LeanSoftmaxOutputLayer(conf, dtype),
        conf,
        listeners,
        layerIndex,
        view,
        initializeParams,
        initializer());
  }

  private IllegalArgumentException refused(String why) {
    return new IllegalArgumentException("LeanSoftmaxOutput layer " + getLayerName() + ": " + why);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LeanSoftmaxOutput && super.equals(o);
  }

  @Override
  public int hashCode() {
    return 31 * super.hashCode() + 1;
  }
}
