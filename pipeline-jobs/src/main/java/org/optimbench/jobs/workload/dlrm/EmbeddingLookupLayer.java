package org.optimbench.jobs.workload.dlrm;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.jobs.model.LayerConfs;
import org.optimbench.jobs.model.LayerRuntimes;

/**
 * DLRM's embedding table: DL4J's {@link EmbeddingLayer} configuration (so the same parameter key
 * {@code W}, shape {@code [rows, dim]}, initializer and random draws, stored row-major ({@link
 * RowMajorEmbeddingParams}) where DL4J's are 'f' order, and the same {@code instanceof
 * EmbeddingLayer} for {@link org.optimbench.jobs.model.NetworkModel#embeddingTables}) with a
 * runtime of its own, {@link EmbeddingLookup}, which gathers and scatters the batch's rows in Java
 * instead of DL4J's per-layer ops (the cause of most of DLRM's step time: BENCHMARKS.md, "Peers:
 * PyTorch on the same CPU").
 *
 * <p>Only what DLRM uses: identity activation, no bias, no dropout or weight noise (checked when
 * the layer is instantiated, after the network's defaults reached it).
 */
public final class EmbeddingLookupLayer extends EmbeddingLayer {
  private static final long serialVersionUID = 1L;

  /** For DL4J's JSON configuration copies. */
  public EmbeddingLookupLayer() {}

  /** A copy of {@code c}'s settings (every field of DL4J's layer hierarchy) with this runtime. */
  public EmbeddingLookupLayer(EmbeddingLayer c) {
    LayerConfs.copy(c, this);
    setHasBias(c.hasBias());
  }

  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners,
      int layerIndex,
      INDArray view,
      boolean initializeParams,
      DataType dtype) {
    if (hasBias()
        || !(getActivationFn() instanceof ActivationIdentity)
        || getIDropout() != null
        || getWeightNoise() != null)
      throw new IllegalArgumentException(
          "EmbeddingLookupLayer "
              + getLayerName()
              + ": only the identity activation without bias, dropout or weight noise");
    return LayerRuntimes.wire(
        new EmbeddingLookup(conf, dtype),
        conf,
        listeners,
        layerIndex,
        view,
        initializeParams,
        initializer());
  }

  /** The stock parameters with the table stored row-major ({@link RowMajorEmbeddingParams}). */
  @Override
  public org.deeplearning4j.nn.api.ParamInitializer initializer() {
    return RowMajorEmbeddingParams.INSTANCE;
  }
}
