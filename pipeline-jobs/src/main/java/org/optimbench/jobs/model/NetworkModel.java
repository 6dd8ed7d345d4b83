package org.optimbench.jobs.model;

import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.ParamLayout;

/**
 * A DL4J network seen the way the optim library sees a model: one flat parameter vector (DL4J's own
 * {@code params()} view, no copy), the flat gradient view aligned with it, and the segment table
 * built from the network's parameter table (one segment per layer parameter, e.g. {@code 0_W},
 * {@code 0_b}). DL4J's {@code updater} is never used: the trainer computes the gradient here and an
 * optim {@code Optimizer} updates the parameters in place.
 *
 * <p>Two DL4J facts this class relies on (checked in {@code NetworkModelTest}): the flattened
 * gradient after {@code computeGradientAndScore} is the SUM over the minibatch while the score is
 * the mean, so the gradient is divided by the batch size here; and DL4J stores a dense layer's
 * {@code [nIn, nOut]} weights in 'f' order, which flattens to PyTorch's {@code [out, in]} row-major
 * layout, so segment shapes are reported in that (PyTorch) convention.
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
    this.layout = layoutOf(net.paramTable());
    INDArray grads;
    if (net instanceof MultiLayerNetwork m) {
      if (m.getFlattenedGradients() == null) m.initGradientsView(); // DL4J creates it lazily
      grads = m.getFlattenedGradients();
    } else {
      ComputationGraph g = (ComputationGraph) net;
      if (g.getFlattenedGradients() == null) g.initGradientsView();
      grads = g.getFlattenedGradients();
    }
    this.view = new ModelView(layout, net.params(), grads);
  }

  static ParamLayout layoutOf(Map<String, INDArray> table) {
    ParamLayout.Builder b = ParamLayout.builder();
    for (Map.Entry<String, INDArray> e : table.entrySet()) {
      long[] s = e.getValue().shape();
      if (e.getValue().ordering() == 'f' && s.length > 1) {
        long[] r = new long[s.length];
        for (int i = 0; i < s.length; i++) r[i] = s[s.length - 1 - i];
        s = r;
      }
      b.add(e.getKey(), s);
    }
    return b.build();
  }

  public Model network() {
    return net;
  }

  public ParamLayout layout() {
    return layout;
  }

  /** The optimizer's view: DL4J's flat params and flat gradient (after {@link #lossAndGradient}). */
  public ModelView view() {
    return view;
  }

  /**
   * Runs forward and backward on {@code batch} at the current parameters; leaves the gradient of the
   * MEAN loss in {@code view().grads()} and returns the mean loss.
   */
  public double lossAndGradient(MultiDataSet batch) {
    long n = batch.getFeatures(0).size(0);
    if (net instanceof MultiLayerNetwork m) {
      if (batch.numFeatureArrays() != 1 || batch.numLabelsArrays() != 1) {
        throw new IllegalArgumentException("a MultiLayerNetwork takes one feature and one label array");
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

  /** The gradient of the mean loss of {@code batch} at {@code at} (the parameters are restored afterwards). */
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
    }
  }
}
