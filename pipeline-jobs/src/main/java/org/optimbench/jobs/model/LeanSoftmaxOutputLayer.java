package org.optimbench.jobs.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The runtime of {@link LeanSoftmaxOutput}: DL4J's output layer with softmax and MCXENT, op for op
 * the same arithmetic (so the same bits), with each piece computed once per training step.
 *
 * <p>DL4J's network asks its output layer for the backward pass first and for the score after it
 * ({@code MultiLayerNetwork.computeGradientAndScore}); both recompute {@code x W + b} and the
 * softmax. Here the backward pass computes {@code z = x W + b} ({@link LeanDenseLayer#affine}, the
 * same product as DL4J's), the softmax {@code p} once, from {@code p} the loss's sum exactly as
 * {@link LossMCXENT} computes it (clipped to [eps, 1 - eps], log, times the labels, summed by ND4J)
 * and the gradient {@code p - labels}, then the weight, bias and input gradients with DL4J's own
 * calls. It keeps the loss's sum for the score that follows, for the same input and label arrays
 * and without a mask; any other score (and any pass with a label mask) is DL4J's own code.
 */
final class LeanSoftmaxOutputLayer extends OutputLayer {
  /** The loss's sum over the batch from the last backward pass, for the score that follows it. */
  private double keptSum;

  private INDArray keptInput;
  private INDArray keptLabels;

  LeanSoftmaxOutputLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** DL4J's {@code x W + b} (then the mask), without its zeroed scratch array per product. */
  @Override
  protected INDArray preOutput(boolean training, LayerWorkspaceMgr mgr) {
    assertInputSet(false);
    INDArray z =
        LeanDenseLayer.affine(
            input,
            getParam(DefaultParamInitializer.WEIGHT_KEY),
            hasBias() ? getParam(DefaultParamInitializer.BIAS_KEY) : null,
            mgr,
            ArrayType.ACTIVATIONS,
            ArrayType.FF_WORKING_MEM,
            layerId());
    if (maskArray != null) applyMask(z);
    return z;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    forget();
    if (maskArray != null) return super.backpropGradient(epsilon, mgr);
    assertInputSet(true);
    INDArray z = preOutput2d(true, mgr);
    INDArray labels2d = getLabels2d(mgr, ArrayType.BP_WORKING_MEM).castTo(z.dataType());
    if (!labels2d.equalShapes(z))
      throw new IllegalStateException(
          "labels of shape "
              + java.util.Arrays.toString(labels2d.shape())
              + " for an output of shape "
              + java.util.Arrays.toString(z.shape())
              + " "
              + layerId());
    // LossMCXENT's score and gradient each take the softmax of a copy of z; one serves both, taken
    // in place when z is row-major (the layout of the copy DL4J takes): z is this pass's own array
    // and nothing reads it after.
    INDArray p =
        layerConf().getActivationFn().getActivation(z.ordering() == 'c' ? z : z.dup(), true);
    double eps = ((LossMCXENT) layerConf().getLossFn()).getSoftmaxClipEps();
    INDArray clipped = eps > 0.0 ? DenseLoops.clipped(p, eps, 1.0 - eps) : null;
    if (clipped == null) {
      clipped = p.dup();
      if (eps > 0.0) {
        BooleanIndexing.replaceWhere(clipped, eps, Conditions.lessThan(eps));
        BooleanIndexing.replaceWhere(clipped, 1.0 - eps, Conditions.greaterThan(1.0 - eps));
      }
    }
    double sum = -Transforms.log(clipped, false).muli(labels2d).sumNumber().doubleValue();
    INDArray delta = DenseLoops.subtract(p, labels2d) ? p : p.subi(labels2d);

    Gradient g = new DefaultGradient();
    INDArray wGrad = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
    Nd4j.gemm(input.castTo(wGrad.dataType()), delta, wGrad, true, false, 1.0, 0.0);
    g.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, wGrad);
    if (hasBias()) {
      INDArray bGrad = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
      if (!DenseLoops.columnSums(delta, bGrad)) delta.sum(bGrad, 0);
      g.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, bGrad);
    }
    INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
    INDArray epsilonNext =
        mgr.createUninitialized(
            ArrayType.ACTIVATION_GRAD,
            delta.dataType(),
            new long[] {w.size(0), delta.size(0)},
            'f');
    epsilonNext = w.mmuli(delta.transpose(), epsilonNext).transpose();

    keptSum = sum;
    keptInput = input;
    keptLabels = labels;
    return new Pair<>(g, epsilonNext);
  }

  /**
   * DL4J's score (the mean loss plus {@code fullNetRegTerm}); from the sum the backward pass kept
   * when it was for these input and label arrays, without a mask.
   */
  @Override
  public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr mgr) {
    boolean kept =
        keptInput != null && keptInput == input && keptLabels == labels && maskArray == null;
    double sum = keptSum;
    forget();
    if (!kept) return super.computeScore(fullNetRegTerm, training, mgr);
    double s = sum;
    if (conf().isMiniBatch()) s /= getInputMiniBatchSize();
    s += fullNetRegTerm;
    score = s;
    return s;
  }

  /** The kept sum is for the input and labels of the backward pass that computed it only. */
  private void forget() {
    keptInput = null;
    keptLabels = null;
  }

  @Override
  public void clear() {
    super.clear();
    forget();
  }
}
