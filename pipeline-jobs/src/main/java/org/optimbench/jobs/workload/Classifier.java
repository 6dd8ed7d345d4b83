package org.optimbench.jobs.workload;

import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.optimbench.jobs.model.NetworkModel;

/**
 * The classification workloads: multinomial logistic regression ({@code hidden} empty) and an MLP
 * ({@code hidden} = layer widths), softmax cross-entropy, as DL4J networks. DL4J's own updater is a
 * {@link NoOp} and no DL4J regularization is configured: the optim library's optimizer does all of
 * it (weight decay included), so coupled versus decoupled decay means what the optimizer says.
 */
public record Classifier(int inputs, List<Integer> hidden, int classes, Activation activation) {
  public Classifier {
    if (inputs <= 0 || classes < 2) throw new IllegalArgumentException("classifier needs inputs > 0 and classes >= 2, got " + inputs + ", " + classes);
    hidden = List.copyOf(hidden);
    for (int h : hidden) if (h <= 0) throw new IllegalArgumentException("hidden layer width " + h + " must be > 0");
  }

  public static Classifier logreg(int inputs, int classes) {
    return new Classifier(inputs, List.of(), classes, Activation.IDENTITY);
  }

  public NetworkModel build(DataType dtype, long seed) {
    NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder()
        .dataType(dtype)
        .seed(seed)
        .updater(new NoOp())
        .weightInit(WeightInit.XAVIER)
        .list();
    int in = inputs;
    for (int h : hidden) {
      b.layer(new DenseLayer.Builder().nIn(in).nOut(h).activation(activation).build());
      in = h;
    }
    b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(in).nOut(classes).activation(Activation.SOFTMAX)
        .weightInit(hidden.isEmpty() ? WeightInit.ZERO : WeightInit.XAVIER).build());
    MultiLayerNetwork net = new MultiLayerNetwork(b.build());
    net.init();
    return new NetworkModel(net);
  }
}
