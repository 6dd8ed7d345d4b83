package org.optimbench.jobs.model.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.optimbench.jobs.model.NativeArrays;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.model.SparseBatch;
import org.optimbench.jobs.model.SparseLinear;

/**
 * One logistic-regression training step (forward + backward, {@code NetworkModel.lossAndGradient})
 * on sparse rows, {@link SparseLinear} + LossLayer on the packed batch against DL4J's OutputLayer
 * on the densified batch, at 10^5, 10^6 and 10^7 features: float32, 2 classes, batch 512, 50 to 150
 * non-zeros per row (mean 100, distinct and ascending as data-prep writes them), median of the
 * timed repetitions after warm-up ones. The last column times, for scale, the two passes over the
 * whole gradient vector that a step makes whatever its input (the layer zeroes dW before its
 * scatter, NetworkModel divides by the batch size), which grow with the features; they are part of
 * the step's time. The dense layer runs only where its [512, features] input takes at most 4 GB;
 * its bytes are printed either way. Run: java -cp ...
 * org.optimbench.jobs.model.bench.BenchSparseLinear (the dense 10^6 case needs about 2.5 GB of
 * native memory: raise -Dorg.bytedeco.javacpp.maxbytes if the heap limit is lower).
 */
public final class BenchSparseLinear {
  private static final int BATCH = 512;
  private static final int CLASSES = 2;
  private static final long DENSE_LIMIT_BYTES = 4L << 30;

  /**
   * The benchmark takes no arguments.
   *
   * @throws IllegalArgumentException when there are any
   */
  public static void checkArgs(String[] args) {
    if (args.length > 0)
      throw new IllegalArgumentException("takes no arguments, got '" + args[0] + "'");
  }

  public static void main(String[] args) {
    try {
      checkArgs(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench-sparse-linear: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.out.printf(
        Locale.ROOT,
        "OMP_NUM_THREADS=%s, batch %d, float32, %d classes%n",
        System.getenv("OMP_NUM_THREADS"),
        BATCH,
        CLASSES);
    System.out.println(
        "| features | layer | input shape | input bytes | forward ms | forward+backward ms | of which"
            + " zeroing + scaling the gradient vector ms |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (int features : new int[] {100_000, 1_000_000, 10_000_000}) run(features);
    System.exit(0);
  }

  private static void run(int features) {
    Random r = new Random(features);
    int[] offsets = new int[BATCH + 1];
    int[] indices = new int[BATCH * 150];
    double[] values = new double[indices.length];
    int[] labels = new int[BATCH];
    for (int i = 0; i < BATCH; i++) {
      int len = 50 + r.nextInt(101);
      int[] row = r.ints(0, features).distinct().limit(len).sorted().toArray();
      System.arraycopy(row, 0, indices, offsets[i], len);
      for (int k = 0; k < len; k++) values[offsets[i] + k] = r.nextGaussian();
      offsets[i + 1] = offsets[i] + len;
      labels[i] = r.nextInt(CLASSES);
    }
    INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, CLASSES);
    for (int i = 0; i < BATCH; i++) y.putScalar(i, labels[i], 1.0);

    INDArray packed = SparseBatch.pack(offsets, indices, values, features, DataType.FLOAT);
    NetworkModel sparse =
        model(
            new SparseLinear.Builder()
                .nIn(features)
                .nOut(CLASSES)
                .activation(Activation.IDENTITY)
                .build(),
            new LossLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX).build());
    report(features, "SparseLinear + LossLayer", sparse, new MultiDataSet(packed, y), 5, 15);
    release(sparse);

    long denseBytes = 4L * BATCH * features;
    if (denseBytes > DENSE_LIMIT_BYTES) {
      System.out.printf(
          Locale.ROOT,
          "| %,d | OutputLayer (dense) | [%d, %d] | %,d | not run | not run | |%n",
          features,
          BATCH,
          features,
          denseBytes);
      return;
    }
    INDArray x = Nd4j.zeros(DataType.FLOAT, BATCH, features);
    for (int i = 0; i < BATCH; i++)
      for (int p = offsets[i]; p < offsets[i + 1]; p++) x.putScalar(i, indices[p], values[p]);
    NetworkModel dense =
        model(
            new OutputLayer.Builder(LossFunction.MCXENT)
                .nIn(features)
                .nOut(CLASSES)
                .activation(Activation.SOFTMAX)
                .build());
    int reps = features >= 1_000_000 ? 5 : 15;
    report(features, "OutputLayer (dense)", dense, new MultiDataSet(x, y), 2, reps);
    release(dense);
    NativeArrays.release(x);
  }

  private static NetworkModel model(org.deeplearning4j.nn.conf.layers.Layer... layers) {
    NeuralNetConfiguration.ListBuilder b =
        new NeuralNetConfiguration.Builder()
            .dataType(DataType.FLOAT)
            .seed(1)
            .updater(new NoOp())
            .weightInit(WeightInit.XAVIER)
            .list();
    for (org.deeplearning4j.nn.conf.layers.Layer l : layers) b.layer(l);
    MultiLayerConfiguration conf = b.build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return new NetworkModel(net);
  }

  private static void release(NetworkModel m) {
    NativeArrays.release(m.view().params(), m.view().grads());
  }

  private static void report(
      int features, String layer, NetworkModel model, MultiDataSet batch, int warmup, int reps) {
    INDArray x = batch.getFeatures(0);
    double[] fwd = new double[reps];
    double[] step = new double[reps];
    double[] passes = new double[reps];
    INDArray grads = model.view().grads();
    for (int i = 0; i < warmup + reps; i++) {
      long t0 = System.nanoTime();
      INDArray out = model.output(batch);
      Nd4j.getExecutioner().commit();
      long t1 = System.nanoTime();
      model.lossAndGradient(batch);
      Nd4j.getExecutioner().commit();
      long t2 = System.nanoTime();
      NativeArrays.release(out);
      // the two passes over the whole gradient that every step makes whatever the input: the
      // layer zeroes dW before scattering, NetworkModel divides by the batch size
      long t3 = System.nanoTime();
      grads.assign(0);
      grads.divi(BATCH);
      Nd4j.getExecutioner().commit();
      long t4 = System.nanoTime();
      if (i >= warmup) {
        fwd[i - warmup] = (t1 - t0) / 1e6;
        step[i - warmup] = (t2 - t1) / 1e6;
        passes[i - warmup] = (t4 - t3) / 1e6;
      }
    }
    System.out.printf(
        Locale.ROOT,
        "| %,d | %s | %s | %,d | %.1f | %.1f | %.1f |%n",
        features,
        layer,
        Arrays.toString(x.shape()),
        x.length() * x.dataType().width(),
        median(fwd),
        median(step),
        median(passes));
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
