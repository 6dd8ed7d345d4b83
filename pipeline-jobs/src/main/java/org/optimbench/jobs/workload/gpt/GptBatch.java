package org.optimbench.jobs.workload.gpt;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One minibatch of the language model, made from data-prep's token blocks ({@code tokens
 * array<int>[seq_len + 1]}): features are {@code block[0 .. seqLen)}, labels {@code block[1 ..
 * seqLen]} (the next token at each position), both {@code [batch, seqLen]} in the network's float
 * type holding integer ids (DL4J gives SameDiff layers float placeholders only; ids below 2^24 are
 * exact in float32). Every position is a prediction, so {@code tokens = batch * seqLen}; the loss
 * is the mean cross-entropy over these tokens.
 *
 * @param features token ids {@code [batch, seqLen]}
 * @param labels next-token ids {@code [batch, seqLen]}
 * @param tokens number of predicted tokens, {@code batch * seqLen}
 */
public record GptBatch(INDArray features, INDArray labels, long tokens) {
  public GptBatch {
    if (features.rank() != 2 || !java.util.Arrays.equals(features.shape(), labels.shape())) {
      throw new IllegalArgumentException(
          "features "
              + java.util.Arrays.toString(features.shape())
              + " and labels "
              + java.util.Arrays.toString(labels.shape())
              + " must both be [batch, seqLen]");
    }
    if (tokens != features.length())
      throw new IllegalArgumentException(
          "tokens (" + tokens + ") must be batch * seqLen = " + features.length());
  }

  /**
   * Stacks {@code blocks}, each of {@code config.seqLen() + 1} ids in [0, vocab), into one batch of
   * {@code dtype}.
   */
  public static GptBatch of(List<int[]> blocks, GptConfig config, DataType dtype) {
    if (blocks.isEmpty())
      throw new IllegalArgumentException("a batch needs at least one token block");
    int t = config.seqLen();
    int n = blocks.size();
    double[] x = new double[n * t];
    double[] y = new double[n * t];
    for (int b = 0; b < n; b++) {
      int[] block = blocks.get(b);
      if (block.length != t + 1)
        throw new IllegalArgumentException(
            "block " + b + " has " + block.length + " tokens, expected seqLen + 1 = " + (t + 1));
      for (int i = 0; i <= t; i++) {
        if (block[i] < 0 || block[i] >= config.vocab()) {
          throw new IllegalArgumentException(
              "block "
                  + b
                  + ", position "
                  + i
                  + ": token "
                  + block[i]
                  + " outside [0, vocab = "
                  + config.vocab()
                  + ")");
        }
      }
      for (int i = 0; i < t; i++) {
        x[b * t + i] = block[i];
        y[b * t + i] = block[i + 1];
      }
    }
    return new GptBatch(
        Nd4j.create(x, new long[] {n, t}, dtype),
        Nd4j.create(y, new long[] {n, t}, dtype),
        (long) n * t);
  }

  public int batchSize() {
    return (int) features.size(0);
  }

  /** The form {@code NetworkModel.lossAndGradient} takes: one feature array, one label array. */
  public MultiDataSet toMultiDataSet() {
    return new MultiDataSet(features, labels);
  }

  /**
   * exp(mean token cross-entropy in nats); the mean must be over tokens, not over batches of
   * unequal size.
   */
  public static double perplexity(double meanTokenCrossEntropy) {
    if (Double.isNaN(meanTokenCrossEntropy) || meanTokenCrossEntropy < 0) {
      throw new IllegalArgumentException(
          "mean token cross-entropy (" + meanTokenCrossEntropy + ") must be >= 0");
    }
    return Math.exp(meanTokenCrossEntropy);
  }
}
