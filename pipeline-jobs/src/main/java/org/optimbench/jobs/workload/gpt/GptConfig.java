package org.optimbench.jobs.workload.gpt;

/**
 * The shape of a GPT-2 style decoder-only language model.
 *
 * @param vocab number of token ids (50257 for GPT-2 BPE); ids must lie in [0, vocab)
 * @param seqLen context length T: a training block holds seqLen + 1 tokens (inputs and shifted
 *     labels)
 * @param dModel embedding and residual width
 * @param heads attention heads; dModel must be divisible by heads
 * @param layers number of transformer blocks L
 * @param mlpRatio MLP hidden width as a multiple of dModel (4 in GPT-2)
 * @param initStd standard deviation of the normal initialization (0.02 in GPT-2); residual output
 *     projections use initStd / sqrt(2 * layers)
 * @param layerNormEps epsilon inside LayerNorm's square root (1e-5 in GPT-2)
 */
public record GptConfig(
    int vocab,
    int seqLen,
    int dModel,
    int heads,
    int layers,
    int mlpRatio,
    double initStd,
    double layerNormEps) {
  /**
   * DL4J feeds a SameDiff layer its input in the network's float type; float32 holds integers
   * exactly up to 2^24.
   */
  public static final int MAX_VOCAB = 1 << 24;

  public GptConfig {
    positive("vocab", vocab);
    positive("seqLen", seqLen);
    positive("dModel", dModel);
    positive("heads", heads);
    positive("layers", layers);
    positive("mlpRatio", mlpRatio);
    if (vocab < 2) throw new IllegalArgumentException("vocab (" + vocab + ") must be >= 2");
    if (vocab > MAX_VOCAB)
      throw new IllegalArgumentException(
          "vocab ("
              + vocab
              + ") must be <= "
              + MAX_VOCAB
              + ": token ids travel as float32 into the network");
    if (dModel % heads != 0)
      throw new IllegalArgumentException(
          "dModel (" + dModel + ") must be divisible by heads (" + heads + ")");
    if (!(initStd > 0) || Double.isInfinite(initStd))
      throw new IllegalArgumentException("initStd (" + initStd + ") must be finite and > 0");
    if (!(layerNormEps > 0) || Double.isInfinite(layerNormEps))
      throw new IllegalArgumentException(
          "layerNormEps (" + layerNormEps + ") must be finite and > 0");
    // The flat parameter vector is indexed by long, but DL4J's SameDiff layer sizes views with int.
    if (GptModel.parameterCount(vocab, seqLen, dModel, layers, mlpRatio) > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "parameter count "
              + GptModel.parameterCount(vocab, seqLen, dModel, layers, mlpRatio)
              + " exceeds DL4J's int-sized SameDiff layer (vocab "
              + vocab
              + ", dModel "
              + dModel
              + ", layers "
              + layers
              + ")");
    }
  }

  /** GPT-2's defaults: MLP 4x wide, init std 0.02, LayerNorm epsilon 1e-5. */
  public GptConfig(int vocab, int seqLen, int dModel, int heads, int layers) {
    this(vocab, seqLen, dModel, heads, layers, 4, 0.02, 1e-5);
  }

  /** The GPT-2 "small" shape (124,439,808 parameters). */
  public static GptConfig gpt2Small() {
    return new GptConfig(50257, 1024, 768, 12, 12);
  }

  public int headDim() {
    return dModel / heads;
  }

  public int mlpWidth() {
    return mlpRatio * dModel;
  }

  /** Standard deviation of the residual output projections (attn.c_proj and mlp.c_proj weights). */
  public double residualInitStd() {
    return initStd / Math.sqrt(2.0 * layers);
  }

  private static void positive(String field, int v) {
    if (v <= 0) throw new IllegalArgumentException(field + " (" + v + ") must be > 0");
  }
}
