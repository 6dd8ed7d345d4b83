package org.optimbench.jobs.model;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.optimbench.optim.EmbeddingTable;
import org.optimbench.optim.HostBytes;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.ParamLayout;

/**
 * A DL4J network seen the way the optim library sees a model: one flat parameter vector (DL4J's own
 * {@code params()} view, no copy), the flat gradient view aligned with it, and the segment table
 * built from the network's parameter table (one segment per layer parameter, named {@code
 * <layer>_<param>}: {@code 0_W}, {@code 0_b} in a MultiLayerNetwork, {@code emb_C1_W} for the
 * ComputationGraph layer {@code emb_C1}), in flat-vector order. DL4J's {@code updater} is never
 * used: the trainer computes the gradient here and an optim {@code Optimizer} updates the
 * parameters in place.
 *
 * <p>Two DL4J facts this class relies on (checked in {@code NetworkModelTest}): the flattened
 * gradient after {@code computeGradientAndScore} is the SUM over the minibatch while the score is
 * the mean, so the gradient is divided by the batch size here; and DL4J stores a dense layer's
 * {@code [nIn, nOut]} weights in 'f' order, which flattens to PyTorch's {@code [out, in]} row-major
 * layout, so segment shapes are reported in that (PyTorch) convention (an embedding table of n rows
 * and width d in DL4J's own layer, stored [n, d] in 'f' order, is reported as [d, n]: its flat
 * layout; DLRM's tables are stored row-major, [n, d] as PyTorch's {@code nn.Embedding}). The same
 * holds for a ComputationGraph, whose gradient view is checked against finite differences in {@code
 * DlrmModelTest}.
 */
public final class NetworkModel {
  private final Model net;
  private final ParamLayout layout;
  private final ModelView view;

  /** The layer of each embedding table, in {@link #embeddingTables()}'s order. */
  private final Layer[] tableLayers;

  /** Views of the gradient outside every embedding table, in flat-vector order. */
  private final List<INDArray> outsideTables;

  /** What {@link #gradientRows()} returns. */
  private int[][] gradientRows;

  /**
   * Checks, before each backward pass that zeroes only named rows, that the gradient view is zero
   * everywhere else, by scanning every table: a writer of the view that did not report its rows
   * ({@link #gradientWritten}) would otherwise leave its values in the next gradient. Set in the
   * test suite ({@code -Doptimbench.checkGradientRows=true}); off in runs, where it would cost the
   * passes over the tables the rows exist to avoid.
   */
  private static final boolean CHECK_ROWS = Boolean.getBoolean("optimbench.checkGradientRows");

  public NetworkModel(MultiLayerNetwork net) {
    this((Model) net);
  }

  public NetworkModel(ComputationGraph net) {
    this((Model) net);
  }

  private NetworkModel(Model net) {
    this.net = net;
    this.layout = layoutOf(net.paramTable(), net.params());
    INDArray grads;
    if (net instanceof MultiLayerNetwork m) {
      if (m.getFlattenedGradients() == null) m.initGradientsView(); // DL4J creates it lazily
      grads = m.getFlattenedGradients();
    } else {
      ComputationGraph g = (ComputationGraph) net;
      if (g.getFlattenedGradients() == null) g.initGradientsView();
      grads = g.getFlattenedGradients();
    }
    List<Layer> layers = new ArrayList<>();
    this.view = new ModelView(layout, net.params(), grads, tablesOf(net, layers));
    this.tableLayers = layers.toArray(new Layer[0]);
    this.outsideTables = outside(view);
  }

  /** Views of {@code view}'s gradient between its tables. */
  private static List<INDArray> outside(ModelView view) {
    List<EmbeddingTable> ts = new ArrayList<>(view.tables());
    ts.sort(Comparator.comparingLong(EmbeddingTable::offset));
    List<INDArray> out = new ArrayList<>();
    long next = 0;
    for (EmbeddingTable t : ts) {
      if (t.offset() > next) out.add(view.grads().get(NDArrayIndex.interval(next, t.offset())));
      next = t.offset() + t.elements();
    }
    if (next < view.length()) out.add(view.grads().get(NDArrayIndex.interval(next, view.length())));
    return out;
  }

  /**
   * One segment per parameter array, in the order of their offsets in the flat vector: a
   * ComputationGraph's parameter table does not list layers in flattening order (the embedding
   * tables of DLRM come out between its bottom layers), so the order comes from where each array's
   * view starts inside {@code flat}, and the segments must tile it exactly.
   */
  static ParamLayout layoutOf(Map<String, INDArray> table, INDArray flat) {
    List<Map.Entry<String, INDArray>> entries = new ArrayList<>(table.entrySet());
    entries.sort(Comparator.comparingLong(e -> e.getValue().offset()));
    ParamLayout.Builder b = ParamLayout.builder();
    long next = flat.offset();
    for (Map.Entry<String, INDArray> e : entries) {
      if (e.getValue().offset() != next) {
        throw new IllegalStateException(
            "parameter "
                + e.getKey()
                + " starts at element "
                + (e.getValue().offset() - flat.offset())
                + " of the flat vector, expected "
                + (next - flat.offset())
                + ": not a view that tiles params()");
      }
      next += e.getValue().length();
      long[] s = e.getValue().shape();
      if (e.getValue().ordering() == 'f' && s.length > 1) {
        long[] r = new long[s.length];
        for (int i = 0; i < s.length; i++) r[i] = s[s.length - 1 - i];
        s = r;
      }
      b.add(e.getKey(), s);
    }
    if (next - flat.offset() != flat.length())
      throw new IllegalStateException(
          "parameter arrays cover "
              + (next - flat.offset())
              + " of "
              + flat.length()
              + " elements");
    return b.build();
  }

  public Model network() {
    return net;
  }

  public ParamLayout layout() {
    return layout;
  }

  /**
   * The network's embedding tables (DL4J {@code EmbeddingLayer} and {@code EmbeddingSequenceLayer}
   * weights, and the {@code [numFeatures, nOut]} weights of {@link SparseLinear}, whose rows are
   * looked up by feature index in the same way) as row tables of the flat vector: their gradients
   * are non-zero only at the rows a batch looked up, which {@link RowSparseSum} exploits in
   * gradient sharing. Empty for networks without them (GPT's token table is inside its SameDiff
   * layer and tied to the output, so dense).
   */
  public List<EmbeddingTable> embeddingTables() {
    return view.tables();
  }

  private static List<EmbeddingTable> tablesOf(Model net, List<Layer> tableLayers) {
    long flatOffset = net.params().offset();
    List<EmbeddingTable> out = new ArrayList<>();
    Layer[] layers =
        net instanceof MultiLayerNetwork m ? m.getLayers() : ((ComputationGraph) net).getLayers();
    for (Layer l : layers) {
      org.deeplearning4j.nn.conf.layers.Layer c = l.conf().getLayer();
      if (!(c instanceof EmbeddingLayer)
          && !(c instanceof EmbeddingSequenceLayer)
          && !(c instanceof SparseLinear)) continue;
      INDArray w = l.getParam(DefaultParamInitializer.WEIGHT_KEY);
      // the segment's name: a MultiLayerNetwork keys its parameters by layer index, not by the
      // layer's name ("layer0" unless set)
      String layer =
          net instanceof MultiLayerNetwork ? String.valueOf(l.getIndex()) : c.getLayerName();
      out.add(
          new EmbeddingTable(
              layer + "_" + DefaultParamInitializer.WEIGHT_KEY,
              w.offset() - flatOffset,
              w.size(0),
              w.size(1),
              w.stride(0),
              w.stride(1)));
      tableLayers.add(l);
    }
    return out;
  }

  /**
   * The optimizer's view: DL4J's flat params and flat gradient (after {@link #lossAndGradient}).
   */
  public ModelView view() {
    return view;
  }

  /**
   * Runs forward and backward on {@code batch} at the current parameters; leaves the gradient of
   * the MEAN loss in {@code view().grads()} and returns the mean loss.
   */
  public double lossAndGradient(MultiDataSet batch) {
    long n = batch.getFeatures(0).size(0);
    armZeroing();
    if (net instanceof MultiLayerNetwork m) {
      if (batch.numFeatureArrays() != 1 || batch.numLabelsArrays() != 1) {
        throw new IllegalArgumentException(
            "a MultiLayerNetwork takes one feature and one label array");
      }
      m.setInput(batch.getFeatures(0));
      m.setLabels(batch.getLabels(0));
      m.setLayerMaskArrays(batch.getFeaturesMaskArray(0), batch.getLabelsMaskArray(0));
      m.computeGradientAndScore();
    } else {
      ComputationGraph g = (ComputationGraph) net;
      g.setInputs(batch.getFeatures());
      g.setLabels(batch.getLabels());
      g.setLayerMaskArrays(batch.getFeaturesMaskArrays(), batch.getLabelsMaskArrays());
      g.computeGradientAndScore();
    }
    gradientRows = rowsOfLayers();
    divide(n);
    return net.score();
  }

  /**
   * For each embedding table ({@link #embeddingTables()}, same order), the rows (ascending,
   * distinct) at which the gradient view may now be non-zero, or null for a table whose rows are
   * not known; null when no table's are. {@link #lossAndGradient} sets them to the rows the tables'
   * layers wrote ({@link RowSparseGradient}); whoever writes the view afterwards reports the rows
   * it may have made non-zero through {@link #gradientWritten}. The arrays are this model's: read
   * them, do not change them.
   */
  public int[][] gradientRows() {
    return gradientRows;
  }

  /**
   * Reports a write to the gradient view after {@link #lossAndGradient}: the view may now be
   * non-zero at {@code rows} of each table (as {@link #gradientRows()}; null where anywhere). The
   * next backward pass zeroes those rows of the tables before it adds its batch, and every row of a
   * table whose rows are null, so a write nobody reports leaves values behind: every code path that
   * writes the view calls this (the test suite checks it, {@code CHECK_ROWS}).
   */
  public void gradientWritten(int[][] rows) {
    if (rows != null && rows.length != tableLayers.length)
      throw new IllegalArgumentException(
          "rows for " + rows.length + " tables, the model has " + tableLayers.length);
    gradientRows = rows;
  }

  /**
   * Tells each table's layer which rows its next backward pass must zero: those at which the view
   * may be non-zero, when known, else (null) the whole table.
   */
  private void armZeroing() {
    for (int i = 0; i < tableLayers.length; i++) {
      if (!(tableLayers[i] instanceof RowSparseGradient r)) continue;
      int[] rows = gradientRows == null ? null : gradientRows[i];
      if (rows != null && CHECK_ROWS) checkZeroOutside(i, rows);
      r.zeroOnlyRows(rows);
    }
  }

  private void checkZeroOutside(int table, int[] rows) {
    EmbeddingTable t = view.tables().get(table);
    int k = view.dtype() == DataType.DOUBLE ? 2 : 1;
    int[] nonZero = t.nonZeroRows(HostBytes.of(view.grads()).asIntBuffer(), k);
    java.util.Set<Integer> named = new java.util.HashSet<>();
    for (int r : rows) named.add(r);
    for (int r : nonZero)
      if (!named.contains(r))
        throw new IllegalStateException(
            "the gradient of table "
                + t.name()
                + " is non-zero at row "
                + r
                + ", which no writer of the gradient view reported (NetworkModel.gradientWritten)");
  }

  private int[][] rowsOfLayers() {
    if (tableLayers.length == 0) return null;
    int[][] rows = new int[tableLayers.length][];
    boolean any = false;
    for (int i = 0; i < tableLayers.length; i++) {
      if (tableLayers[i] instanceof RowSparseGradient r) rows[i] = r.gradientRows();
      any |= rows[i] != null;
    }
    return any ? rows : null;
  }

  /**
   * Divides the gradient by the batch size: DL4J's is the sum over the batch. Where the tables'
   * layers name their rows, only those rows of the tables are divided (the rest are zero, and
   * divide to themselves): dividing a whole table is a pass over memory as large as the table,
   * which PyTorch's sparse embedding gradients never make (BENCHMARKS.md, "Peers: PyTorch on the
   * same CPU"). The same IEEE division either way, so the same bits.
   */
  private void divide(long n) {
    DataType type = view.dtype();
    if (gradientRows == null || (type != DataType.FLOAT && type != DataType.DOUBLE)) {
      view.grads().divi(n);
      return;
    }
    for (INDArray v : outsideTables) v.divi(n);
    List<EmbeddingTable> ts = view.tables();
    for (int i = 0; i < ts.size(); i++) {
      EmbeddingTable t = ts.get(i);
      if (gradientRows[i] == null)
        view.grads().get(NDArrayIndex.interval(t.offset(), t.offset() + t.elements())).divi(n);
      else divideRows(view.grads(), t, gradientRows[i], n);
    }
  }

  /** {@code flat[e] /= n} for the elements {@code e} of {@code rows} of {@code table}. */
  static void divideRows(INDArray flat, EmbeddingTable table, int[] rows, long n) {
    ByteBuffer bytes = HostBytes.of(flat);
    int w = (int) table.width();
    if (flat.dataType() == DataType.FLOAT) {
      FloatBuffer b = bytes.asFloatBuffer();
      float d = n;
      if (table.colStride() == 1) { // row-major: a row at a time (per element, the buffer's checks
        // cost several times the division)
        float[] row = new float[w];
        for (int id : rows) {
          int first = (int) (table.offset() + id * table.rowStride());
          b.get(first, row, 0, w);
          for (int j = 0; j < w; j++) row[j] /= d;
          b.put(first, row, 0, w);
        }
        return;
      }
      for (int id : rows) {
        long first = table.offset() + id * table.rowStride();
        for (int j = 0; j < w; j++) {
          int at = (int) (first + j * table.colStride());
          b.put(at, b.get(at) / d);
        }
      }
    } else if (flat.dataType() == DataType.DOUBLE) {
      DoubleBuffer b = bytes.asDoubleBuffer();
      double d = n;
      for (int id : rows) {
        long first = table.offset() + id * table.rowStride();
        for (int j = 0; j < w; j++) {
          int at = (int) (first + j * table.colStride());
          b.put(at, b.get(at) / d);
        }
      }
    } else {
      throw new IllegalArgumentException(
          "row division needs float32 or float64, got " + flat.dataType());
    }
  }

  /** The network's (first) output for the features of {@code batch}, in inference mode. */
  public INDArray output(MultiDataSet batch) {
    if (net instanceof MultiLayerNetwork m) return m.output(batch.getFeatures(0), false);
    return ((ComputationGraph) net).output(false, batch.getFeatures())[0];
  }

  /**
   * The gradient of the mean loss of {@code batch} at {@code at} (the parameters are restored
   * afterwards).
   */
  public INDArray gradientAt(INDArray at, MultiDataSet batch) {
    INDArray saved = view.params().dup();
    INDArray savedGrad = view.grads().dup();
    int[][] savedRows = gradientRows;
    try {
      view.params().assign(at);
      lossAndGradient(batch);
      return view.grads().dup();
    } finally {
      view.params().assign(saved);
      view.grads().assign(savedGrad);
      gradientRows = savedRows;
      saved.close();
      savedGrad.close();
    }
  }
}
