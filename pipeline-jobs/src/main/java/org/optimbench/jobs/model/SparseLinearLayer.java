package org.optimbench.jobs.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterAdd;
import org.nd4j.linalg.api.ops.impl.shape.Gather;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The runtime of {@link SparseLinear}. With n rows, padded row length m and {@code nOut} outputs:
 *
 * <ul>
 *   <li>forward: the feature indices are decoded into an int64 vector [n*m], the rows of W are
 *       gathered for them [n*m, nOut], scaled by their values and summed per example [n, nOut],
 *       then the bias and the activation are applied;
 *   <li>backward: {@code dz} is the gradient at the pre-activation [n, nOut]; {@code db} is its
 *       column sum; {@code dW} is zeroed and each (value * dz row) [n*m, nOut] is scatter-added
 *       into the row of its feature index, so an index repeated in the batch accumulates. No input
 *       gradient (the input is the network's).
 * </ul>
 *
 * The arrays of the batch's non-zeros (indices, values, gathered rows, updates; none larger than
 * [n*m, nOut]) and the outputs are taken from the workspace manager DL4J passes in, so they live in
 * DL4J's workspaces; what else the ops allocate is [n, nOut] at most. W and its gradient are the
 * only arrays of {@code nIn} rows, and they are views of the network's flat vectors.
 */
final class SparseLinearLayer extends BaseLayer<SparseLinear> {
  SparseLinearLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** The packed input decoded: int64 feature indices [n*m] and their values [n, m, 1]. */
  private record Decoded(INDArray ids, INDArray values, long n, long m) {}

  private Decoded decode(LayerWorkspaceMgr mgr, ArrayType type) {
    if (input.rank() != 2 || input.dataType() != dataType)
      throw new IllegalArgumentException(
          layerId()
              + ": input must be a rank-2 "
              + dataType
              + " array packed by SparseBatch.pack, got "
              + input.dataType()
              + " of rank "
              + input.rank());
    long numFeatures = layerConf().getNIn();
    int digits = SparseBatch.indexDigits(dataType, numFeatures);
    long m = SparseBatch.rowCapacity(input, numFeatures);
    long n = input.size(0);
    INDArray ids = mgr.createUninitialized(type, DataType.LONG, n * m);
    INDArray idView = ids.reshape('c', n, m);
    idView.assign(block(digits - 1, m));
    if (digits > 1) {
      INDArray digit = mgr.createUninitialized(type, DataType.LONG, n, m);
      long base = 1L << SparseBatch.digitBits(dataType);
      for (int j = digits - 2; j >= 0; j--) {
        digit.assign(block(j, m));
        idView.muli(base).addi(digit);
      }
    }
    // An index out of range would make gather and scatter read and write outside W.
    long min = ids.minNumber().longValue();
    long max = ids.maxNumber().longValue();
    if (min < 0 || max >= numFeatures)
      throw new IllegalArgumentException(
          layerId()
              + ": feature index "
              + (min < 0 ? min : max)
              + " outside [0, "
              + numFeatures
              + ")");
    INDArray values = mgr.createUninitialized(type, dataType, n, m, 1);
    values.reshape('c', n, m).assign(block(digits, m));
    return new Decoded(ids, values, n, m);
  }

  /**
   * Column block {@code j} (width m) of the packed input: a digit of the indices, or the values.
   */
  private INDArray block(int j, long m) {
    return input.get(NDArrayIndex.all(), NDArrayIndex.interval(j * m, (j + 1) * m));
  }

  /**
   * The pre-activation {@code x W + b} [n, nOut], in {@code out}'s memory; the gathered rows in
   * {@code work}'s.
   */
  private INDArray preActivation(Decoded x, LayerWorkspaceMgr mgr, ArrayType out, ArrayType work) {
    INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
    long nOut = w.size(1);
    INDArray rows = mgr.createUninitialized(work, dataType, x.n() * x.m(), nOut);
    Gather gather = new Gather(w, x.ids(), 0);
    gather.addOutputArgument(rows);
    Nd4j.exec(gather);
    INDArray perExample = rows.reshape('c', x.n(), x.m(), nOut);
    Nd4j.exec(new MulOp(perExample, x.values(), perExample));
    INDArray z = mgr.createUninitialized(out, dataType, x.n(), nOut);
    perExample.sum(z, 1);
    z.addiRowVector(getParam(DefaultParamInitializer.BIAS_KEY));
    return z;
  }

  @Override
  protected INDArray preOutput(boolean training, LayerWorkspaceMgr mgr) {
    assertInputSet(false);
    Decoded x = decode(mgr, ArrayType.FF_WORKING_MEM);
    return preActivation(x, mgr, ArrayType.ACTIVATIONS, ArrayType.FF_WORKING_MEM);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
    INDArray y = layerConf().getActivationFn().getActivation(preOutput(training, mgr), training);
    if (maskArray != null) applyMask(y);
    return y;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    assertInputSet(true);
    Decoded x = decode(mgr, ArrayType.BP_WORKING_MEM);
    IActivation act = layerConf().getActivationFn();
    INDArray dz;
    // The identity's derivative needs no pre-activation: skip recomputing the forward pass.
    if (act instanceof ActivationIdentity) dz = epsilon;
    else {
      INDArray z = preActivation(x, mgr, ArrayType.BP_WORKING_MEM, ArrayType.BP_WORKING_MEM);
      dz = act.backprop(z, epsilon).getFirst();
    }
    if (maskArray != null) applyMask(dz);

    INDArray wGrad = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
    INDArray bGrad = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
    long nOut = wGrad.size(1);
    dz.sum(bGrad, 0);
    INDArray updates =
        mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, x.n(), x.m(), nOut);
    Nd4j.exec(new MulOp(x.values(), dz.reshape('c', x.n(), 1, nOut), updates));
    // All of dW, not only last step's rows: whoever shares the gradient writes other rows into it.
    wGrad.assign(0);
    ScatterAdd scatter = new ScatterAdd(wGrad, x.ids(), updates.reshape('c', x.n() * x.m(), nOut));
    scatter.addOutputArgument(wGrad);
    // Locked (one thread): unlocked, threads adding to the same row race and lose updates.
    scatter.addBArgument(true);
    Nd4j.exec(scatter);

    Gradient g = new DefaultGradient();
    g.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, wGrad);
    g.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, bGrad);
    return new Pair<>(g, null);
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
