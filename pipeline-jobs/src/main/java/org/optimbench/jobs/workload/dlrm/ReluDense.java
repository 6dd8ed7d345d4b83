package org.optimbench.jobs.workload.dlrm;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime of {@link ReluDenseLayer}: DL4J's dense layer, except that a plain ReLU layer's
 * backward pass after a training forward pass on the same input takes the derivative mask from the
 * forward output ({@code relu(z) > 0} exactly where {@code z > 0}) instead of computing {@code z =
 * x W + b} again, which DL4J's BaseLayer does in every backward pass only to get that mask (a
 * matmul, a bias broadcast and their arrays: BENCHMARKS.md, "Peers: PyTorch on the same CPU"). The
 * rest is DL4J's backward pass op for op, so the gradients are the same bit for bit. Anything else
 * (another activation, layer norm, dropout, weight noise, a mask, a backward pass without the
 * forward pass on the same input) runs DL4J's code.
 *
 * <p>The forward output is read in the backward pass: it lives in DL4J's activation workspace,
 * which stays open from a training forward pass through its backward pass, and no layer changes its
 * input in place.
 */
final class ReluDense extends DenseLayer {
  private static final IActivation RELU = new ActivationReLU();
  private INDArray forwardInput;
  private INDArray forwardOutput;

  ReluDense(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private boolean plain() {
    return RELU.equals(layerConf().getActivationFn())
        && !hasLayerNorm()
        && layerConf().getIDropout() == null
        && layerConf().getWeightNoise() == null
        && maskArray == null;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    INDArray out = super.activate(training, workspaceMgr);
    forwardInput = training ? input : null;
    forwardOutput = training ? out : null;
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    INDArray out = forwardOutput;
    boolean same = out != null && forwardInput == input;
    forwardInput = null;
    forwardOutput = null;
    if (!same || !plain()) return super.backpropGradient(epsilon, workspaceMgr);
    assertInputSet(true);
    INDArray delta =
        workspaceMgr.createUninitialized(
            ArrayType.BP_WORKING_MEM, epsilon.dataType(), epsilon.shape(), epsilon.ordering());
    Nd4j.getExecutioner().exec(new RectifiedLinearDerivative(out, epsilon, delta, 0.0));

    // From here as DL4J's BaseLayer.backpropGradient.
    Gradient ret = new DefaultGradient();
    if (hasBias()) {
      INDArray biasGrad = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
      delta.sum(biasGrad, 0);
      ret.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasGrad);
    }
    INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
    INDArray epsilonNext =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATION_GRAD,
            delta.dataType(),
            new long[] {w.size(0), delta.size(0)},
            'f');
    epsilonNext = w.mmuli(delta.transpose(), epsilonNext).transpose();
    INDArray weightGrad = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
    Nd4j.gemm(input.castTo(weightGrad.dataType()), delta, weightGrad, true, false, 1.0, 0.0);
    ret.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGrad);
    return new Pair<>(ret, epsilonNext);
  }

  @Override
  public void clear() {
    super.clear();
    forwardInput = null;
    forwardOutput = null;
  }
}
