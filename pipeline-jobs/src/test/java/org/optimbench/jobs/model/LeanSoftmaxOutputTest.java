package org.optimbench.jobs.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.optimbench.jobs.model.LeanDenseTest.assertBitwiseEqual;

import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.optimbench.jobs.workload.classifier.Classifier;

/**
 * {@link LeanSoftmaxOutput} against DL4J's {@link OutputLayer} (softmax, MCXENT): the same
 * parameter vector for the same seed, and bit for bit the same losses, flat gradients (the input
 * gradient it passes back included, through a DL4J DenseLayer before it) and outputs over several
 * steps, in float32 and float64, as the only layer (logistic regression) and after a hidden layer;
 * with a per-example label mask (DL4J's own path) likewise; what it does not support is refused
 * when the network is built.
 */
class LeanSoftmaxOutputTest {
  static final int FEATURES = 11;
  static final int CLASSES = 4;

  static OutputLayer dl4jOutput(int nIn, WeightInit init) {
    return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
        .nIn(nIn)
        .nOut(CLASSES)
        .activation(Activation.SOFTMAX)
        .weightInit(init)
        .build();
  }

  /** A DenseLayer of {@code hidden} units (none: logreg) then the output layer, DL4J's or lean. */
  static NetworkModel net(boolean lean, int hidden, DataType dtype, long seed) {
    NeuralNetConfiguration.ListBuilder b =
        new NeuralNetConfiguration.Builder()
            .dataType(dtype)
            .seed(seed)
            .updater(new NoOp())
            .weightInit(WeightInit.XAVIER)
            .list();
    int in = FEATURES;
    if (hidden > 0) {
      b.layer(new DenseLayer.Builder().nIn(in).nOut(hidden).activation(Activation.TANH).build());
      in = hidden;
    }
    OutputLayer out = dl4jOutput(in, WeightInit.XAVIER);
    b.layer(lean ? new LeanSoftmaxOutput(out) : out);
    MultiLayerNetwork net = new MultiLayerNetwork(b.build());
    net.init();
    return new NetworkModel(net);
  }

  static MultiDataSet batch(Random r, int rows, DataType dtype, boolean mask) {
    double[][] x = new double[rows][FEATURES];
    double[][] y = new double[rows][CLASSES];
    double[][] m = new double[rows][1];
    for (int i = 0; i < rows; i++) {
      // large inputs now and then, so some probabilities reach the loss's clipping
      double scale = r.nextInt(4) == 0 ? 40 : 1;
      for (int j = 0; j < FEATURES; j++) x[i][j] = scale * r.nextGaussian();
      y[i][r.nextInt(CLASSES)] = 1;
      m[i][0] = r.nextInt(3) == 0 ? 0 : 1;
    }
    return new MultiDataSet(
        new INDArray[] {Nd4j.createFromArray(x).castTo(dtype)},
        new INDArray[] {Nd4j.createFromArray(y).castTo(dtype)},
        null,
        mask ? new INDArray[] {Nd4j.createFromArray(m).castTo(dtype)} : null);
  }

  static void sameOverSteps(int hidden, boolean mask) {
    for (DataType dtype : List.of(DataType.FLOAT, DataType.DOUBLE)) {
      String what = dtype + ", hidden " + hidden + (mask ? ", label mask" : "");
      NetworkModel want = net(false, hidden, dtype, 5);
      NetworkModel got = net(true, hidden, dtype, 5);
      assertEquals(want.layout().segments(), got.layout().segments(), what);
      assertBitwiseEqual(want.view().params(), got.view().params(), what + ": initial params");
      Random r = new Random(17);
      for (int step = 0; step < 5; step++) {
        MultiDataSet b = batch(r, 7 + 3 * step, dtype, mask);
        double lw = want.lossAndGradient(b);
        double lg = got.lossAndGradient(b);
        assertEquals(Double.doubleToLongBits(lw), Double.doubleToLongBits(lg), what + ": loss");
        assertBitwiseEqual(want.view().grads(), got.view().grads(), what + ": gradient " + step);
        assertBitwiseEqual(want.output(b), got.output(b), what + ": output " + step);
        want.view().params().subi(want.view().grads().mul(0.3));
        got.view().params().subi(got.view().grads().mul(0.3));
      }
    }
  }

  @Test
  void sameLossesGradientsAndOutputsAsDl4jsOutputLayer() {
    sameOverSteps(0, false);
    sameOverSteps(6, false);
  }

  @Test
  void withALabelMaskTheSameAsDl4jsOutputLayer() {
    sameOverSteps(6, true);
  }

  /** A score asked for other labels than the last backward pass's is computed, not reused. */
  @Test
  void aScoreForOtherLabelsIsDl4jsScore() {
    DataType dtype = DataType.DOUBLE;
    MultiLayerNetwork want = (MultiLayerNetwork) net(false, 6, dtype, 9).network();
    MultiLayerNetwork got = (MultiLayerNetwork) net(true, 6, dtype, 9).network();
    Random r = new Random(4);
    MultiDataSet b1 = batch(r, 8, dtype, false);
    MultiDataSet b2 = batch(r, 8, dtype, false);
    for (MultiLayerNetwork n : List.of(want, got)) {
      n.setInput(b1.getFeatures(0));
      n.setLabels(b1.getLabels(0));
      n.computeGradientAndScore();
    }
    assertEquals(want.score(), got.score());
    org.nd4j.linalg.dataset.DataSet d2 =
        new org.nd4j.linalg.dataset.DataSet(b2.getFeatures(0), b2.getLabels(0));
    assertEquals(
        Double.doubleToLongBits(want.score(d2)), Double.doubleToLongBits(got.score(d2)), "score");
  }

  @Test
  void classifierBuildsItAndItSurvivesDl4jsJsonCopy() {
    for (List<Integer> hidden : List.of(List.<Integer>of(), List.of(5))) {
      MultiLayerNetwork net =
          (MultiLayerNetwork)
              new Classifier(FEATURES, hidden, CLASSES, Activation.RELU)
                  .build(DataType.FLOAT, 1)
                  .network();
      assertInstanceOf(LeanSoftmaxOutput.class, net.getOutputLayer().conf().getLayer());
      MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
      MultiLayerConfiguration copy = MultiLayerConfiguration.fromJson(conf.toJson());
      assertEquals(conf, copy);
      assertInstanceOf(
          LeanSoftmaxOutput.class, copy.getConf(copy.getConfs().size() - 1).getLayer());
    }
  }

  static IllegalArgumentException refused(OutputLayer out, boolean dropout) {
    NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder();
    if (dropout) b.dropOut(0.5);
    // DL4J's own check would refuse some of these before the layer sees them
    MultiLayerConfiguration conf =
        b.list().layer(new LeanSoftmaxOutput(out)).validateOutputLayerConfig(false).build();
    return assertThrows(IllegalArgumentException.class, () -> new MultiLayerNetwork(conf).init());
  }

  @Test
  void otherActivationsLossesClassWeightsAndDropoutAreRefused() {
    OutputLayer sigmoid =
        new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .nIn(3)
            .nOut(2)
            .activation(Activation.SIGMOID)
            .build();
    assertTrue(refused(sigmoid, false).getMessage().contains("softmax"));
    OutputLayer mse =
        new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
            .nIn(3)
            .nOut(2)
            .activation(Activation.SOFTMAX)
            .build();
    assertTrue(refused(mse, false).getMessage().contains("MCXENT"));
    OutputLayer weighted =
        new OutputLayer.Builder(new LossMCXENT(Nd4j.createFromArray(1.0, 2.0)))
            .nIn(3)
            .nOut(2)
            .activation(Activation.SOFTMAX)
            .build();
    assertTrue(refused(weighted, false).getMessage().contains("weights"));
    IllegalArgumentException e = refused(dl4jOutput(3, WeightInit.XAVIER), true);
    assertTrue(e.getMessage().contains("dropout"), e.getMessage());
  }
}
