package org.optimbench.optim.trace;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.ParamLayout;

/**
 * The trace contract's model: {@code h = tanh(W1 x + b1)}, {@code logits = W2 h + b2} (or {@code
 * logits = W2 x + b2} without a hidden layer), loss = mean softmax cross-entropy. Parameters live
 * in one flat vector laid out W1, b1, W2, b2 (row-major, PyTorch {@code nn.Linear} layout).
 *
 * <p>Gradients are exact; Hessian-vector products are exact too, by forward-over-reverse
 * differentiation (Pearlmutter's R-operator) of the hand-written backward pass.
 */
public final class SoftmaxMlp {
  private final int inputs;
  private final int hidden;
  private final int classes;
  private final DataType dtype;
  private final ParamLayout layout;

  public SoftmaxMlp(int inputs, int hidden, int classes, DataType dtype) {
    if (inputs <= 0 || hidden < 0 || classes < 2)
      throw new IllegalArgumentException("bad model size " + inputs + "/" + hidden + "/" + classes);
    this.inputs = inputs;
    this.hidden = hidden;
    this.classes = classes;
    this.dtype = dtype;
    ParamLayout.Builder b = ParamLayout.builder();
    if (hidden > 0) b.add("W1", hidden, inputs).add("b1", hidden).add("W2", classes, hidden);
    else b.add("W2", classes, inputs);
    this.layout = b.add("b2", classes).build();
  }

  public ParamLayout layout() {
    return layout;
  }

  public DataType dtype() {
    return dtype;
  }

  public int hidden() {
    return hidden;
  }

  /** Loss and gradient of a batch. */
  public record LossAndGrad(double loss, INDArray grad) {}

  private record Weights(INDArray w1, INDArray b1, INDArray w2, INDArray b2) {}

  private Weights unpack(INDArray flat) {
    int i = 0;
    INDArray w1 = null;
    INDArray b1 = null;
    if (hidden > 0) {
      w1 = ModelView.slice(flat, layout.segment(i++)).reshape(hidden, inputs);
      b1 = ModelView.slice(flat, layout.segment(i++));
    }
    INDArray w2 =
        ModelView.slice(flat, layout.segment(i++)).reshape(classes, hidden > 0 ? hidden : inputs);
    INDArray b2 = ModelView.slice(flat, layout.segment(i));
    return new Weights(w1, b1, w2, b2);
  }

  private INDArray pack(INDArray gw1, INDArray gb1, INDArray gw2, INDArray gb2) {
    INDArray out = Nd4j.create(dtype, layout.totalLength());
    int i = 0;
    if (hidden > 0) {
      ModelView.slice(out, layout.segment(i++)).assign(gw1.reshape(gw1.length()));
      ModelView.slice(out, layout.segment(i++)).assign(gb1);
    }
    ModelView.slice(out, layout.segment(i++)).assign(gw2.reshape(gw2.length()));
    ModelView.slice(out, layout.segment(i)).assign(gb2);
    return out;
  }

  /** Forward pass of a batch: hidden activations (or the inputs) and class probabilities. */
  private record Forward(INDArray h, INDArray probs, double loss, INDArray oneHot) {}

  private Forward forward(Weights w, INDArray x, int[] y) {
    INDArray h = x;
    if (hidden > 0) {
      h = Transforms.tanh(x.mmul(w.w1.transpose()).addiRowVector(w.b1), false);
    }
    INDArray logits = h.mmul(w.w2.transpose()).addiRowVector(w.b2);
    INDArray max = logits.max(1).reshape(logits.rows(), 1);
    INDArray shifted = logits.subColumnVector(max);
    INDArray exp = Transforms.exp(shifted, true);
    INDArray sum = exp.sum(1).reshape(logits.rows(), 1);
    INDArray probs = exp.divColumnVector(sum);
    INDArray logSum = Transforms.log(sum, true);
    INDArray oneHot = Nd4j.zeros(dtype, y.length, classes);
    double loss = 0;
    for (int r = 0; r < y.length; r++) {
      oneHot.putScalar(r, y[r], 1.0);
      loss += logSum.getDouble(r, 0) - shifted.getDouble(r, y[r]);
    }
    return new Forward(h, probs, loss / y.length, oneHot);
  }

  /** Class probabilities of the rows {@code x} at {@code flatParams}, one row per example. */
  public INDArray probabilities(INDArray flatParams, INDArray x) {
    return forward(unpack(flatParams), x, new int[(int) x.rows()]).probs;
  }

  /** Mean cross-entropy of the rows {@code x} with labels {@code y}, and its exact gradient. */
  public LossAndGrad lossAndGrad(INDArray flatParams, INDArray x, int[] y) {
    Weights w = unpack(flatParams);
    Forward f = forward(w, x, y);
    INDArray dLogits = f.probs.sub(f.oneHot).divi(y.length);
    INDArray gw2 = dLogits.transpose().mmul(f.h);
    INDArray gb2 = dLogits.sum(0);
    if (hidden == 0) return new LossAndGrad(f.loss, pack(null, null, gw2, gb2));
    INDArray dH = dLogits.mmul(w.w2);
    INDArray oneMinusH2 = f.h.mul(f.h).rsubi(1.0);
    INDArray dZ1 = dH.mul(oneMinusH2);
    INDArray gw1 = dZ1.transpose().mmul(x);
    INDArray gb1 = dZ1.sum(0);
    return new LossAndGrad(f.loss, pack(gw1, gb1, gw2, gb2));
  }

  /** Exact Hessian-vector product of the batch's mean cross-entropy at {@code flatParams}. */
  public INDArray hvp(INDArray flatParams, INDArray x, int[] y, INDArray v) {
    Weights w = unpack(flatParams);
    Weights rv = unpack(v);
    Forward f = forward(w, x, y);
    int n = y.length;
    INDArray h = f.h;
    INDArray rH = null;
    INDArray oneMinusH2 = null;
    INDArray rLogits;
    if (hidden > 0) {
      oneMinusH2 = h.mul(h).rsubi(1.0);
      INDArray rZ1 = x.mmul(rv.w1.transpose()).addiRowVector(rv.b1);
      rH = rZ1.mul(oneMinusH2);
      rLogits = rH.mmul(w.w2.transpose()).addi(h.mmul(rv.w2.transpose())).addiRowVector(rv.b2);
    } else {
      rLogits = x.mmul(rv.w2.transpose()).addiRowVector(rv.b2);
    }
    // R(softmax) = P * (R(logits) - <P, R(logits)>) row by row
    INDArray inner = f.probs.mul(rLogits).sum(1).reshape(n, 1);
    INDArray rP = f.probs.mul(rLogits.subColumnVector(inner));
    INDArray dLogits = f.probs.sub(f.oneHot).divi(n);
    INDArray rdLogits = rP.divi(n);
    if (hidden == 0) {
      return pack(null, null, rdLogits.transpose().mmul(x), rdLogits.sum(0));
    }
    INDArray rgw2 = rdLogits.transpose().mmul(h).addi(dLogits.transpose().mmul(rH));
    INDArray rgb2 = rdLogits.sum(0);
    INDArray dH = dLogits.mmul(w.w2);
    INDArray rdH = rdLogits.mmul(w.w2).addi(dLogits.mmul(rv.w2));
    // dZ1 = dH * (1 - h^2);  R(dZ1) = R(dH) * (1 - h^2) - 2 dH * h * R(h)
    INDArray rdZ1 = rdH.mul(oneMinusH2).subi(dH.mul(h).muli(rH).muli(2.0));
    INDArray rgw1 = rdZ1.transpose().mmul(x);
    INDArray rgb1 = rdZ1.sum(0);
    return pack(rgw1, rgb1, rgw2, rgb2);
  }
}
