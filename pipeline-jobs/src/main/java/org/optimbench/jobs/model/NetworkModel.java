package org.optimbench.jobs.model;

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
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.optimbench.optim.EmbeddingTable;
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
 * and width d, stored [n, d] in 'f' order, is reported as [d, n]: its flat layout). The same holds
 * for a ComputationGraph, whose gradient view is checked against finite differences in {@code
 * DlrmModelTest}.
 */
public final class NetworkModel {
  private final Model net;
  private final ParamLayout layout;
  private final ModelView view;

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
    this.view = new ModelView(layout, net.params(), grads, tablesOf(net));
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

  private static List<EmbeddingTable> tablesOf(Model net) {
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
    view.grads().divi(n);
    return net.score();
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
    try {
      view.params().assign(at);
      lossAndGradient(batch);
      return view.grads().dup();
    } finally {
      view.params().assign(saved);
      view.grads().assign(savedGrad);
      saved.close();
      savedGrad.close();
    }
  }
}
