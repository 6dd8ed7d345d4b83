package org.optimbench.jobs.workload.gpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Segment;

/**
 * The GPT network as the optim library sees it: its size, layout, initialization, loss, causality
 * and gradient. Reference values: GPT-2 small has 124,439,808 parameters (Hugging Face {@code
 * GPT2LMHeadModel} with the tied head counted once; nanoGPT's {@code model.py} reports the same
 * model as 123.65M after subtracting the 786,432 position embeddings); a uniform predictor has
 * cross-entropy ln(vocab); the gradient is checked against central finite differences.
 */
class GptModelTest {
  private static final GptConfig C = GptFixtures.TINY;

  private static MultiLayerNetwork net(NetworkModel m) {
    return (MultiLayerNetwork) m.network();
  }

  @Test
  void parameterCountIsTheClosedFormAndGpt2SmallIs124439808() {
    assertEquals(124_439_808L, GptModel.parameterCount(GptConfig.gpt2Small()));
    NetworkModel m = GptModel.build(C, DataType.DOUBLE, 1);
    assertEquals(GptModel.parameterCount(C), m.view().length());
    assertEquals(GptModel.parameterCount(C), m.layout().totalLength());
    // a wider MLP and more layers go through the same formula
    GptConfig other = new GptConfig(37, 5, 12, 3, 3, 2, 0.02, 1e-5);
    assertEquals(
        GptModel.parameterCount(other), GptModel.build(other, DataType.DOUBLE, 1).view().length());
  }

  @Test
  void trainingFlopsPerTokenIsNanoGptsEstimate() {
    // nanoGPT estimate_mfu for GPT-2 small: N = get_num_params() = 123,653,376 (wpe excluded),
    // 6 N + 12 L H Q T with H Q = 768, T = 1024, L = 12: 741,920,256 + 113,246,208
    assertEquals(855_166_464L, GptModel.trainingFlopsPerToken(GptConfig.gpt2Small()));
  }

  @Test
  void dl4jJsonConfigurationRebuildsTheSameNetwork() {
    MultiLayerNetwork net = net(GptModel.build(C, DataType.DOUBLE, 4));
    MultiLayerNetwork copy =
        new MultiLayerNetwork(
            MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson()));
    copy.init();
    assertArrayEquals(net.params().toDoubleVector(), copy.params().toDoubleVector(), 0.0);
  }

  @Test
  void oneSegmentPerTensorWithGpt2NamesAndShapes() {
    ModelView v = GptModel.build(C, DataType.DOUBLE, 1).view();
    List<String> names = v.layout().segments().stream().map(Segment::name).toList();
    assertEquals(2 + 12 * C.layers() + 2, names.size());
    assertEquals(
        List.of(
            "0_wte",
            "0_wpe",
            "0_h.0.ln_1.weight",
            "0_h.0.ln_1.bias",
            "0_h.0.attn.c_attn.weight",
            "0_h.0.attn.c_attn.bias",
            "0_h.0.attn.c_proj.weight",
            "0_h.0.attn.c_proj.bias",
            "0_h.0.ln_2.weight",
            "0_h.0.ln_2.bias",
            "0_h.0.mlp.c_fc.weight",
            "0_h.0.mlp.c_fc.bias",
            "0_h.0.mlp.c_proj.weight",
            "0_h.0.mlp.c_proj.bias"),
        names.subList(0, 14));
    assertEquals(
        List.of("0_ln_f.weight", "0_ln_f.bias"), names.subList(names.size() - 2, names.size()));
    assertArrayEquals(new long[] {50, 16}, v.layout().segment(0).shape());
    assertArrayEquals(new long[] {8, 16}, v.layout().segment(1).shape());
    assertArrayEquals(
        new long[] {16, 48},
        v.layout().segment(4).shape(),
        "c_attn is [in, 3 * dModel] as GPT-2's Conv1D");
    assertArrayEquals(new long[] {64, 16}, v.layout().segment(12).shape());
  }

  @Test
  void initializationIsGpt2s() {
    GptConfig c = new GptConfig(64, 8, 32, 2, 2);
    ModelView v = GptModel.build(c, DataType.DOUBLE, 7).view();
    for (int i = 0; i < v.layout().segments().size(); i++) {
      String name = v.layout().segment(i).name();
      INDArray p = v.param(i);
      if (name.contains("ln_")) {
        assertEquals(name.endsWith(".weight") ? 1.0 : 0.0, p.meanNumber().doubleValue(), 0.0, name);
        assertEquals(0.0, p.stdNumber().doubleValue(), 0.0, name);
      } else if (name.endsWith(".bias")) {
        assertEquals(0.0, p.norm2Number().doubleValue(), 0.0, name);
      } else {
        double expected = name.endsWith("c_proj.weight") ? 0.02 / Math.sqrt(2 * c.layers()) : 0.02;
        // >= 1024 draws each: the sample std is within 20% with overwhelming probability
        assertEquals(expected, p.stdNumber().doubleValue(), 0.2 * expected, name);
        assertEquals(0.0, p.meanNumber().doubleValue(), 0.2 * expected, name);
      }
    }
    assertArrayEquals(
        v.params().toDoubleVector(),
        GptModel.build(c, DataType.DOUBLE, 7).view().params().toDoubleVector(),
        0.0,
        "same seed, same init");
    assertFalse(
        v.params().equals(GptModel.build(c, DataType.DOUBLE, 8).view().params()),
        "another seed, another init");
  }

  @Test
  void lossAtInitIsCloseToLnVocabAndIsTheMeanNextTokenCrossEntropyOfTheLogits() {
    NetworkModel m = GptModel.build(C, DataType.DOUBLE, 3);
    GptBatch batch = GptBatch.of(GptFixtures.blocks(C, 3, 5), C, DataType.DOUBLE);
    double loss = m.lossAndGradient(batch.toMultiDataSet());
    assertEquals(Math.log(C.vocab()), loss, 0.05, "std-0.02 init gives near-uniform predictions");

    INDArray logits = net(m).output(batch.features());
    assertArrayEquals(new long[] {3, C.seqLen(), C.vocab()}, logits.shape());
    double sum = 0;
    for (int b = 0; b < 3; b++) {
      for (int t = 0; t < C.seqLen(); t++) {
        double[] z =
            logits
                .get(NDArrayIndex.point(b), NDArrayIndex.point(t), NDArrayIndex.all())
                .toDoubleVector();
        double max = Double.NEGATIVE_INFINITY;
        for (double zi : z) max = Math.max(max, zi);
        double s = 0;
        for (double zi : z) s += Math.exp(zi - max);
        sum += max + Math.log(s) - z[batch.labels().getInt(b, t)];
      }
    }
    assertEquals(
        sum / batch.tokens(),
        loss,
        1e-12,
        "score = mean over all tokens of -log softmax(logits)[next token]");

    // scoring without backward (evaluation) runs its own forward pass; no loss carries over from
    // training
    GptBatch other = GptBatch.of(GptFixtures.blocks(C, 2, 6), C, DataType.DOUBLE);
    double otherLoss = net(m).score(new DataSet(other.features(), other.labels()));
    assertEquals(m.lossAndGradient(other.toMultiDataSet()), otherLoss, 1e-12);
    assertEquals(loss, net(m).score(new DataSet(batch.features(), batch.labels())), 1e-12);
  }

  @Test
  void lossAndGradientAreTheBatchMean() {
    List<int[]> blocks = GptFixtures.blocks(C, 2, 9);
    NetworkModel m = GptModel.build(C, DataType.DOUBLE, 3);
    double l0 =
        m.lossAndGradient(GptBatch.of(blocks.subList(0, 1), C, DataType.DOUBLE).toMultiDataSet());
    double[] g0 = m.view().grads().toDoubleVector();
    double l1 =
        m.lossAndGradient(GptBatch.of(blocks.subList(1, 2), C, DataType.DOUBLE).toMultiDataSet());
    double[] g1 = m.view().grads().toDoubleVector();
    double both = m.lossAndGradient(GptBatch.of(blocks, C, DataType.DOUBLE).toMultiDataSet());
    double[] g = m.view().grads().toDoubleVector();
    assertEquals((l0 + l1) / 2, both, 1e-12);
    for (int i = 0; i < g.length; i++)
      assertEquals((g0[i] + g1[i]) / 2, g[i], 1e-12, "coordinate " + i);
  }

  @Test
  void positionsSeeOnlyThePast() {
    NetworkModel m = GptModel.build(C, DataType.DOUBLE, 3);
    int[] block = GptFixtures.blocks(C, 1, 4).get(0);
    INDArray base = net(m).output(GptBatch.of(List.of(block), C, DataType.DOUBLE).features());
    for (int t = 0; t < C.seqLen() - 1; t++) {
      int[] changed = block.clone();
      for (int i = t + 1; i <= C.seqLen(); i++) changed[i] = (block[i] + 1 + i) % C.vocab();
      INDArray out = net(m).output(GptBatch.of(List.of(changed), C, DataType.DOUBLE).features());
      for (int s = 0; s < C.seqLen(); s++) {
        double diff =
            out.get(NDArrayIndex.point(0), NDArrayIndex.point(s), NDArrayIndex.all())
                .sub(base.get(NDArrayIndex.point(0), NDArrayIndex.point(s), NDArrayIndex.all()))
                .amaxNumber()
                .doubleValue();
        if (s <= t)
          assertEquals(
              0.0,
              diff,
              1e-12,
              "logits at position " + s + " changed when tokens after " + t + " did");
        else
          assertTrue(
              diff > 1e-6,
              "logits at position " + s + " ignore token " + s + " (changed after " + t + ")");
      }
    }
  }

  /**
   * Central differences in float64 on coordinates of every parameter tensor. For the tied {@code
   * wte} the checked rows include a token that occurs only as a label (the output projection's use)
   * and one that occurs as an input (both uses).
   */
  @Test
  void gradientMatchesFiniteDifferencesOnEveryTensor() {
    NetworkModel m = GptModel.build(C, DataType.DOUBLE, 11);
    // move LayerNorm gains and biases off their init so their gradients are generic
    Random noise = new Random(2);
    double[] jitter = new double[(int) m.view().length()];
    for (int i = 0; i < jitter.length; i++) jitter[i] = 0.05 * noise.nextGaussian();
    m.view().params().addi(Nd4j.create(jitter));
    List<int[]> blocks = GptFixtures.blocks(C, 2, 13);
    blocks.get(0)[C.seqLen()] = 49; // token 49 appears only as a label
    for (int[] b : blocks) for (int i = 0; i < C.seqLen(); i++) if (b[i] == 49) b[i] = 48;
    if (blocks.get(1)[C.seqLen()] == 49) blocks.get(1)[C.seqLen()] = 48;
    blocks.get(1)[3] =
        blocks.get(0)[0]; // the checked input row occurs twice: the lookup's gradients must add up
    var batch = GptBatch.of(blocks, C, DataType.DOUBLE).toMultiDataSet();
    m.lossAndGradient(batch);
    INDArray grad = m.view().grads().dup();
    INDArray p = m.view().params();
    Random r = new Random(17);
    int d = C.dModel();
    List<Long> coords = new ArrayList<>();
    coords.add(49L * d + 3); // wte row of the label-only token
    coords.add((long) blocks.get(0)[0] * d + 5); // wte row of an input token
    for (Segment s : m.layout().segments()) {
      for (int k = 0; k < 3; k++) coords.add(s.offset() + (long) r.nextInt((int) s.length()));
    }
    double h = 1e-5;
    for (long i : coords) {
      double v = p.getDouble(i);
      p.putScalar(i, v + h);
      double up = m.lossAndGradient(batch);
      p.putScalar(i, v - h);
      double down = m.lossAndGradient(batch);
      p.putScalar(i, v);
      double fd = (up - down) / (2 * h);
      double an = grad.getDouble(i);
      assertEquals(fd, an, 1e-7 + 1e-5 * Math.abs(fd), "d loss / d " + segmentOf(m, i));
    }
    assertTrue(
        Math.abs(grad.getDouble(49L * d + 3)) > 1e-6,
        "the label-only row gets gradient from the output projection");
  }

  private static String segmentOf(NetworkModel m, long i) {
    for (Segment s : m.layout().segments())
      if (i >= s.offset() && i < s.offset() + s.length())
        return s.name() + "[" + (i - s.offset()) + "]";
    throw new AssertionError(i);
  }

  @Test
  void float32GivesTheFloat64LossAndGradient() {
    NetworkModel m64 = GptModel.build(C, DataType.DOUBLE, 3);
    NetworkModel m32 = GptModel.build(C, DataType.FLOAT, 3);
    assertEquals(DataType.FLOAT, m32.view().dtype());
    m32.view().params().assign(m64.view().params().castTo(DataType.FLOAT));
    List<int[]> blocks = GptFixtures.blocks(C, 3, 21);
    double l64 = m64.lossAndGradient(GptBatch.of(blocks, C, DataType.DOUBLE).toMultiDataSet());
    double l32 = m32.lossAndGradient(GptBatch.of(blocks, C, DataType.FLOAT).toMultiDataSet());
    assertEquals(l64, l32, 1e-5 * l64);
    INDArray g64 = m64.view().grads();
    INDArray g32 = m32.view().grads().castTo(DataType.DOUBLE);
    double rel = g64.sub(g32).norm2Number().doubleValue() / g64.norm2Number().doubleValue();
    assertTrue(rel < 1e-4, "float32 gradient relative error " + rel);
  }

  @Test
  void theOptimizerSeesTheNetworksOwnParameterAndGradientArrays() {
    NetworkModel m = GptModel.build(C, DataType.DOUBLE, 3);
    MultiLayerNetwork net = net(m);
    m.view().param(0).putScalar(0, 0, 0.125);
    assertEquals(0.125, net.getParam("0_wte").getDouble(0, 0), 0.0, "params() is DL4J's flat view");
    m.lossAndGradient(
        GptBatch.of(GptFixtures.blocks(C, 1, 1), C, DataType.DOUBLE).toMultiDataSet());
    assertTrue(
        m.view().grads() == net.getFlattenedGradients()
            || m.view().grads().data().pointer().address()
                == net.getFlattenedGradients().data().pointer().address());
  }

  /**
   * Why mode dl4j_averaging refuses gpt: DL4J's updater takes the text before the last '_' of a
   * gradient's key as its layer's name, and the GPT layer's keys carry GPT-2's parameter names
   * ({@code 0_h.0.ln_1.weight}: layer "0_h.0.ln"), so DL4J's own fit, which DL4J's Spark workers
   * call, finds no layer. Should this start to pass, the mode could train gpt (docs/PEERS.md).
   */
  @Test
  void dl4jsOwnUpdaterCannotStepTheGptLayer() {
    MultiLayerConfiguration conf =
        net(GptModel.build(C, DataType.DOUBLE, 5)).getLayerWiseConfigurations().clone();
    AbstractSameDiffLayer layer = (AbstractSameDiffLayer) conf.getConf(0).getLayer();
    layer.setUpdater(new Sgd(0.1));
    MultiLayerNetwork peer = new MultiLayerNetwork(conf);
    peer.init();
    GptBatch b = GptBatch.of(GptFixtures.blocks(C, 2, 3), C, DataType.DOUBLE);
    assertThrows(NullPointerException.class, () -> peer.fit(new DataSet(b.features(), b.labels())));
  }
}
