package org.optimbench.jobs.workload.dlrm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.workload.Example;
import org.optimbench.jobs.workload.InMemory;
import org.optimbench.optim.Segment;

/**
 * DLRM's pieces against hand computations and its whole forward/backward against finite
 * differences, through the same {@link NetworkModel} bridge the trainer uses.
 */
class DlrmModelTest {
  /** A tiny DLRM: 3 dense features, tables of 5, 4 and 6 rows, embedding width 2. */
  static final Dlrm TINY = new Dlrm(3, List.of(5, 4, 6), 2, List.of(4, 2), List.of(3, 1), 0);

  static List<Example> rows(Dlrm w, int n, long seed) {
    Random r = new Random(seed);
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] dense = new double[w.denseFeatures()];
      for (int j = 0; j < dense.length; j++) dense[j] = Math.log1p(r.nextInt(20));
      int[] ids = new int[w.tableSizes().size()];
      for (int k = 0; k < ids.length; k++) ids[k] = r.nextInt(w.tableSizes().get(k));
      out.add(new Example(1000 + i, r.nextInt(3) == 0 ? 1 : 0, ids, dense, false));
    }
    return out;
  }

  private static INDArray row(double... v) {
    return Nd4j.createFromArray(new double[][] {v});
  }

  @Test
  void interactionIsTheBottomOutputFollowedByTheLowerTrianglePairDotsInDlrmOrder() {
    // x = (1, 2), e1 = (3, 4), e2 = (5, 6): pairs (1,0) = e1.x = 11, (2,0) = e2.x = 17, (2,1) =
    // e2.e1 = 39.
    INDArray[] in = {
      Nd4j.createFromArray(new double[][] {{1, 2}, {0, 1}}),
      Nd4j.createFromArray(new double[][] {{3, 4}, {1, 0}}),
      Nd4j.createFromArray(new double[][] {{5, 6}, {2, 3}})
    };
    INDArray out = DotInteraction.forward(in);
    assertArrayEquals(new double[] {1, 2, 11, 17, 39}, out.getRow(0).toDoubleVector(), 0.0);
    assertArrayEquals(new double[] {0, 1, 0, 3, 2}, out.getRow(1).toDoubleVector(), 0.0);
  }

  @Test
  void interactionBackwardMatchesTheHandDerivative() {
    double[] x = {1, 2};
    double[] e1 = {3, 4};
    double[] e2 = {5, 6};
    double[] g = {0.5, -1, 2, 3, -0.25}; // upstream gradient of [x0, x1, x.e1, x.e2, e1.e2]
    INDArray[] grads = DotInteraction.backward(new INDArray[] {row(x), row(e1), row(e2)}, row(g));
    // dx = g[0:2] + g2 e1 + g3 e2; de1 = g2 x + g4 e2; de2 = g3 x + g4 e1
    double[] dx = {g[0] + g[2] * e1[0] + g[3] * e2[0], g[1] + g[2] * e1[1] + g[3] * e2[1]};
    double[] de1 = {g[2] * x[0] + g[4] * e2[0], g[2] * x[1] + g[4] * e2[1]};
    double[] de2 = {g[3] * x[0] + g[4] * e1[0], g[3] * x[1] + g[4] * e1[1]};
    assertArrayEquals(dx, grads[0].toDoubleVector(), 1e-15);
    assertArrayEquals(de1, grads[1].toDoubleVector(), 1e-15);
    assertArrayEquals(de2, grads[2].toDoubleVector(), 1e-15);
  }

  /**
   * The interaction at DLRM's sizes (27 inputs of width 16, a batch of 5) against the ND4J-op one
   * it replaced, both directions, on views with offsets and strides as a graph may pass them.
   */
  @Test
  void interactionAtTheReferenceSizesMatchesTheNd4jOpInteraction() {
    int f = 27;
    int d = 16;
    INDArray all = Nd4j.rand(DataType.DOUBLE, 5, f * d + 3).subi(0.5);
    INDArray[] in = new INDArray[f];
    for (int i = 0; i < f; i++)
      in[i] =
          all.get(
              org.nd4j.linalg.indexing.NDArrayIndex.all(),
              org.nd4j.linalg.indexing.NDArrayIndex.interval(3 + i * d, 3 + (i + 1) * d));
    INDArray select = ReferenceDlrm.Interaction.selection(f, DataType.DOUBLE);
    assertArrayEquals(
        ReferenceDlrm.Interaction.forward(in, select).data().asDouble(),
        DotInteraction.forward(in).dup('c').data().asDouble(),
        1e-12);
    INDArray eps = Nd4j.rand(DataType.DOUBLE, 5, d + f * (f - 1) / 2).subi(0.5);
    INDArray[] want = ReferenceDlrm.Interaction.backward(in, select, eps);
    INDArray[] got = DotInteraction.backward(in, eps);
    for (int i = 0; i < f; i++)
      assertArrayEquals(
          want[i].dup('c').data().asDouble(),
          got[i].dup('c').data().asDouble(),
          1e-12,
          "input " + i);
  }

  @Test
  void dlrmWithTheReferenceSizesHasTheReferenceInteractionWidth() {
    // facebookresearch/dlrm, Kaggle: 26 tables, embedding 16 -> the top MLP sees 16 + 27*26/2 = 367
    // inputs.
    assertEquals(367, new DotInteractionVertex(27, 16).outputWidth());
  }

  @Test
  void segmentTableNamesEveryLayerParameterAndMatchesTheFlatVector() {
    NetworkModel model = TINY.build(DataType.DOUBLE, 7);
    List<String> names = model.layout().segments().stream().map(Segment::name).toList();
    assertTrue(
        names.containsAll(
            List.of(
                "bottom0_W", "bottom0_b", "emb_C1_W", "emb_C3_W", "top0_W", "logit_W", "logit_b")),
        names.toString());
    assertTrue(
        names.stream().noneMatch(n -> n.startsWith("emb_") && n.endsWith("_b")),
        "embeddings have no bias: " + names);
    // Number the flat vector 0..N-1: each DL4J parameter array must hold exactly its segment's
    // range.
    INDArray flat = model.view().params();
    flat.assign(Nd4j.linspace(DataType.DOUBLE, 0, flat.length(), 1));
    Map<String, INDArray> table = ((ComputationGraph) model.network()).paramTable();
    for (Segment s : model.layout().segments()) {
      INDArray p = table.get(s.name());
      assertEquals(s.length(), p.length(), s.name());
      assertEquals(s.offset(), p.minNumber().longValue(), s.name());
      assertEquals(s.end() - 1, p.maxNumber().longValue(), s.name());
    }
    assertEquals(flat.length(), model.layout().totalLength());
  }

  @Test
  void embeddingTablesLocateEveryRowOfTheirWeightsInTheFlatVectorAndOnlyLookedUpRowsGetGradient() {
    NetworkModel model = TINY.build(DataType.DOUBLE, 7);
    List<org.optimbench.optim.EmbeddingTable> tables = model.embeddingTables();
    assertEquals(
        List.of("emb_C1_W", "emb_C2_W", "emb_C3_W"), tables.stream().map(t -> t.name()).toList());
    ComputationGraph g = (ComputationGraph) model.network();
    double[] flat = model.view().params().toDoubleVector();
    for (int k = 0; k < 3; k++) {
      var t = tables.get(k);
      INDArray w = g.getLayer("emb_C" + (k + 1)).getParam("W");
      assertEquals(TINY.tableSizes().get(k), (int) t.rows());
      assertEquals(TINY.embeddingDim(), (int) t.width());
      for (int i = 0; i < t.rows(); i++) {
        for (int j = 0; j < t.width(); j++)
          assertEquals(
              w.getDouble(i, j),
              flat[(int) (t.offset() + i * t.rowStride() + j * t.colStride())],
              0.0,
              t.name() + "[" + i + "," + j + "]");
      }
    }
    // one row: the gradient of each table is non-zero in the looked-up row only
    List<Example> one = rows(TINY, 1, 4);
    model.lossAndGradient(InMemory.encode(TINY, one, DataType.DOUBLE));
    double[] grad = model.view().grads().toDoubleVector();
    for (int k = 0; k < 3; k++) {
      var t = tables.get(k);
      for (int i = 0; i < t.rows(); i++) {
        double norm = 0;
        for (int j = 0; j < t.width(); j++)
          norm += Math.abs(grad[(int) (t.offset() + i * t.rowStride() + j * t.colStride())]);
        if (i == one.get(0).indices()[k])
          assertTrue(norm > 0, t.name() + ": looked-up row " + i + " has no gradient");
        else assertEquals(0.0, norm, 0.0, t.name() + ": row " + i + " was not looked up");
      }
    }
  }

  @Test
  void gradientOfTheMeanLossMatchesCentralFiniteDifferencesInFloat64() {
    NetworkModel model = TINY.build(DataType.DOUBLE, 11);
    MultiDataSet batch = InMemory.encode(TINY, rows(TINY, 8, 5), DataType.DOUBLE);
    double loss = model.lossAndGradient(batch);
    INDArray grad = model.view().grads().dup();
    INDArray params = model.view().params();
    double[] analytic = grad.toDoubleVector();
    double h = 1e-6;
    int checked = 0;
    for (int i = 0; i < analytic.length; i++) {
      double p0 = params.getDouble(i);
      params.putScalar(i, p0 + h);
      double up = model.lossAndGradient(batch);
      params.putScalar(i, p0 - h);
      double down = model.lossAndGradient(batch);
      params.putScalar(i, p0);
      double numeric = (up - down) / (2 * h);
      double err = Math.abs(numeric - analytic[i]);
      if (err > 1e-7 + 1e-5 * Math.abs(numeric))
        fail("parameter " + i + ": analytic " + analytic[i] + ", finite differences " + numeric);
      if (analytic[i] != 0) checked++;
    }
    assertTrue(
        checked > analytic.length / 2,
        "most parameters get a gradient, got " + checked + " of " + analytic.length);
    assertEquals(loss, model.lossAndGradient(batch), 0.0, "the check restored the parameters");
  }

  @Test
  void maxTableSizeFoldsIdsAndAnIdOutsideItsTableNamesTheRowAndColumn() {
    Dlrm capped = new Dlrm(3, List.of(4, 4, 4), 2, List.of(4, 2), List.of(3, 1), 4);
    Example e = new Example(7, 1, new int[] {5, 3, 8}, new double[] {0, 1, 2}, false);
    MultiDataSet b = InMemory.encode(capped, List.of(e), DataType.DOUBLE);
    assertEquals(
        List.of(1, 3, 0),
        List.of(
            b.getFeatures(1).getInt(0, 0),
            b.getFeatures(2).getInt(0, 0),
            b.getFeatures(3).getInt(0, 0)));
    IllegalArgumentException bad =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () ->
                InMemory.encode(
                    TINY,
                    List.of(new Example(9, 0, new int[] {1, 4, 0}, new double[] {0, 1, 2}, false)),
                    DataType.DOUBLE));
    assertTrue(
        bad.getMessage().contains("row 9") && bad.getMessage().contains("C2"), bad.getMessage());
  }

  /**
   * The network against the same one on DL4J's stock EmbeddingLayers and the interaction as ND4J
   * ops ({@link ReferenceDlrm}): the same parameter names, offsets and initial values bit for bit
   * (the embedding tables stored row-major where DL4J's are column-major, so a table's segment is
   * [rows, width] here and [width, rows] there), and the same loss, outputs and gradient to
   * rounding (the interaction sums in another order, in float64). Repeated ids in a batch, so rows
   * accumulate; two steps, so the second finds the first's gradient rows in the view.
   */
  @Test
  void sameFunctionAndParametersAsTheStockDl4jNetwork() {
    Dlrm w = new Dlrm(3, List.of(5, 4, 6, 3), 4, List.of(8, 4), List.of(6, 1), 0);
    for (DataType dtype : List.of(DataType.DOUBLE, DataType.FLOAT)) {
      double tol = dtype == DataType.DOUBLE ? 1e-12 : 2e-5;
      NetworkModel ours = w.build(dtype, 5);
      NetworkModel ref = ReferenceDlrm.build(w, dtype, 5);
      List<Segment> refSegments = ref.layout().segments();
      List<Segment> ourSegments = ours.layout().segments();
      assertEquals(refSegments.size(), ourSegments.size());
      for (int i = 0; i < refSegments.size(); i++) {
        Segment r = refSegments.get(i);
        Segment o = ourSegments.get(i);
        assertEquals(r.name(), o.name());
        assertEquals(r.offset(), o.offset(), r.name());
        long[] shape = r.shape().clone();
        if (r.name().startsWith("emb_")) shape = new long[] {shape[1], shape[0]};
        assertArrayEquals(shape, o.shape(), r.name());
      }
      for (int t = 0; t < ref.embeddingTables().size(); t++) {
        org.optimbench.optim.EmbeddingTable r = ref.embeddingTables().get(t);
        org.optimbench.optim.EmbeddingTable o = ours.embeddingTables().get(t);
        assertEquals(
            List.of(r.name(), r.offset(), r.rows(), r.width()),
            List.of(o.name(), o.offset(), o.rows(), o.width()));
        assertEquals(
            List.of(1L, r.rows()), List.of(r.rowStride(), r.colStride()), "DL4J's: column-major");
        assertEquals(
            List.of(r.width(), 1L), List.of(o.rowStride(), o.colStride()), "ours: row-major");
      }
      Map<String, INDArray> refParams = ref.network().paramTable();
      Map<String, INDArray> ourParams = ours.network().paramTable();
      assertEquals(refParams.keySet(), ourParams.keySet());
      for (String k : refParams.keySet())
        assertArrayEquals(
            matrix(refParams.get(k)), matrix(ourParams.get(k)), "initial " + k + ", " + dtype);
      for (long seed : new long[] {21, 22}) {
        MultiDataSet batch = InMemory.encode(w, rows(w, 16, seed), dtype);
        assertEquals(ref.lossAndGradient(batch), ours.lossAndGradient(batch), tol, dtype + "");
        Map<String, INDArray> refGrads =
            ((ComputationGraph) ref.network()).gradient().gradientForVariable();
        Map<String, INDArray> ourGrads =
            ((ComputationGraph) ours.network()).gradient().gradientForVariable();
        for (String k : refParams.keySet()) {
          double[][] rg = matrix(refGrads.get(k));
          double[][] og = matrix(ourGrads.get(k));
          for (int i = 0; i < rg.length; i++)
            assertArrayEquals(rg[i], og[i], tol, "gradient of " + k + ", " + dtype);
        }
        assertArrayEquals(
            ref.output(batch).toDoubleVector(),
            ours.output(batch).toDoubleVector(),
            tol,
            "output, " + dtype);
      }
    }
  }

  /**
   * The embedding layers name the rows their batch wrote ({@link NetworkModel#gradientRows}): every
   * row of every table whose gradient has a bit set is among them (what a scan of the table finds),
   * at most one per example, ascending; a second batch replaces them. Float32 and float64.
   */
  @Test
  void gradientRowsHoldEveryNonZeroRowOfTheTables() {
    Dlrm w = new Dlrm(3, List.of(50, 40, 60, 30), 4, List.of(8, 4), List.of(6, 1), 0);
    for (DataType dtype : List.of(DataType.DOUBLE, DataType.FLOAT)) {
      NetworkModel model = w.build(dtype, 5);
      assertEquals(null, model.gradientRows(), "before any gradient");
      for (long seed : new long[] {31, 32}) {
        model.lossAndGradient(InMemory.encode(w, rows(w, 16, seed), dtype));
        int[][] named = model.gradientRows();
        java.nio.IntBuffer bits =
            org.optimbench.optim.HostBytes.of(model.view().grads()).asIntBuffer();
        List<org.optimbench.optim.EmbeddingTable> tables = model.embeddingTables();
        assertEquals(tables.size(), named.length);
        for (int i = 0; i < tables.size(); i++) {
          int[] scanned = tables.get(i).nonZeroRows(bits, dtype == DataType.FLOAT ? 1 : 2);
          java.util.Set<Integer> rows = new java.util.HashSet<>();
          for (int k = 0; k < named[i].length; k++) {
            rows.add(named[i][k]);
            if (k > 0) assertTrue(named[i][k - 1] < named[i][k], "ascending, distinct");
          }
          assertTrue(named[i].length <= 16 && named[i].length > 0, "one row per example at most");
          for (int id : scanned)
            assertTrue(rows.contains(id), dtype + " table " + i + ": row " + id + " not named");
          assertArrayEquals(
              scanned,
              tables.get(i).nonZeroRows(bits, dtype == DataType.FLOAT ? 1 : 2, named[i]),
              "the named rows' non-zero ones are the scan's");
        }
      }
    }
  }

  /**
   * A backward pass zeroes only the rows the view may be non-zero at, so: the gradient of batch B
   * after batch A is a fresh model's gradient of B bit for bit; after a reported write anywhere
   * ({@code gradientWritten(null)}) too; and a write nobody reported is caught before the next pass
   * (the suite runs with {@code optimbench.checkGradientRows}) rather than left in the gradient.
   */
  @Test
  void eachGradientIsTheBatchsOwnWhateverTheViewHeldBefore() {
    Dlrm w = new Dlrm(3, List.of(50, 40, 60, 30), 4, List.of(8, 4), List.of(6, 1), 0);
    MultiDataSet a = InMemory.encode(w, rows(w, 16, 41), DataType.FLOAT);
    MultiDataSet b = InMemory.encode(w, rows(w, 16, 42), DataType.FLOAT);
    NetworkModel fresh = w.build(DataType.FLOAT, 5);
    fresh.lossAndGradient(b);
    float[] want = fresh.view().grads().toFloatVector();

    NetworkModel model = w.build(DataType.FLOAT, 5);
    model.lossAndGradient(a);
    model.lossAndGradient(b);
    assertArrayEquals(want, model.view().grads().toFloatVector(), "after A");

    org.optimbench.optim.EmbeddingTable t = model.embeddingTables().get(0);
    java.util.Set<Integer> named = new java.util.HashSet<>();
    for (int r : model.gradientRows()[0]) named.add(r);
    int stray = 0;
    while (named.contains(stray)) stray++;
    model.view().grads().putScalar(t.offset() + stray * t.rowStride(), 1.0);
    model.gradientWritten(null);
    model.lossAndGradient(b);
    assertArrayEquals(want, model.view().grads().toFloatVector(), "after a reported write");

    model.view().grads().putScalar(t.offset() + stray * t.rowStride(), 1.0);
    IllegalStateException unreported =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class, () -> model.lossAndGradient(b));
    String row = "row " + stray + ",";
    assertTrue(unreported.getMessage().contains(row), unreported.getMessage());
  }

  /** A parameter or gradient array by (row, column), whatever its storage order. */
  private static double[][] matrix(INDArray a) {
    return a.rank() == 1 ? new double[][] {a.toDoubleVector()} : a.toDoubleMatrix();
  }

  @Test
  void lossIsTheMeanBinaryCrossEntropyOfTheLogits() {
    NetworkModel model = TINY.build(DataType.DOUBLE, 3);
    MultiDataSet batch = InMemory.encode(TINY, rows(TINY, 8, 9), DataType.DOUBLE);
    double loss = model.lossAndGradient(batch);
    double[] z = model.output(batch).toDoubleVector();
    double[] y = batch.getLabels(0).toDoubleVector();
    double expected = 0;
    for (int i = 0; i < z.length; i++) {
      double p = 1 / (1 + Math.exp(-z[i]));
      expected -= (y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p)) / z.length;
    }
    assertEquals(expected, loss, 1e-12);
  }

  /**
   * What DL4J's Spark master does with the graph (mode dl4j_averaging): it ships the configuration
   * by Java serialization and rebuilds the network from a clone of it, and DL4J's configuration
   * copies go through JSON. Our layers and vertex survive both (the same JSON, the same parameters
   * from the same seed), and DL4J's own fit with its SGD updater takes our SGD step on the rebuilt
   * graph, bit for bit.
   */
  @Test
  void dl4jJsonAndJavaSerializationRebuildAGraphThatDl4jFitsAsWeStep() throws Exception {
    NetworkModel model = TINY.build(DataType.DOUBLE, 5);
    ComputationGraphConfiguration conf =
        ((ComputationGraph) model.network()).getConfiguration().clone();
    String json = conf.toJson();
    assertEquals(json, ComputationGraphConfiguration.fromJson(json).toJson());
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream o = new java.io.ObjectOutputStream(bytes)) {
      o.writeObject(conf);
    }
    ComputationGraphConfiguration shipped;
    try (java.io.ObjectInputStream i =
        new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      shipped = (ComputationGraphConfiguration) i.readObject();
    }
    assertEquals(json, shipped.toJson());
    ComputationGraph seeded = new ComputationGraph(shipped.clone());
    seeded.init();
    assertArrayEquals(
        model.view().params().toDoubleVector(), seeded.params().toDoubleVector(), 0.0);

    for (GraphVertex v : shipped.getVertices().values())
      if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BaseLayer b) {
        b.setIUpdater(new Sgd(0.1));
        b.setBiasUpdater(null);
      }
    ComputationGraph peer = new ComputationGraph(shipped.clone());
    peer.init(model.view().params().dup(), false);
    MultiDataSet batch = InMemory.encode(TINY, rows(TINY, 8, 3), DataType.DOUBLE);
    INDArray before = model.view().params().dup();
    model.lossAndGradient(batch);
    double[] ours = before.sub(model.view().grads().mul(0.1)).toDoubleVector();
    peer.fit(batch);
    assertArrayEquals(ours, peer.params().toDoubleVector(), 0.0);
    assertTrue(peer.params().sub(before).amaxNumber().doubleValue() > 0, "the step moved nothing");
  }
}
