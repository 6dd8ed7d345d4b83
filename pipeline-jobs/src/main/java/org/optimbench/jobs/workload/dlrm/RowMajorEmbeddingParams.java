package org.optimbench.jobs.workload.dlrm;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.params.EmbeddingLayerParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's embedding parameters with the table stored row-major: {@code W} is {@code [rows, width]}
 * in 'c' order over the same slice of the flat vector, where DL4J's {@link
 * EmbeddingLayerParamInitializer} stores it in 'f' order. A row is then {@code width} consecutive
 * elements, as in PyTorch's {@code nn.Embedding}, instead of {@code width} elements a table's
 * height apart: every per-row operation of a step (the lookup, the gradient's scatter, zeroing and
 * division, the sparse sum's and the row-sparse optimizer's reads and writes) touches one or two
 * cache lines per row instead of {@code width} (BENCHMARKS.md, "Peers: PyTorch on the same CPU").
 *
 * <p>Initial values are the stock layer's, element for element: DL4J draws them into its 'f' view
 * of the slice, and they are then rewritten in row-major order. Without initialization (a network
 * built around an existing flat vector, or a copy), the slice is read as row-major, which is how
 * this layer writes it.
 */
final class RowMajorEmbeddingParams extends EmbeddingLayerParamInitializer {
  static final RowMajorEmbeddingParams INSTANCE = new RowMajorEmbeddingParams();

  @Override
  public Map<String, INDArray> init(
      NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
    Map<String, INDArray> params =
        new LinkedHashMap<>(super.init(conf, paramsView, initializeParams));
    INDArray f = params.get(DefaultParamInitializer.WEIGHT_KEY);
    INDArray c = rowMajor(f);
    if (initializeParams) {
      INDArray drawn = f.dup('f');
      c.assign(drawn);
      drawn.close();
    }
    params.put(DefaultParamInitializer.WEIGHT_KEY, c);
    return params;
  }

  @Override
  public Map<String, INDArray> getGradientsFromFlattened(
      NeuralNetConfiguration conf, INDArray gradientView) {
    Map<String, INDArray> grads =
        new LinkedHashMap<>(super.getGradientsFromFlattened(conf, gradientView));
    grads.put(
        DefaultParamInitializer.WEIGHT_KEY,
        rowMajor(grads.get(DefaultParamInitializer.WEIGHT_KEY)));
    return grads;
  }

  /** A 'c'-order view of {@code [rows, width]} over the memory of the 'f'-order view {@code f}. */
  static INDArray rowMajor(INDArray f) {
    long rows = f.size(0);
    long width = f.size(1);
    if (f.ordering() != 'f' || f.stride(0) != 1 || f.stride(1) != rows)
      throw new IllegalStateException(
          "expected DL4J's 'f'-order embedding table, got order "
              + f.ordering()
              + " with strides "
              + java.util.Arrays.toString(f.stride()));
    return Nd4j.create(f.data(), new long[] {rows, width}, new long[] {width, 1}, f.offset(), 'c');
  }
}
