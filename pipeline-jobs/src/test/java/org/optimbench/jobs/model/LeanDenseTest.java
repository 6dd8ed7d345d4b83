package org.optimbench.jobs.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.optimbench.jobs.workload.classifier.Classifier;

/**
 * The classifier's MLP with LeanDense hidden layers is the same network as with DL4J's DenseLayer
 * (as Classifier built it before): the same parameter vector for the same seed, and bit for bit the
 * same outputs, losses and flat gradients over several steps, in float32 and float64, with tanh and
 * ReLU; the first layer returns no input gradient, the others DenseLayer's.
 */
class LeanDenseTest {
  static final int FEATURES = 13;
  static final List<Integer> HIDDEN = List.of(6, 5);
  static final int CLASSES = 3;

  /** The network Classifier built before LeanDense: DL4J's DenseLayers. */
  static NetworkModel withDenseLayers(Activation act, DataType dtype, long seed) {
    NeuralNetConfiguration.ListBuilder b =
        new NeuralNetConfiguration.Builder()
            .dataType(dtype)
            .seed(seed)
            .updater(new NoOp())
            .weightInit(WeightInit.XAVIER)
            .list();
    int in = FEATURES;
    for (int h : HIDDEN) {
      b.layer(new DenseLayer.Builder().nIn(in).nOut(h).activation(act).build());
      in = h;
    }
    b.layer(
        new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .nIn(in)
            .nOut(CLASSES)
            .activation(Activation.SOFTMAX)
            .weightInit(WeightInit.XAVIER)
            .build());
    MultiLayerNetwork net = new MultiLayerNetwork(b.build());
    net.init();
    return new NetworkModel(net);
  }

  static NetworkModel lean(Activation act, DataType dtype, long seed) {
    return new Classifier(FEATURES, HIDDEN, CLASSES, act).build(dtype, seed);
  }

  static MultiDataSet batch(Random r, int rows, DataType dtype) {
    double[][] x = new double[rows][FEATURES];
    double[][] y = new double[rows][CLASSES];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < FEATURES; j++) x[i][j] = r.nextInt(3) == 0 ? 0 : r.nextGaussian();
      y[i][r.nextInt(CLASSES)] = 1;
    }
    return new MultiDataSet(
        Nd4j.createFromArray(x).castTo(dtype), Nd4j.createFromArray(y).castTo(dtype));
  }

  static void assertBitwiseEqual(INDArray want, INDArray got, String what) {
    assertEquals(want.dataType(), got.dataType(), what);
    assertArrayEquals(want.shape(), got.shape(), what);
    double[] w = want.castTo(DataType.DOUBLE).reshape(want.length()).toDoubleVector();
    double[] g = got.castTo(DataType.DOUBLE).reshape(got.length()).toDoubleVector();
    for (int i = 0; i < w.length; i++)
      if (Double.doubleToLongBits(w[i]) != Double.doubleToLongBits(g[i]))
        throw new AssertionError(what + ": element " + i + ": " + w[i] + " != " + g[i]);
  }

  @Test
  void classifierBuildsLeanDenseLayersAndOnlyTheFirstSkipsItsInputGradient() {
    MultiLayerNetwork net = (MultiLayerNetwork) lean(Activation.RELU, DataType.FLOAT, 1).network();
    LeanDense first = assertInstanceOf(LeanDense.class, net.getLayer(0).conf().getLayer());
    LeanDense second = assertInstanceOf(LeanDense.class, net.getLayer(1).conf().getLayer());
    assertTrue(!first.isInputGradient() && second.isInputGradient());
  }

  @Test
  void sameParameterVectorAndLayoutAsDenseLayers() {
    for (DataType dtype : List.of(DataType.FLOAT, DataType.DOUBLE)) {
      NetworkModel want = withDenseLayers(Activation.TANH, dtype, 42);
      NetworkModel got = lean(Activation.TANH, dtype, 42);
      assertEquals(want.layout().segments(), got.layout().segments(), dtype + ": segments");
      assertBitwiseEqual(want.view().params(), got.view().params(), dtype + ": initial params");
    }
  }

  @Test
  void sameOutputsLossesAndGradientsBitForBitOverSteps() {
    for (DataType dtype : List.of(DataType.FLOAT, DataType.DOUBLE)) {
      for (Activation act : List.of(Activation.TANH, Activation.RELU)) {
        String what = dtype + ", " + act;
        NetworkModel want = withDenseLayers(act, dtype, 7);
        NetworkModel got = lean(act, dtype, 7);
        Random r = new Random(11);
        for (int step = 0; step < 4; step++) {
          // batches of changing size (the last over DenseLoops' block of rows), and an
          // inference pass between training steps
          MultiDataSet b = batch(r, step == 3 ? 70 : 9 + step, dtype);
          double lw = want.lossAndGradient(b);
          double lg = got.lossAndGradient(b);
          assertEquals(Double.doubleToLongBits(lw), Double.doubleToLongBits(lg), what + ": loss");
          assertBitwiseEqual(want.view().grads(), got.view().grads(), what + ": gradient " + step);
          assertBitwiseEqual(want.output(b), got.output(b), what + ": output " + step);
          // the same plain SGD step on both
          want.view().params().subi(want.view().grads().mul(0.5));
          got.view().params().subi(got.view().grads().mul(0.5));
        }
      }
    }
  }

  /**
   * Layer by layer, without workspaces: the second layer's input gradient is DenseLayer's, the
   * first returns none; a backprop on an input other than the last training forward pass's
   * recomputes its pre-activation instead of using the kept one.
   */
  @Test
  void inputGradientsAndABackpropOnAnotherInput() {
    DataType dtype = DataType.DOUBLE;
    MultiLayerNetwork want =
        (MultiLayerNetwork) withDenseLayers(Activation.TANH, dtype, 3).network();
    MultiLayerNetwork got = (MultiLayerNetwork) lean(Activation.TANH, dtype, 3).network();
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    Random r = new Random(2);
    INDArray x1 = batch(r, 6, dtype).getFeatures(0);
    INDArray x2 = batch(r, 6, dtype).getFeatures(0);
    for (int i = 0; i < 2; i++) {
      Layer w = want.getLayer(i);
      Layer g = got.getLayer(i);
      INDArray in1 = i == 0 ? x1 : Nd4j.rand(dtype, 6, HIDDEN.get(0)).subi(0.5);
      INDArray in2 = i == 0 ? x2 : Nd4j.rand(dtype, 6, HIDDEN.get(0)).subi(0.5);
      INDArray eps = Nd4j.rand(dtype, 6, HIDDEN.get(i)).subi(0.5);
      for (INDArray in : List.of(in1, in2)) {
        g.activate(in1, true, mgr); // kept for in1 only
        g.setInput(in, mgr);
        w.setInput(in, mgr);
        Pair<?, INDArray> pw = w.backpropGradient(eps.dup(), mgr);
        Pair<?, INDArray> pg = g.backpropGradient(eps.dup(), mgr);
        assertBitwiseEqual(w.getGradientsViewArray(), g.getGradientsViewArray(), "layer " + i);
        if (i == 0) assertNull(pg.getSecond(), "the network's input gets no gradient");
        else {
          assertNotNull(pg.getSecond());
          assertBitwiseEqual(pw.getSecond(), pg.getSecond(), "input gradient of layer " + i);
        }
      }
    }
  }

  @Test
  void configurationSurvivesDl4jsJsonCopy() {
    MultiLayerConfiguration conf =
        ((MultiLayerNetwork) lean(Activation.RELU, DataType.FLOAT, 1).network())
            .getLayerWiseConfigurations();
    MultiLayerConfiguration copy = MultiLayerConfiguration.fromJson(conf.toJson());
    assertEquals(conf, copy);
    LeanDense first = assertInstanceOf(LeanDense.class, copy.getConf(0).getLayer());
    assertTrue(!first.isInputGradient());
    assertTrue(((LeanDense) copy.getConf(1).getLayer()).isInputGradient());
  }

  @Test
  void skippingTheInputGradientPastTheFirstLayerAndDropoutAreRefused() {
    NeuralNetConfiguration.ListBuilder late =
        new NeuralNetConfiguration.Builder()
            .list()
            .layer(new LeanDense.Builder().nIn(4).nOut(3).build())
            .layer(new LeanDense.Builder().nIn(3).nOut(3).inputGradient(false).build())
            .layer(
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nIn(3)
                    .nOut(2)
                    .activation(Activation.SOFTMAX)
                    .build());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new MultiLayerNetwork(late.build()).init());
    assertTrue(e.getMessage().contains("at index 1"), e.getMessage());

    NeuralNetConfiguration.ListBuilder dropout =
        new NeuralNetConfiguration.Builder()
            .dropOut(0.5)
            .list()
            .layer(new LeanDense.Builder().nIn(4).nOut(3).build())
            .layer(
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nIn(3)
                    .nOut(2)
                    .activation(Activation.SOFTMAX)
                    .build());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> new MultiLayerNetwork(dropout.build()).init());
    assertTrue(e.getMessage().contains("dropout"), e.getMessage());
  }
}
