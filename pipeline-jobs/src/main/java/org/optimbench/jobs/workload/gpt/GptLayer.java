package org.optimbench.jobs.workload.gpt;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.GaussianDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The whole GPT as one DL4J SameDiff output layer: token and position embeddings, the pre-norm
 * blocks, the final LayerNorm, the output projection tied to the token embedding and the
 * cross-entropy. One layer because the tied matrix {@code wte} must be one parameter that both the
 * input lookup and the output projection read, so that its gradient is the sum of both uses.
 *
 * <p>Input: token ids {@code [batch, seqLen]} stored in the network's float type (DL4J gives a
 * SameDiff layer placeholders of that type only); labels: the next token ids, same shape and type.
 * The runtime layer {@link GptNetworkLayer} looks the input ids up in {@code wte} and feeds the
 * rows to the graph; the labels are cast to int inside it. The layer's output ("loss") is the SUM
 * over the batch of each sequence's mean token cross-entropy; DL4J divides it by the batch size for
 * the score, and {@code NetworkModel} divides the gradient by it, so both are the mean over all
 * tokens. The activations ({@code network.output(x)}) are the logits {@code [batch, seqLen,
 * vocab]}.
 *
 * <p>Parameter names and order follow Hugging Face's GPT-2 ({@code wte}, {@code wpe}, {@code
 * h.0.ln_1.weight}, ... {@code ln_f.bias}); linear weights are {@code [in, out]} as in GPT-2's
 * Conv1D, row-major, so {@code y = x W + b}.
 */
public class GptLayer extends SameDiffOutputLayer {
  static final String LOGITS = "logits";

  /**
   * Placeholder for the looked-up token embeddings {@code [batch * seqLen, dModel]} (see
   * GptNetworkLayer).
   */
  static final String TOKEN_EMBEDDINGS = "token_embeddings";

  private static final double MASKED = -1e9;

  private int vocab;
  private int seqLen;
  private int dModel;
  private int heads;
  private int layers;
  private int mlpRatio;
  private double initStd;
  private double layerNormEps;
  private long seed;

  /** For DL4J's JSON configuration copies. */
  protected GptLayer() {}

  GptLayer(GptConfig c, long seed) {
    this.vocab = c.vocab();
    this.seqLen = c.seqLen();
    this.dModel = c.dModel();
    this.heads = c.heads();
    this.layers = c.layers();
    this.mlpRatio = c.mlpRatio();
    this.initStd = c.initStd();
    this.layerNormEps = c.layerNormEps();
    this.seed = seed;
  }

  GptConfig config() {
    return new GptConfig(vocab, seqLen, dModel, heads, layers, mlpRatio, initStd, layerNormEps);
  }

  static String block(int layer, String name) {
    return "h." + layer + "." + name;
  }

  @Override
  public void defineParameters(SDLayerParams p) {
    long d = dModel;
    long m = (long) mlpRatio * dModel;
    // All declared as "weights" so that DL4J keeps declaration order (it puts biases after all
    // weights).
    p.addWeightParam("wte", vocab, d);
    p.addWeightParam("wpe", seqLen, d);
    for (int l = 0; l < layers; l++) {
      p.addWeightParam(block(l, "ln_1.weight"), d);
      p.addWeightParam(block(l, "ln_1.bias"), d);
      p.addWeightParam(block(l, "attn.c_attn.weight"), d, 3 * d);
      p.addWeightParam(block(l, "attn.c_attn.bias"), 3 * d);
      p.addWeightParam(block(l, "attn.c_proj.weight"), d, d);
      p.addWeightParam(block(l, "attn.c_proj.bias"), d);
      p.addWeightParam(block(l, "ln_2.weight"), d);
      p.addWeightParam(block(l, "ln_2.bias"), d);
      p.addWeightParam(block(l, "mlp.c_fc.weight"), d, m);
      p.addWeightParam(block(l, "mlp.c_fc.bias"), m);
      p.addWeightParam(block(l, "mlp.c_proj.weight"), m, d);
      p.addWeightParam(block(l, "mlp.c_proj.bias"), d);
    }
    p.addWeightParam("ln_f.weight", d);
    p.addWeightParam("ln_f.bias", d);
  }

  /**
   * GPT-2's initialization (Radford et al. 2019, section 2.3; nanoGPT {@code _init_weights}): every
   * matrix, embeddings included, N(0, initStd^2); the two residual output projections of each block
   * N(0, (initStd / sqrt(2L))^2); biases 0; LayerNorm gains 1 and biases 0. Drawn from a generator
   * seeded with the model seed, in parameter order, independent of ND4J's global generator.
   */
  @Override
  public void initializeParameters(Map<String, INDArray> params) {
    Random rng = Nd4j.getRandomFactory().getNewRandomInstance(seed);
    double residualStd = config().residualInitStd();
    for (Map.Entry<String, INDArray> e : params.entrySet()) {
      String name = e.getKey();
      INDArray p = e.getValue();
      if (name.startsWith("ln") || name.contains(".ln_")) {
        p.assign(name.endsWith(".weight") ? 1.0 : 0.0);
      } else if (name.endsWith(".bias")) {
        p.assign(0.0);
      } else {
        double std = name.endsWith("c_proj.weight") ? residualStd : initStd;
        INDArray draw = Nd4j.createUninitialized(p.dataType(), p.shape());
        Nd4j.getExecutioner().exec(new GaussianDistribution(draw, 0.0, std), rng);
        p.assign(draw);
      }
    }
  }

  @Override
  public SDVariable defineLayer(
      SameDiff sd, SDVariable input, SDVariable labels, Map<String, SDVariable> p) {
    DataType dt = input.dataType();
    long t = seqLen;
    long d = dModel;
    long hd = dModel / heads;
    SDVariable tokens = sd.placeHolder(TOKEN_EMBEDDINGS, dt, -1, d);
    SDVariable x = tokens.reshape(-1, t, d).add(p.get("wpe")).reshape(-1, d);
    SDVariable mask = sd.constant("causal_mask", causalMask(dt));
    SDVariable scale = sd.constant("attn_scale", Nd4j.scalar(dt, 1.0 / Math.sqrt(hd)));
    for (int l = 0; l < layers; l++) {
      SDVariable h = layerNorm(sd, x, p.get(block(l, "ln_1.weight")), p.get(block(l, "ln_1.bias")));
      SDVariable qkv =
          h.mmul(p.get(block(l, "attn.c_attn.weight"))).add(p.get(block(l, "attn.c_attn.bias")));
      // [B*T, 3d] -> [B, T, 3, H, hd] -> [3, B, H, T, hd]
      SDVariable[] split =
          sd.unstack(qkv.reshape(-1, t, 3, heads, hd).permute(2, 0, 3, 1, 4), 0, 3);
      SDVariable att = sd.mmul(split[0], split[1], false, true, false).mul(scale).add(mask);
      att = sd.nn().softmax(att, 3);
      SDVariable y = sd.mmul(att, split[2]).permute(0, 2, 1, 3).reshape(-1, d);
      x =
          x.add(
              y.mmul(p.get(block(l, "attn.c_proj.weight")))
                  .add(p.get(block(l, "attn.c_proj.bias"))));
      h = layerNorm(sd, x, p.get(block(l, "ln_2.weight")), p.get(block(l, "ln_2.bias")));
      h =
          gelu(
              sd, h.mmul(p.get(block(l, "mlp.c_fc.weight"))).add(p.get(block(l, "mlp.c_fc.bias"))));
      x =
          x.add(
              h.mmul(p.get(block(l, "mlp.c_proj.weight"))).add(p.get(block(l, "mlp.c_proj.bias"))));
    }
    x = layerNorm(sd, x, p.get("ln_f.weight"), p.get("ln_f.bias"));
    SDVariable logits = sd.mmul(x, p.get("wte"), false, true, false);
    logits.reshape(-1, t, vocab).rename(LOGITS);
    SDVariable target =
        sd.oneHot(labels.castTo(DataType.INT32).reshape(-1), vocab, -1, 1.0, 0.0, dt);
    SDVariable tokenLoss = crossEntropy(sd, logits, target);
    SDVariable loss = tokenLoss.sum().mul(1.0 / t);
    // Explicit: SameDiff would otherwise guess the loss among the graph's outputs (logits is one).
    sd.setLossVariables(loss);
    return loss;
  }

  /**
   * Per-token cross-entropy [N, 1] = logsumexp(z) - z[label], with z the logits shifted by their
   * row maximum. Written out because ND4J's sparse softmax cross-entropy ignores the incoming
   * gradient in its backward op (SparseSoftmaxCrossEntropyLossWithLogits.doDiff, 1.0.0-M2.1), so
   * any reduction other than a plain sum (here the mean over positions) would get a wrong gradient.
   */
  private static SDVariable crossEntropy(SameDiff sd, SDVariable logits, SDVariable oneHotTarget) {
    SDVariable z = logits.sub(logits.max(true, 1));
    SDVariable logSumExp = sd.math().log(sd.math().exp(z).sum(true, 1));
    return logSumExp.sub(z.mul(oneHotTarget).sum(true, 1));
  }

  /** LayerNorm over the last axis of [N, d], biased variance, as torch.nn.LayerNorm. */
  private SDVariable layerNorm(SameDiff sd, SDVariable x, SDVariable gain, SDVariable bias) {
    SDVariable centered = x.sub(x.mean(true, 1));
    SDVariable var = centered.mul(centered).mean(true, 1);
    return centered.mul(sd.math().rsqrt(var.add(layerNormEps))).mul(gain).add(bias);
  }

  /** GPT-2's tanh approximation of GELU ("gelu_new"); ND4J's gelu is the sigmoid approximation. */
  private static SDVariable gelu(SameDiff sd, SDVariable x) {
    SDVariable inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2.0 / Math.PI));
    return x.mul(sd.math().tanh(inner).add(1.0)).mul(0.5);
  }

  /** 0 on and below the diagonal, -1e9 above: position i attends to positions j <= i. */
  private INDArray causalMask(DataType dt) {
    INDArray m = Nd4j.zeros(dt, seqLen, seqLen);
    for (int i = 0; i < seqLen; i++) {
      for (int j = i + 1; j < seqLen; j++) m.putScalar(i, j, MASKED);
    }
    return m;
  }

  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners,
      int layerIndex,
      INDArray view,
      boolean initializeParams,
      DataType dtype) {
    GptNetworkLayer layer = new GptNetworkLayer(conf, dtype);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(view);
    layer.setParamTable(initializer().init(conf, view, initializeParams));
    layer.setConf(conf);
    return layer;
  }

  @Override
  public String activationsVertexName() {
    return LOGITS;
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    return InputType.recurrent(vocab, seqLen);
  }

  // Bean accessors for DL4J's JSON configuration serialization.
  public int getVocab() {
    return vocab;
  }

  public void setVocab(int v) {
    vocab = v;
  }

  public int getSeqLen() {
    return seqLen;
  }

  public void setSeqLen(int v) {
    seqLen = v;
  }

  public int getDModel() {
    return dModel;
  }

  public void setDModel(int v) {
    dModel = v;
  }

  public int getHeads() {
    return heads;
  }

  public void setHeads(int v) {
    heads = v;
  }

  public int getLayers() {
    return layers;
  }

  public void setLayers(int v) {
    layers = v;
  }

  public int getMlpRatio() {
    return mlpRatio;
  }

  public void setMlpRatio(int v) {
    mlpRatio = v;
  }

  public double getInitStd() {
    return initStd;
  }

  public void setInitStd(double v) {
    initStd = v;
  }

  public double getLayerNormEps() {
    return layerNormEps;
  }

  public void setLayerNormEps(double v) {
    layerNormEps = v;
  }

  public long getSeed() {
    return seed;
  }

  public void setSeed(long v) {
    seed = v;
  }
}
