package org.optimbench.jobs.model;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What every layer configuration with a runtime of its own does in {@code instantiate}. */
public final class LayerRuntimes {
  private LayerRuntimes() {}

  /**
   * {@code layer}, DL4J's way: its listeners, its index, its slice {@code view} of the network's
   * flat parameters, the parameter table {@code initializer} makes of that view (drawing initial
   * values when {@code initialize}), and {@code conf}.
   */
  public static <L extends Layer> L wire(
      L layer,
      NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners,
      int index,
      INDArray view,
      boolean initialize,
      ParamInitializer initializer) {
    layer.setListeners(listeners);
    layer.setIndex(index);
    layer.setParamsViewArray(view);
    layer.setParamTable(initializer.init(conf, view, initialize));
    layer.setConf(conf);
    return layer;
  }
}
