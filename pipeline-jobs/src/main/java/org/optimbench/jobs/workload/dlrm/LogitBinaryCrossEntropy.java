package org.optimbench.jobs.workload.dlrm;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Binary cross-entropy on logits (PyTorch's {@code BCEWithLogitsLoss}): per element {@code max(z,
 * 0) - z y + log(1 + exp(-|z|))}, gradient {@code sigmoid(z) - y}. Used with an identity output
 * activation, so the network's output is the click logit z.
 *
 * <p>Why not DL4J's {@code LossBinaryXENT} with a sigmoid: it clips the probability to [1e-5, 1 -
 * 1e-5] and divides by p(1 - p), so the loss is capped at 11.5 and a confidently wrong prediction
 * gets a vanishing gradient (1e-4 instead of about 1 when p = 1 - 1e-9). The reference
 * (facebookresearch/dlrm) uses sigmoid then {@code BCELoss}, which equals this up to PyTorch's
 * clamp of log at -100.
 *
 * <p>DL4J conventions (as its own losses): {@link #computeGradient} is per example, not divided by
 * the batch size; {@link #computeScore} with {@code average} divides the sum by the batch size.
 */
public final class LogitBinaryCrossEntropy implements ILossFunction {
  private static final long serialVersionUID = 1L;

  /** The per-element loss for logits {@code z} and labels {@code y} (same shape). */
  public static INDArray elementwise(INDArray z, INDArray y) {
    INDArray softplusNegAbs =
        Transforms.log1p(Transforms.exp(Transforms.abs(z, true).negi(), false), false);
    return Transforms.relu(z, true).subi(z.mul(y)).addi(softplusNegAbs);
  }

  private static INDArray logits(INDArray preOutput, IActivation activationFn) {
    return activationFn.getActivation(preOutput.dup(), true);
  }

  @Override
  public INDArray computeScoreArray(
      INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    INDArray l = elementwise(logits(preOutput, activationFn), labels.castTo(preOutput.dataType()));
    if (mask != null) l.muli(mask.castTo(l.dataType()));
    return l.sum(true, 1);
  }

  @Override
  public double computeScore(
      INDArray labels,
      INDArray preOutput,
      IActivation activationFn,
      INDArray mask,
      boolean average) {
    double sum = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
    return average ? sum / preOutput.size(0) : sum;
  }

  @Override
  public INDArray computeGradient(
      INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    INDArray dLdz =
        Transforms.sigmoid(logits(preOutput, activationFn), false)
            .subi(labels.castTo(preOutput.dataType()));
    if (mask != null) dLdz.muli(mask.castTo(dLdz.dataType()));
    return activationFn.backprop(preOutput.dup(), dLdz).getFirst();
  }

  @Override
  public Pair<Double, INDArray> computeGradientAndScore(
      INDArray labels,
      INDArray preOutput,
      IActivation activationFn,
      INDArray mask,
      boolean average) {
    return new Pair<>(
        computeScore(labels, preOutput, activationFn, mask, average),
        computeGradient(labels, preOutput, activationFn, mask));
  }

  @Override
  public String name() {
    return "LogitBinaryCrossEntropy";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogitBinaryCrossEntropy;
  }

  @Override
  public int hashCode() {
    return 17;
  }

  @Override
  public String toString() {
    return name();
  }
}
