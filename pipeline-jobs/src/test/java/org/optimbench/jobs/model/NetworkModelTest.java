package org.optimbench.jobs.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.optimbench.optim.Segment;
import org.optimbench.optim.trace.SoftmaxMlp;

/**
 * The DL4J bridge computes the same loss and gradient as the trace contract's reference model
 * (whose gradient is checked against finite differences in optim's SoftmaxMlpTest), with DL4J's
 * flat parameter vector in PyTorch's layout.
 */
class NetworkModelTest {
  /**
   * Dividing only named rows of a table gives the bits ND4J's {@code divi} of the whole vector
   * gives (the rows not named are zero), in both dtypes and both table layouts.
   */
  @Test
  void dividingTheNamedRowsIsNd4jsDivision() {
    java.util.Random r = new java.util.Random(5);
    for (DataType dtype : List.of(DataType.FLOAT, DataType.DOUBLE)) {
      for (boolean rowMajor : new boolean[] {true, false}) {
        org.optimbench.optim.EmbeddingTable t =
            rowMajor
                ? new org.optimbench.optim.EmbeddingTable("t", 3, 20, 5, 5, 1)
                : new org.optimbench.optim.EmbeddingTable("t", 3, 20, 5, 1, 20);
        double[] g = new double[3 + 100 + 2];
        int[] rows = {0, 4, 5, 11, 19};
        for (int id : rows)
          for (int j = 0; j < 5; j++)
            g[(int) (3 + id * t.rowStride() + j * t.colStride())] = r.nextGaussian() * 1e3;
        INDArray flat = Nd4j.createFromArray(g).castTo(dtype);
        INDArray want = flat.dup().divi(7);
        NetworkModel.divideRows(flat, t, rows, 7);
        for (int i = 3; i < 103; i++)
          assertEquals(
              Double.doubleToRawLongBits(want.getDouble(i)),
              Double.doubleToRawLongBits(flat.getDouble(i)),
              dtype + " rowMajor=" + rowMajor + " element " + i);
      }
    }
  }

  @Test
  void lossGradientAndLayoutMatchTheTraceModel() {
    MultiLayerConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .dataType(DataType.DOUBLE)
            .seed(3)
            .updater(new NoOp())
            .list()
            .layer(new DenseLayer.Builder().nIn(3).nOut(4).activation(Activation.TANH).build())
            .layer(
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nIn(4)
                    .nOut(3)
                    .activation(Activation.SOFTMAX)
                    .build())
            .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    NetworkModel model = new NetworkModel(net);
    assertEquals(
        List.of("0_W", "0_b", "1_W", "1_b"),
        model.layout().segments().stream().map(Segment::name).toList());
    assertArrayEquals(
        new long[] {4, 3}, model.layout().segment(0).shape(), "PyTorch [out, in] convention");

    INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 3).subi(0.5).muli(3);
    int[] labels = {0, 2, 1, 1, 0};
    INDArray y = Nd4j.zeros(DataType.DOUBLE, 5, 3);
    for (int i = 0; i < labels.length; i++) y.putScalar(i, labels[i], 1.0);
    double loss = model.lossAndGradient(new DataSet(x, y).toMultiDataSet());

    SoftmaxMlp reference = new SoftmaxMlp(3, 4, 3, DataType.DOUBLE);
    SoftmaxMlp.LossAndGrad expected = reference.lossAndGrad(model.view().params().dup(), x, labels);
    assertEquals(expected.loss(), loss, 1e-12);
    assertArrayEquals(
        expected.grad().toDoubleVector(), model.view().grads().toDoubleVector(), 1e-12);
  }
}
