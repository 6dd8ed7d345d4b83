package org.optimbench.jobs.workload.gpt;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;
import org.optimbench.jobs.model.NetworkModel;

/** Builds the GPT network and gives its closed-form size and cost (pipeline-jobs/GPT.md). */
public final class GptModel {
  private GptModel() {}

  public static NetworkModel build(GptConfig config, DataType dtype, long seed) {
    if (dtype != DataType.FLOAT && dtype != DataType.DOUBLE)
      throw new IllegalArgumentException("dtype " + dtype + " must be FLOAT or DOUBLE");
    MultiLayerConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .dataType(dtype)
            .seed(seed)
            .updater(new NoOp())
            .list()
            .layer(new GptLayer(config, seed))
            .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return new NetworkModel(net);
  }

  /**
   * (vocab + seqLen) d + L (4 d^2 + 2 d m + 9 d + m) + 2 d, with m = mlpRatio d; 124,439,808 for
   * GPT-2 small.
   */
  public static long parameterCount(GptConfig c) {
    return parameterCount(c.vocab(), c.seqLen(), c.dModel(), c.layers(), c.mlpRatio());
  }

  /**
   * Training FLOPs per token (forward + backward, multiply-adds counted as 2): {@code 6 (N - seqLen
   * d) + 12 L seqLen d}, the formula of nanoGPT's {@code estimate_mfu} (PaLM, Chowdhery et al.
   * 2022, appendix B): 6 per parameter of the matmuls (the position table is a lookup, not a
   * matmul; the tied {@code wte} is counted once, for the output projection), plus the attention
   * scores and weighted sum, 2 * 2 T d per token and layer forward, times 3. Our attention computes
   * the full T x T score matrix and masks it, so the attention term is not halved. LayerNorm, GELU,
   * softmax and other elementwise work is not counted. 855,166,464 for GPT-2 small.
   */
  public static long trainingFlopsPerToken(GptConfig c) {
    long n = parameterCount(c) - (long) c.seqLen() * c.dModel();
    return 6 * n + 12L * c.layers() * c.seqLen() * c.dModel();
  }

  static long parameterCount(long vocab, long seqLen, long d, long layers, long mlpRatio) {
    long m = mlpRatio * d;
    long block = 2 * 2 * d + (3 * d * d + 3 * d) + (d * d + d) + (d * m + m) + (m * d + d);
    return (vocab + seqLen) * d + layers * block + 2 * d;
  }
}
