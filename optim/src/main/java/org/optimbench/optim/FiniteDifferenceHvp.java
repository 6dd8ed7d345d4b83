package org.optimbench.optim;

import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.internal.Vec;

/**
 * Hessian-vector products by finite differences of the training gradient on the same batch, for
 * models without double backprop (every DL4J network: its backprop ops cannot be differentiated
 * again). Given the batch's gradient function {@code g(.)} and the point {@code w} (the parameters
 * before the step):
 *
 * <pre>
 * forward:  H v ~ (g(w + r v) - g(w)) / r              one extra gradient evaluation per product
 *                                                       (g(w) is the step's own gradient, passed in)
 * central:  H v ~ (g(w + r v) - g(w - r v)) / (2 r)    two extra gradient evaluations per product
 * r = sqrt(eps_mach) * (1 + ||w||) / ||v||              eps_mach of the dtype: 2^-52 (float64), 2^-23 (float32)
 * </pre>
 *
 * <p>Cost: a hypergradient method (RTHO, MARTHE) asks for one product per step, so the forward
 * scheme costs one extra forward/backward pass per step (about 3x SGD's per-step cost together with
 * the validation gradient), the central scheme two. The perturbed point must see exactly the same
 * batch and the same randomness as {@code g(w)}: disable dropout or re-seed it for the paired
 * passes.
 *
 * <p>Accuracy, measured against the exact product of the trace model ({@code SoftmaxMlp#hvp}, one
 * tanh layer, a batch of 8; {@code FiniteDifferenceHvpTest}), worst relative error ||fd - exact|| /
 * ||exact|| over 20 random directions: float64 forward 7e-8, central 9e-9; float32 forward 2e-3,
 * central 2e-4. The truncation error is O(r) (forward) or O(r^2) (central) and the rounding error
 * O(eps_mach / r), so float32 products are noisy: prefer float64 where they matter. Used inside
 * MARTHE (SGD with momentum, and Adam) on the trace problem for 40 steps in float64, the parameters
 * stay within 3e-8 (forward) and 2e-9 (central) relative of the exact-HVP run, the learning rates
 * within 3e-7 and 4e-9 ({@code MartheTest}).
 *
 * <p>Arithmetic in the dtype of {@code w}; the norms in double. A zero {@code v} gives a zero
 * product without evaluating the gradient. The oracle neither modifies {@code w} nor keeps the
 * arrays {@code g} returns (the gradient function may reuse its output buffer).
 */
public final class FiniteDifferenceHvp implements HessianVectorOracle {
  /** Which difference quotient. */
  public enum Scheme {
    FORWARD,
    CENTRAL
  }

  private final GradientOracle gradient;
  private final INDArray point;
  private final INDArray gradientAtPoint;
  private final Scheme scheme;

  private FiniteDifferenceHvp(
      GradientOracle gradient, INDArray point, INDArray gradientAtPoint, Scheme scheme) {
    this.gradient = Objects.requireNonNull(gradient, "gradient");
    this.point = Objects.requireNonNull(point, "point");
    this.gradientAtPoint = gradientAtPoint;
    this.scheme = scheme;
    if (gradientAtPoint != null && gradientAtPoint.length() != point.length()) {
      throw new IllegalArgumentException(
          "gradient at the point has "
              + gradientAtPoint.length()
              + " elements, the point "
              + point.length());
    }
  }

  /**
   * Forward differences at {@code point}, reusing {@code gradientAtPoint} = g(point) (the step's
   * own batch gradient, so a product costs one extra gradient evaluation). Both arrays are read,
   * never written; the caller must keep them unchanged while the oracle is used.
   */
  public static FiniteDifferenceHvp forward(
      GradientOracle gradient, INDArray point, INDArray gradientAtPoint) {
    return new FiniteDifferenceHvp(
        gradient,
        point,
        Objects.requireNonNull(gradientAtPoint, "gradientAtPoint"),
        Scheme.FORWARD);
  }

  /** Central differences at {@code point}: two extra gradient evaluations per product. */
  public static FiniteDifferenceHvp central(GradientOracle gradient, INDArray point) {
    return new FiniteDifferenceHvp(gradient, point, null, Scheme.CENTRAL);
  }

  public Scheme scheme() {
    return scheme;
  }

  /** Machine epsilon of a floating-point dtype (the spacing of numbers near 1). */
  public static double machineEpsilon(DataType dt) {
    return switch (dt) {
      case DOUBLE -> Math.ulp(1.0);
      case FLOAT -> Math.ulp(1.0f);
      case HALF -> 0x1p-10;
      case BFLOAT16 -> 0x1p-7;
      default -> throw new IllegalArgumentException("not a floating-point dtype: " + dt);
    };
  }

  /** The step r = sqrt(eps_mach) (1 + ||w||) / ||v|| (0 when v is zero). */
  public static double stepSize(INDArray w, INDArray v) {
    double nv = v.norm2Number().doubleValue();
    if (nv == 0) return 0;
    return Math.sqrt(machineEpsilon(w.dataType())) * (1 + w.norm2Number().doubleValue()) / nv;
  }

  @Override
  public INDArray hvp(INDArray v) {
    if (v.length() != point.length())
      throw new IllegalArgumentException(
          "v has " + v.length() + " elements, the point " + point.length());
    INDArray vv = v.dataType() == point.dataType() ? v : v.castTo(point.dataType());
    double r = stepSize(point, vv);
    if (r == 0 || !Double.isFinite(r)) return Nd4j.zeros(point.dataType(), point.shape());
    INDArray shifted = point.dup();
    Vec.axpy(r, vv, shifted);
    INDArray plus = gradient.gradientAt(shifted).dup(); // the oracle may reuse its buffer
    if (scheme == Scheme.FORWARD) return plus.subi(gradientAtPoint).divi(r);
    shifted.assign(point);
    Vec.axpy(-r, vv, shifted);
    INDArray minus = gradient.gradientAt(shifted);
    return plus.subi(minus).divi(2 * r);
  }
}
