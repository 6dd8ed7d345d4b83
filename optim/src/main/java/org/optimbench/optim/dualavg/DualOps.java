package org.optimbench.optim.dualavg;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.Pow;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.optimbench.optim.internal.VectorMath;

/** The MADGRAD-family denominator, shared by the dual-averaging methods (package-private). */
final class DualOps {
  private DualOps() {}

  /**
   * {@code out = cbrt(nu) + eps}, the MADGRAD denominator, computed as torch does ({@code
   * pow(1/3)}, i.e. {@code std::pow}); with {@code eps == 0} zero entries become +inf (as the
   * reference's {@code rms[rms == 0] = inf}), so coordinates that never saw a gradient do not move.
   */
  static INDArray cubeRootPlus(INDArray nu, double eps, INDArray out, boolean zeroToInf) {
    Nd4j.getExecutioner().exec(new Pow(nu, out, 1.0 / 3));
    if (eps != 0) out.addi(eps);
    // out >= 0, so "<= 0" is "== 0"; Conditions.equals(0.0) would match every |out| <= 1e-5 (an
    // epsilon compare)
    else if (zeroToInf)
      BooleanIndexing.replaceWhere(out, Double.POSITIVE_INFINITY, Conditions.lessThanOrEqual(0.0));
    return out;
  }

  /**
   * The same denominator on a chunk of the fused CPU path: {@code out = cbrt(nu) + eps}, or +inf
   * where {@code nu} is 0 when {@code eps == 0} and {@code zeroToInf}. ND4J's pow is a per-element
   * libm call, many times the cost of a copy, and Java's {@link Math#cbrt} is not an intrinsic on
   * JDK 17 (figures: BENCHMARKS.md, "Measurements behind code choices"), so the cube root is
   * computed here ({@link #javaCubeRootPlus}), with the vector API where it runs ({@link
   * VectorMath#ON}, {@link VectorCubeRoot#cubeRootPlus}: the same bits, faster). Not the vector
   * API's own {@code CBRT}: compiled, it is Intel's SVML routine, and before the JIT compiles it a
   * per-lane {@link Math#cbrt}, an ulp apart at times, so a step's bits would depend on the JIT's
   * timing.
   */
  static void cubeRootPlus(float[] nu, float eps, boolean zeroToInf, float[] out, int len) {
    if (VectorMath.ON) VectorCubeRoot.cubeRootPlus(nu, eps, zeroToInf, out, len);
    else javaCubeRootPlus(nu, eps, zeroToInf, out, len);
  }

  /** As {@link #cubeRootPlus(float[], float, boolean, float[], int)}. */
  static void cubeRootPlus(double[] nu, double eps, boolean zeroToInf, double[] out, int len) {
    if (VectorMath.ON) VectorCubeRoot.cubeRootPlus(nu, eps, zeroToInf, out, len);
    else javaCubeRootPlus(nu, eps, zeroToInf, out, len);
  }

  /**
   * The plain-Java cube root: the exponent-bit estimate (within 6%) in a scalar loop, then Halley's
   * iteration {@code a (a^3 + 2x) / (2a^3 + x)} (cubic convergence) in loops the JIT vectorizes,
   * two steps in float, three in double (written with {@code 2 * x}: {@code x + x} measured to stop
   * the vectorizer). Measured against {@link Math#cbrt} over 2.5M values spread over the whole
   * range: within 3 ulp in float and in double; pow(x, 1/3), whose exponent is 1/3 rounded, is
   * itself up to 17 ulp (float) and 10 ulp (double) away. Zero, subnormal, huge, infinite and NaN
   * inputs, where the estimate is poor, the iteration would overflow or be 0/0, take {@link
   * Math#cbrt}. Every step is exact integer or IEEE arithmetic, so the result does not depend on
   * the JIT, and the vector form ({@link VectorCubeRoot#cubeRootPlus}) computes the same steps to
   * the same bits.
   */
  static void javaCubeRootPlus(float[] nu, float eps, boolean zeroToInf, float[] out, int len) {
    boolean special = false;
    for (int j = 0; j < len; j++) {
      float x = nu[j];
      special |= !(x >= Float.MIN_NORMAL && x < 1e37f);
      out[j] = Float.intBitsToFloat(third(Float.floatToRawIntBits(x)) + FLOAT_MAGIC);
    }
    for (int it = 0; it < 2; it++) {
      for (int j = 0; j < len; j++) {
        float a = out[j];
        float x = nu[j];
        float a3 = a * a * a;
        out[j] = a * ((a3 + 2f * x) / (a3 * 2f + x));
      }
    }
    if (special) for (int j = 0; j < len; j++) out[j] = cubeRootIfSpecial(nu[j], out[j]);
    plus(out, eps, zeroToInf, len);
  }

  /** The exponent estimate's constant: the bits of 1 less a third of them, tuned (float). */
  static final int FLOAT_MAGIC = 0x2a5137a0;

  /** As {@link #FLOAT_MAGIC}, for doubles. */
  static final long DOUBLE_MAGIC = 0x2a9f7893782da1ceL;

  /** One element's cube root by {@link #javaCubeRootPlus}'s steps (without eps). */
  static float cubeRoot(float x) {
    float a = Float.intBitsToFloat(third(Float.floatToRawIntBits(x)) + FLOAT_MAGIC);
    for (int it = 0; it < 2; it++) {
      float a3 = a * a * a;
      a = a * ((a3 + 2f * x) / (a3 * 2f + x));
    }
    return cubeRootIfSpecial(x, a);
  }

  /** As {@link #cubeRoot(float)}. */
  static double cubeRoot(double x) {
    double a = Double.longBitsToDouble(third(Double.doubleToRawLongBits(x)) + DOUBLE_MAGIC);
    for (int it = 0; it < 3; it++) {
      double a3 = a * a * a;
      a = a * ((a3 + 2 * x) / (a3 * 2 + x));
    }
    return cubeRootIfSpecial(x, a);
  }

  /** {@link Math#cbrt} where the iteration does not apply (zero, subnormal, huge, inf, NaN). */
  static float cubeRootIfSpecial(float x, float root) {
    return x >= Float.MIN_NORMAL && x < 1e37f ? root : (float) Math.cbrt(x);
  }

  /** As {@link #cubeRootIfSpecial(float, float)}. */
  static double cubeRootIfSpecial(double x, double root) {
    return x >= Double.MIN_NORMAL && x < 1e300 ? root : Math.cbrt(x);
  }

  /** {@code out += eps}, or with eps == 0 and zeroToInf, +inf where the root is 0. */
  static void plus(float[] out, float eps, boolean zeroToInf, int len) {
    if (eps != 0) {
      for (int j = 0; j < len; j++) out[j] += eps;
    } else if (zeroToInf) {
      for (int j = 0; j < len; j++) if (out[j] == 0) out[j] = Float.POSITIVE_INFINITY;
    }
  }

  /** As {@link #plus(float[], float, boolean, int)}. */
  static void plus(double[] out, double eps, boolean zeroToInf, int len) {
    if (eps != 0) {
      for (int j = 0; j < len; j++) out[j] += eps;
    } else if (zeroToInf) {
      for (int j = 0; j < len; j++) if (out[j] == 0) out[j] = Double.POSITIVE_INFINITY;
    }
  }

  /**
   * About a third of a float's bits as an int, for the exponent estimate: {@code (i >>> 12) *
   * 1365}, 1365/4096 = (1 - 1/4096)/3, which falls short of {@code i / 3} by under 0.04 of a
   * binade, well inside what the Halley steps correct. A shift and a multiplication, where a
   * division by 3 has no vector form.
   */
  static int third(int i) {
    return (i >>> 12) * 1365;
  }

  /** As {@link #third(int)}, for a double's bits: {@code (i >>> 24) * ((2^24 - 1) / 3)}. */
  static long third(long i) {
    return (i >>> 24) * 5592405L;
  }

  /** As {@link #javaCubeRootPlus(float[], float, boolean, float[], int)}. */
  static void javaCubeRootPlus(double[] nu, double eps, boolean zeroToInf, double[] out, int len) {
    boolean special = false;
    for (int j = 0; j < len; j++) {
      double x = nu[j];
      special |= !(x >= Double.MIN_NORMAL && x < 1e300);
      out[j] = Double.longBitsToDouble(third(Double.doubleToRawLongBits(x)) + DOUBLE_MAGIC);
    }
    for (int it = 0; it < 3; it++) {
      for (int j = 0; j < len; j++) {
        double a = out[j];
        double x = nu[j];
        double a3 = a * a * a;
        out[j] = a * ((a3 + 2 * x) / (a3 * 2 + x));
      }
    }
    if (special) for (int j = 0; j < len; j++) out[j] = cubeRootIfSpecial(nu[j], out[j]);
    plus(out, eps, zeroToInf, len);
  }
}
