package org.optimbench.jobs.model;

import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;

/** Copies of DL4J layer configurations into subclasses that bring a runtime of their own. */
public final class LayerConfs {
  private LayerConfs() {}

  /**
   * Sets every field of DL4J's configuration hierarchy (Layer, BaseLayer, FeedForwardLayer) of
   * {@code to} from {@code from}: as built by DL4J's builder, so the network's defaults reach the
   * copy exactly as they would reach the original.
   */
  public static <T extends FeedForwardLayer> T copy(FeedForwardLayer from, T to) {
    to.setLayerName(from.getLayerName());
    to.setIDropout(from.getIDropout());
    to.setConstraints(from.getConstraints());
    to.setActivationFn(from.getActivationFn());
    to.setWeightInitFn(from.getWeightInitFn());
    to.setBiasInit(from.getBiasInit());
    to.setGainInit(from.getGainInit());
    to.setRegularization(from.getRegularization());
    to.setRegularizationBias(from.getRegularizationBias());
    to.setIUpdater(from.getIUpdater());
    to.setBiasUpdater(from.getBiasUpdater());
    to.setWeightNoise(from.getWeightNoise());
    to.setGradientNormalization(from.getGradientNormalization());
    to.setGradientNormalizationThreshold(from.getGradientNormalizationThreshold());
    to.setNIn(from.getNIn());
    to.setNOut(from.getNOut());
    to.setTimeDistributedFormat(from.getTimeDistributedFormat());
    return to;
  }

  /**
   * {@link #copy(FeedForwardLayer, FeedForwardLayer)} plus an output layer's loss and bias flag.
   */
  public static <T extends BaseOutputLayer> T copy(BaseOutputLayer from, T to) {
    copy((FeedForwardLayer) from, to);
    to.setLossFn(from.getLossFn());
    to.setHasBias(from.hasBias());
    return to;
  }
}
