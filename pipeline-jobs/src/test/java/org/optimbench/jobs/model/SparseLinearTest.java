package org.optimbench.jobs.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.optimbench.optim.EmbeddingTable;
import org.optimbench.optim.Segment;

/**
 * SparseLinear is DenseLayer (and, followed by a LossLayer, OutputLayer) on the densified input:
 * the same parameter vector and initialization, and the same outputs, loss and flat gradient, the
 * reference being DL4J's dense layers fed the densified batch. Batches repeat feature indices
 * across rows and once inside a row (CSR means the sum; the densified reference adds them), and
 * hold empty rows and rows of different lengths. Its W is one of NetworkModel's embedding tables,
 * for gradient sharing's row-sparse sum.
 */
class SparseLinearTest {
  static final int FEATURES = 12;
  static final int HIDDEN = 4;
  static final int CLASSES = 3;

  /** A CSR chunk. */
  record Csr(int[] offsets, int[] indices, double[] values) {
    int rows() {
      return offsets.length - 1;
    }
  }

  /**
   * {@code rows} random rows over {@code numFeatures}: row 0 has {@code maxLen} non-zeros with its
   * first index repeated and ends with {@code numFeatures - 1}, row 1 is empty, the others have 0
   * to {@code maxLen}.
   */
  static Csr randomCsr(Random r, int rows, int numFeatures, int maxLen) {
    int[] offsets = new int[rows + 1];
    List<Integer> idx = new ArrayList<>();
    List<Double> val = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      int len = i == 0 ? maxLen : i == 1 ? 0 : r.nextInt(maxLen + 1);
      for (int k = 0; k < len; k++) {
        int j = r.nextInt(numFeatures);
        if (i == 0 && k == 1) j = idx.get(idx.size() - 1);
        if (i == 0 && k == len - 1) j = numFeatures - 1;
        idx.add(j);
        val.add(r.nextGaussian());
      }
      offsets[i + 1] = idx.size();
    }
    return new Csr(
        offsets,
        idx.stream().mapToInt(Integer::intValue).toArray(),
        val.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** The dense [rows, numFeatures] matrix of a CSR chunk, repeated indices added. */
  static INDArray densify(Csr c, int numFeatures, DataType dtype) {
    double[][] x = new double[c.rows()][numFeatures];
    for (int i = 0; i < c.rows(); i++)
      for (int p = c.offsets()[i]; p < c.offsets()[i + 1]; p++)
        x[i][c.indices()[p]] += c.values()[p];
    return Nd4j.createFromArray(x).castTo(dtype);
  }

  static INDArray oneHot(Random r, int rows, DataType dtype) {
    INDArray y = Nd4j.zeros(dtype, rows, CLASSES);
    for (int i = 0; i < rows; i++) y.putScalar(i, r.nextInt(CLASSES), 1.0);
    return y;
  }

  static NeuralNetConfiguration.ListBuilder list(DataType dtype, long seed) {
    return new NeuralNetConfiguration.Builder()
        .dataType(dtype)
        .seed(seed)
        .updater(new NoOp())
        .weightInit(WeightInit.XAVIER)
        .list();
  }

  static NetworkModel build(MultiLayerConfiguration conf) {
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return new NetworkModel(net);
  }

  static OutputLayer softmaxOutput(int nIn) {
    return new OutputLayer.Builder(LossFunction.MCXENT)
        .nIn(nIn)
        .nOut(CLASSES)
        .activation(Activation.SOFTMAX)
        .build();
  }

  static NetworkModel denseLogreg(int features, DataType dtype, long seed) {
    return build(list(dtype, seed).layer(softmaxOutput(features)).build());
  }

  static NetworkModel sparseLogreg(int features, DataType dtype, long seed) {
    return build(
        list(dtype, seed)
            .layer(
                new SparseLinear.Builder()
                    .nIn(features)
                    .nOut(CLASSES)
                    .activation(Activation.IDENTITY)
                    .build())
            .layer(
                new LossLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX).build())
            .build());
  }

  static NetworkModel denseMlp(int features, DataType dtype, long seed) {
    return build(
        list(dtype, seed)
            .layer(
                new DenseLayer.Builder()
                    .nIn(features)
                    .nOut(HIDDEN)
                    .activation(Activation.TANH)
                    .build())
            .layer(softmaxOutput(HIDDEN))
            .build());
  }

  static NetworkModel sparseMlp(int features, DataType dtype, long seed) {
    return build(
        list(dtype, seed)
            .layer(
                new SparseLinear.Builder()
                    .nIn(features)
                    .nOut(HIDDEN)
                    .activation(Activation.TANH)
                    .build())
            .layer(softmaxOutput(HIDDEN))
            .build());
  }

  /** Same segments (names, shapes, offsets) and the same initial values for the same seed. */
  static void assertSameParameters(NetworkModel dense, NetworkModel sparse) {
    assertEquals(dense.layout(), sparse.layout());
    assertArrayEquals(
        dense.view().params().toDoubleVector(), sparse.view().params().toDoubleVector(), 0.0);
  }

  @Test
  void parameterVectorHasDenseLayersLayoutAndInitialization() {
    NetworkModel dense = denseLogreg(FEATURES, DataType.DOUBLE, 5);
    NetworkModel sparse = sparseLogreg(FEATURES, DataType.DOUBLE, 5);
    assertEquals(
        List.of("0_W", "0_b"), sparse.layout().segments().stream().map(Segment::name).toList());
    assertSameParameters(dense, sparse);
    assertTrue(sparse.view().params().amaxNumber().doubleValue() > 0, "XAVIER draws, not zeros");

    NetworkModel denseMlp = denseMlp(FEATURES, DataType.FLOAT, 9);
    NetworkModel sparseMlp = sparseMlp(FEATURES, DataType.FLOAT, 9);
    assertEquals(
        List.of("0_W", "0_b", "1_W", "1_b"),
        sparseMlp.layout().segments().stream().map(Segment::name).toList());
    assertSameParameters(denseMlp, sparseMlp);
  }

  /**
   * Outputs, mean loss and flat gradient of {@code sparse} equal {@code dense}'s on the densified
   * batches, at a random parameter vector shared by both; the batches run one after the other, so a
   * gradient left over from the previous step would show.
   */
  static void assertSameFunction(
      NetworkModel dense, NetworkModel sparse, DataType dtype, double tol, Csr... batches) {
    Random r = new Random(17);
    INDArray params = Nd4j.randn(r.nextLong(), new long[] {1, dense.view().params().length()});
    dense.view().params().assign(params);
    sparse.view().params().assign(params);
    for (int b = 0; b < batches.length; b++) {
      Csr batch = batches[b];
      INDArray labels = oneHot(r, batch.rows(), dtype);
      MultiDataSet denseBatch = new MultiDataSet(densify(batch, FEATURES, dtype), labels);
      MultiDataSet sparseBatch =
          new MultiDataSet(
              SparseBatch.pack(batch.offsets(), batch.indices(), batch.values(), FEATURES, dtype),
              labels);
      double[][] expectedOut = dense.output(denseBatch).toDoubleMatrix();
      double[][] actualOut = sparse.output(sparseBatch).toDoubleMatrix();
      for (int i = 0; i < expectedOut.length; i++)
        assertArrayEquals(expectedOut[i], actualOut[i], tol, "batch " + b + ", output row " + i);
      double expectedLoss = dense.lossAndGradient(denseBatch);
      assertEquals(expectedLoss, sparse.lossAndGradient(sparseBatch), tol, "batch " + b);
      double[] expected = dense.view().grads().toDoubleVector();
      double[] actual = sparse.view().grads().toDoubleVector();
      for (int i = 0; i < expected.length; i++)
        assertEquals(expected[i], actual[i], tol, "batch " + b + ", gradient element " + i);
    }
  }

  /** Two batches: 9 rows of up to 6 non-zeros, then 5 rows of up to 3. */
  static Csr[] twoBatches(long seed) {
    Random r = new Random(seed);
    return new Csr[] {randomCsr(r, 9, FEATURES, 6), randomCsr(r, 5, FEATURES, 3)};
  }

  @Test
  void logregMatchesOutputLayerOnTheDensifiedBatchInFloat64() {
    assertSameFunction(
        denseLogreg(FEATURES, DataType.DOUBLE, 1),
        sparseLogreg(FEATURES, DataType.DOUBLE, 1),
        DataType.DOUBLE,
        1e-13,
        twoBatches(1));
  }

  @Test
  void mlpMatchesDenseLayerOnTheDensifiedBatchInFloat64() {
    assertSameFunction(
        denseMlp(FEATURES, DataType.DOUBLE, 2),
        sparseMlp(FEATURES, DataType.DOUBLE, 2),
        DataType.DOUBLE,
        1e-13,
        twoBatches(2));
  }

  @Test
  void mlpMatchesDenseLayerInFloat32ToFloat32Rounding() {
    assertSameFunction(
        denseMlp(FEATURES, DataType.FLOAT, 3),
        sparseMlp(FEATURES, DataType.FLOAT, 3),
        DataType.FLOAT,
        2e-5,
        twoBatches(3));
  }

  /** Central differences of the mean loss against the analytic flat gradient, float64. */
  static void assertGradientMatchesFiniteDifferences(NetworkModel model, Csr batch) {
    Random r = new Random(23);
    INDArray params = model.view().params();
    params.assign(Nd4j.randn(r.nextLong(), new long[] {1, params.length()}));
    MultiDataSet data =
        new MultiDataSet(
            SparseBatch.pack(
                batch.offsets(), batch.indices(), batch.values(), FEATURES, DataType.DOUBLE),
            oneHot(r, batch.rows(), DataType.DOUBLE));
    model.lossAndGradient(data);
    double[] analytic = model.view().grads().toDoubleVector();
    double h = 1e-6;
    for (int i = 0; i < analytic.length; i++) {
      double p0 = params.getDouble(i);
      params.putScalar(i, p0 + h);
      double up = model.lossAndGradient(data);
      params.putScalar(i, p0 - h);
      double down = model.lossAndGradient(data);
      params.putScalar(i, p0);
      double numeric = (up - down) / (2 * h);
      if (Math.abs(numeric - analytic[i]) > 1e-8 + 1e-6 * Math.abs(numeric))
        fail("parameter " + i + ": analytic " + analytic[i] + ", finite differences " + numeric);
    }
    assertTrue(model.view().grads().amaxNumber().doubleValue() > 1e-3, "a gradient worth checking");
  }

  @Test
  void gradientMatchesFiniteDifferencesInFloat64() {
    Csr batch = randomCsr(new Random(4), 7, FEATURES, 5);
    assertGradientMatchesFiniteDifferences(sparseLogreg(FEATURES, DataType.DOUBLE, 4), batch);
    assertGradientMatchesFiniteDifferences(sparseMlp(FEATURES, DataType.DOUBLE, 4), batch);
  }

  @Test
  void configurationSurvivesDl4jsJsonCopy() {
    MultiLayerConfiguration conf =
        list(DataType.DOUBLE, 6)
            .layer(
                new SparseLinear.Builder()
                    .nIn(FEATURES)
                    .nOut(HIDDEN)
                    .activation(Activation.RELU)
                    .build())
            .layer(softmaxOutput(HIDDEN))
            .build();
    MultiLayerConfiguration copy = MultiLayerConfiguration.fromJson(conf.toJson());
    assertEquals(conf.toJson(), copy.toJson());
    assertTrue(copy.getConf(0).getLayer() instanceof SparseLinear);
    assertSameParameters(build(conf), build(copy));
  }

  @Test
  void dropoutIsRefusedWithTheLayerNamed() {
    MultiLayerConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .dropOut(0.5)
            .list()
            .layer(new SparseLinear.Builder().name("features").nIn(FEATURES).nOut(HIDDEN).build())
            .layer(softmaxOutput(HIDDEN))
            .build();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new MultiLayerNetwork(conf).init());
    assertEquals(
        "SparseLinear layer features: dropout would drop encoded feature indices", e.getMessage());
  }

  @Test
  void anInputOfAnotherTypeOrWithAnIndexOutOfRangeIsRefused() {
    NetworkModel model = sparseLogreg(FEATURES, DataType.FLOAT, 1);
    MultiLayerNetwork net = (MultiLayerNetwork) model.network();
    Csr batch = randomCsr(new Random(5), 3, FEATURES, 2);
    INDArray asDouble =
        SparseBatch.pack(
            batch.offsets(), batch.indices(), batch.values(), FEATURES, DataType.DOUBLE);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> net.output(asDouble));
    assertTrue(e.getMessage().contains("input must be a rank-2 FLOAT array"), e.getMessage());
    // an index past the table, as a batch packed for fewer features than the layer has could not
    // hold: packed here for more features
    INDArray tooFar =
        SparseBatch.pack(
            new int[] {0, 1}, new int[] {FEATURES}, new double[] {1}, 100, DataType.FLOAT);
    e = assertThrows(IllegalArgumentException.class, () -> net.output(tooFar));
    assertTrue(
        e.getMessage().endsWith(": feature index " + FEATURES + " outside [0, " + FEATURES + ")"),
        e.getMessage());
  }

  @Test
  void weightsAreReportedAsAnEmbeddingTableAndOnlyTouchedRowsGetGradient() {
    NetworkModel model = sparseMlp(FEATURES, DataType.DOUBLE, 8);
    assertEquals(
        List.of(new EmbeddingTable("0_W", 0, FEATURES, HIDDEN, 1, FEATURES)),
        model.embeddingTables());

    // Off the start of the flat vector: a graph whose dense branch flattens first.
    ComputationGraphConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .dataType(DataType.DOUBLE)
            .seed(8)
            .updater(new NoOp())
            .graphBuilder()
            .addInputs("dense_in", "sparse_in")
            .addLayer("dense", new DenseLayer.Builder().nIn(3).nOut(2).build(), "dense_in")
            .addLayer(
                "sparse",
                new SparseLinear.Builder()
                    .nIn(FEATURES)
                    .nOut(HIDDEN)
                    .activation(Activation.TANH)
                    .build(),
                "sparse_in")
            .addVertex("merge", new MergeVertex(), "dense", "sparse")
            .addLayer("out", softmaxOutput(2 + HIDDEN), "merge")
            .setOutputs("out")
            .build();
    ComputationGraph g = new ComputationGraph(conf);
    g.init();
    NetworkModel graph = new NetworkModel(g);
    Segment w =
        graph.layout().segments().stream()
            .filter(s -> s.name().equals("sparse_W"))
            .findFirst()
            .orElseThrow();
    assertTrue(w.offset() > 0, "the sparse layer's W should not start the vector: " + w);
    EmbeddingTable t = graph.embeddingTables().get(0);
    assertEquals(new EmbeddingTable("sparse_W", w.offset(), FEATURES, HIDDEN, 1, FEATURES), t);
    // every element of W sits where the table says
    INDArray flat = graph.view().params();
    flat.assign(Nd4j.linspace(DataType.DOUBLE, 0, flat.length(), 1).reshape(flat.shape()));
    INDArray weights = g.getLayer("sparse").getParam("W");
    for (int i = 0; i < FEATURES; i++)
      for (int j = 0; j < HIDDEN; j++)
        assertEquals(
            t.offset() + i * t.rowStride() + j * t.colStride(),
            weights.getDouble(i, j),
            0.0,
            "W[" + i + "," + j + "]");

    Random r = new Random(8);
    flat.assign(Nd4j.randn(r.nextLong(), flat.shape()));
    Csr batch = new Csr(new int[] {0, 2, 2, 3}, new int[] {4, 7, 4}, new double[] {0.5, -2, 1});
    graph.lossAndGradient(
        new MultiDataSet(
            new INDArray[] {
              Nd4j.rand(DataType.DOUBLE, 3, 3),
              SparseBatch.pack(
                  batch.offsets(), batch.indices(), batch.values(), FEATURES, DataType.DOUBLE)
            },
            new INDArray[] {oneHot(r, 3, DataType.DOUBLE)}));
    double[] grad = graph.view().grads().toDoubleVector();
    for (int i = 0; i < FEATURES; i++) {
      double norm = 0;
      for (int j = 0; j < HIDDEN; j++)
        norm += Math.abs(grad[(int) (t.offset() + i * t.rowStride() + j * t.colStride())]);
      if (i == 4 || i == 7) assertTrue(norm > 0, "row " + i + " was looked up");
      else assertEquals(0.0, norm, 0.0, "row " + i + " was not looked up");
    }
  }
}
