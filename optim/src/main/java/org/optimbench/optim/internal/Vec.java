package org.optimbench.optim.internal;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.DivOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * In-place vector primitives shared by the optimizers' generic path. They are ND4J ops only (no
 * Java loops over buffers), so the same code runs on the CPU and CUDA backends, and they avoid
 * temporaries where ND4J allows it: an optimizer step is memory-bound, and every extra pass over
 * 10M floats shows. Reductions return doubles. On the CPU backend the Adam-type methods replace
 * these ops by one fused pass ({@link Fused}); the generic path is what runs everywhere else.
 */
public final class Vec {
  private Vec() {}

  /** {@code y += a * x}. */
  public static void axpy(double a, INDArray x, INDArray y) {
    if (a == 0) return;
    Nd4j.getBlasWrapper().level1().axpy(x.length(), a, x, y);
  }

  /** {@code y = b * y + a * x}. */
  public static void scaleAdd(INDArray y, double b, double a, INDArray x) {
    if (b != 1) y.muli(b);
    axpy(a, x, y);
  }

  /** {@code y = b * y + a * x * x} (second-moment EMA); {@code tmp} is scratch of y's shape. */
  public static void scaleAddSquare(INDArray y, double b, double a, INDArray x, INDArray tmp) {
    scaleAdd(y, b, a, mulInto(x, x, tmp));
  }

  /** Sum of x_i * y_i, in double. */
  public static double dot(INDArray x, INDArray y) {
    return Nd4j.getBlasWrapper().dot(x, y);
  }

  /**
   * Sum of squares, in double: one fused read where {@link Fused#applies} (each square rounded to
   * the dtype, summed in double in a fixed order; about twice as fast as ND4J's norm2,
   * BENCHMARKS.md "Measurements behind code choices"), ND4J's norm2 squared otherwise.
   */
  public static double sumSq(INDArray x) {
    if (Fused.applies(x)) return Fused.sumSq(x);
    double n = x.norm2Number().doubleValue();
    return n * n;
  }

  public static double norm2(INDArray x) {
    return x.norm2Number().doubleValue();
  }

  public static double norm1(INDArray x) {
    return x.norm1Number().doubleValue();
  }

  /**
   * A scratch array of x's shape and dtype, contents undefined (inside a step: workspace memory).
   */
  public static INDArray scratch(INDArray x) {
    return Nd4j.createUninitialized(x.dataType(), x.shape());
  }

  /** {@code out = sqrt(x) + eps} (the Adam denominator); {@code out} may be {@code x}. */
  public static INDArray sqrtPlusInto(INDArray x, double eps, INDArray out) {
    Nd4j.getExecutioner().exec(new Sqrt(x, out));
    if (eps != 0) out.addi(eps);
    return out;
  }

  /** {@code out = a * b}; {@code out} may be {@code a} or {@code b}. */
  public static INDArray mulInto(INDArray a, INDArray b, INDArray out) {
    Nd4j.getExecutioner().exec(new MulOp(a, b, out));
    return out;
  }

  /** {@code out = a / b}; {@code out} may be {@code a} or {@code b}. */
  public static INDArray divInto(INDArray a, INDArray b, INDArray out) {
    Nd4j.getExecutioner().exec(new DivOp(a, b, out));
    return out;
  }

  /** {@code out = a - b}; {@code out} may be {@code a} or {@code b}. */
  public static INDArray subInto(INDArray a, INDArray b, INDArray out) {
    Nd4j.getExecutioner().exec(new SubOp(a, b, out));
    return out;
  }

  /** A zero array of x's shape and dtype. */
  public static INDArray zerosLike(INDArray x) {
    return Nd4j.zeros(x.dataType(), x.shape());
  }
}
