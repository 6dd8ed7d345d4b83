package org.optimbench.jobs.model;

import java.util.Arrays;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime of {@link LeanDense}: DL4J's dense layer's arithmetic, op for op, except that a
 * training forward pass keeps its pre-activation {@code z} for backprop, the product {@code x W}
 * takes its scratch array from DL4J's working memory, the input gradient is skipped where
 * configured, and on float32 arrays the element-wise ops are {@link DenseLoops}' loops (the same
 * bits).
 *
 * <p>The kept {@code z} lives where the forward pass's activations live (DL4J's activation
 * workspace, open until the network's backprop ends), and is used only by the backprop that follows
 * a training forward pass on the same input array; any other backprop recomputes it, as DL4J's
 * layer always does.
 */
final class LeanDenseLayer extends BaseLayer<LeanDense> {
  private INDArray keptZ;
  private INDArray keptFor;

  LeanDenseLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  protected INDArray preOutput(boolean training, LayerWorkspaceMgr mgr) {
    return preActivation(mgr, ArrayType.ACTIVATIONS, ArrayType.FF_WORKING_MEM);
  }

  /** {@code x W + b} (then the mask, if any), as {@link #affine}. */
  private INDArray preActivation(LayerWorkspaceMgr mgr, ArrayType out, ArrayType work) {
    assertInputSet(false);
    INDArray z =
        affine(
            input,
            getParam(DefaultParamInitializer.WEIGHT_KEY),
            getParam(DefaultParamInitializer.BIAS_KEY),
            mgr,
            out,
            work,
            layerId());
    if (maskArray != null) applyMask(z);
    return z;
  }

  /**
   * {@code x W + b} ({@code b} may be null: no bias): a new [batch, nOut] array of {@code out}'s
   * memory, the product's scratch array of {@code work}'s. DL4J's {@code x.mmuli(W, z)} (in
   * BaseLayer, which DenseLayer and OutputLayer share) does the same GEMM into a column-major array
   * and copies it into the row-major {@code z} (so the same values, bit for bit; a GEMM straight
   * into {@code z} rounds differently), but creates that array anew and zeroed at every call, in
   * whatever workspace the thread has open (a native allocation when none is).
   */
  static INDArray affine(
      INDArray input,
      INDArray w,
      INDArray b,
      LayerWorkspaceMgr mgr,
      ArrayType out,
      ArrayType work,
      String layerId) {
    if (input.rank() != 2 || input.columns() != w.rows())
      throw new DL4JInvalidInputException(
          "input of shape "
              + Arrays.toString(input.shape())
              + " for a dense layer of "
              + w.rows()
              + " inputs "
              + layerId);
    long[] shape = {input.size(0), w.size(1)};
    INDArray product = mgr.createUninitialized(work, w.dataType(), shape, 'f');
    Nd4j.gemm(input.castTo(w.dataType()), w, product, false, false, 1.0, 0.0);
    INDArray z = mgr.createUninitialized(out, w.dataType(), shape, 'c');
    if (!DenseLoops.transposeAddBias(product, b, z)) {
      z.assign(product);
      if (b != null) z.addiRowVector(b);
    }
    return z;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
    keptZ = null;
    keptFor = null;
    INDArray z = preOutput(training, mgr);
    INDArray a = z;
    if (training) {
      // The activation function works in place; backprop needs z itself.
      keptZ = z;
      keptFor = input;
      if (plainRelu() && DenseLoops.applies(z)) { // else no array made for nothing
        INDArray y = mgr.createUninitialized(ArrayType.ACTIVATIONS, z.dataType(), z.shape(), 'c');
        if (DenseLoops.relu(z, y)) {
          if (maskArray != null) applyMask(y);
          return y;
        }
      }
      a = mgr.dup(ArrayType.ACTIVATIONS, z);
    }
    INDArray y = layerConf().getActivationFn().getActivation(a, training);
    if (maskArray != null) applyMask(y);
    return y;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    assertInputSet(true);
    INDArray z =
        keptZ != null && keptFor == input
            ? keptZ
            : preActivation(mgr, ArrayType.BP_WORKING_MEM, ArrayType.BP_WORKING_MEM);
    keptZ = null;
    keptFor = null;
    INDArray delta = activationBackprop(z, epsilon);
    if (maskArray != null) applyMask(delta);

    Gradient g = new DefaultGradient();
    INDArray bGrad = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
    if (!DenseLoops.columnSums(delta, bGrad)) delta.sum(bGrad, 0);
    g.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, bGrad);

    INDArray epsilonNext = null;
    if (layerConf().isInputGradient()) {
      INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
      epsilonNext =
          mgr.createUninitialized(
              ArrayType.ACTIVATION_GRAD,
              delta.dataType(),
              new long[] {w.size(0), delta.size(0)},
              'f');
      epsilonNext = w.mmuli(delta.transpose(), epsilonNext).transpose();
    }
    INDArray wGrad = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
    Nd4j.gemm(input.castTo(wGrad.dataType()), delta, wGrad, true, false, 1.0, 0.0);
    g.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, wGrad);
    return new Pair<>(g, epsilonNext);
  }

  /**
   * The gradient at the pre-activation {@code z}: the activation's own backprop, or for DL4J's
   * plain ReLU the same expression in one Java pass ({@link DenseLoops#reluBackward}).
   */
  private INDArray activationBackprop(INDArray z, INDArray epsilon) {
    if (plainRelu()) {
      INDArray delta = DenseLoops.reluBackward(z, epsilon);
      if (delta != null) return delta;
    }
    return layerConf().getActivationFn().backprop(z, epsilon).getFirst();
  }

  /** DL4J's ReLU without a maximum, threshold or negative slope (what RELU configures). */
  private boolean plainRelu() {
    return layerConf().getActivationFn() instanceof ActivationReLU r
        && r.getMax() == null
        && r.getThreshold() == null
        && r.getNegativeSlope() == null;
  }

  @Override
  public void clear() {
    super.clear();
    keptZ = null;
    keptFor = null;
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  @Override
  public boolean hasBias() {
    return true;
  }

  @Override
  public boolean hasLayerNorm() {
    return false;
  }
}
