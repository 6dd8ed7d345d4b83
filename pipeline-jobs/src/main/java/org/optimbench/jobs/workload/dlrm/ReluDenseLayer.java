package org.optimbench.jobs.workload.dlrm;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link DenseLayer} configuration (parameters, initializer and random draws unchanged) with
 * the runtime {@link ReluDense}, whose backward pass takes the ReLU's derivative from the forward
 * pass's output instead of computing the layer's forward product again as DL4J's does.
 */
public final class ReluDenseLayer extends DenseLayer {
  private static final long serialVersionUID = 1L;

  /** For DL4J's JSON configuration copies. */
  public ReluDenseLayer() {}

  /** A copy of {@code c}'s settings (every field of DL4J's layer hierarchy) with this runtime. */
  public ReluDenseLayer(DenseLayer c) {
    LayerConfs.copy(c, this);
    setHasBias(c.hasBias());
    setHasLayerNorm(c.hasLayerNorm());
  }

  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners,
      int layerIndex,
      INDArray view,
      boolean initializeParams,
      DataType dtype) {
    LayerValidation.assertNInNOutSet("DenseLayer", getLayerName(), layerIndex, getNIn(), getNOut());
    ReluDense layer = new ReluDense(conf, dtype);
    layer.setListeners(listeners);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(view);
    Map<String, INDArray> params = initializer().init(conf, view, initializeParams);
    layer.setParamTable(params);
    layer.setConf(conf);
    return layer;
  }
}
