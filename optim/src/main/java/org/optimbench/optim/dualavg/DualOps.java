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
   * JDK 17 (figures: BENCHMARKS.md, "Measurements behind code choices"). Where the vector API runs
   * ({@link VectorMath#ON}) the cube root is its SVML {@code CBRT} ({@link #vectorCubeRootPlus});
   * elsewhere it is computed in plain Java ({@link #javaCubeRootPlus}).
   */
  static void cubeRootPlus(float[] nu, float eps, boolean zeroToInf, float[] out, int len) {
    if (VectorMath.ON) vectorCubeRootPlus(nu, eps, zeroToInf, out, len);
    else javaCubeRootPlus(nu, eps, zeroToInf, out, len);
  }

  /** As {@link #cubeRootPlus(float[], float, boolean, float[], int)}. */
  static void cubeRootPlus(double[] nu, double eps, boolean zeroToInf, double[] out, int len) {
    if (VectorMath.ON) vectorCubeRootPlus(nu, eps, zeroToInf, out, len);
    else javaCubeRootPlus(nu, eps, zeroToInf, out, len);
  }

  /** The cube root by {@link VectorMath#cbrt}, then {@code eps} or the zeros' +inf. */
  static void vectorCubeRootPlus(float[] nu, float eps, boolean zeroToInf, float[] out, int len) {
    VectorMath.cbrt(nu, out, len);
    if (eps != 0) {
      for (int j = 0; j < len; j++) out[j] += eps;
    } else if (zeroToInf) {
      for (int j = 0; j < len; j++) if (out[j] == 0) out[j] = Float.POSITIVE_INFINITY;
    }
  }

  /** As {@link #vectorCubeRootPlus(float[], float, boolean, float[], int)}. */
  static void vectorCubeRootPlus(
      double[] nu, double eps, boolean zeroToInf, double[] out, int len) {
    VectorMath.cbrt(nu, out, len);
    if (eps != 0) {
      for (int j = 0; j < len; j++) out[j] += eps;
    } else if (zeroToInf) {
      for (int j = 0; j < len; j++) if (out[j] == 0) out[j] = Double.POSITIVE_INFINITY;
    }
  }

  /**
   * The plain-Java cube root: the exponent-bit estimate (within 6%) in a scalar loop, then Halley's
   * iteration {@code a (a^3 + 2x) / (2a^3 + x)} (cubic convergence) in loops the JIT vectorizes,
   * two steps in float, three in double (written with {@code 2 * x}: {@code x + x} measured to stop
   * the vectorizer). Measured against {@link Math#cbrt} over 2.5M values spread over the whole
   * range: within 3 ulp in float and in double; pow(x, 1/3), whose exponent is 1/3 rounded, is
   * itself up to 17 ulp (float) and 10 ulp (double) away. Zero, subnormal, huge, infinite and NaN
   * inputs, where the estimate is poor, the iteration would overflow or be 0/0, take {@link
   * Math#cbrt}.
   */
  static void javaCubeRootPlus(float[] nu, float eps, boolean zeroToInf, float[] out, int len) {
    boolean special = false;
    for (int j = 0; j < len; j++) {
      float x = nu[j];
      special |= !(x >= Float.MIN_NORMAL && x < 1e37f);
      out[j] = Float.intBitsToFloat(Float.floatToRawIntBits(x) / 3 + 0x2a5137a0);
    }
    for (int it = 0; it < 2; it++) {
      for (int j = 0; j < len; j++) {
        float a = out[j];
        float x = nu[j];
        float a3 = a * a * a;
        out[j] = a * ((a3 + 2f * x) / (a3 * 2f + x));
      }
    }
    if (eps != 0) {
      for (int j = 0; j < len; j++) out[j] += eps;
    }
    if (special) {
      for (int j = 0; j < len; j++) {
        float x = nu[j];
        if (!(x >= Float.MIN_NORMAL && x < 1e37f)) {
          float c = (float) Math.cbrt(x);
          out[j] = eps != 0 ? c + eps : c == 0 && zeroToInf ? Float.POSITIVE_INFINITY : c;
        }
      }
    }
  }

  /** As {@link #javaCubeRootPlus(float[], float, boolean, float[], int)}. */
  static void javaCubeRootPlus(double[] nu, double eps, boolean zeroToInf, double[] out, int len) {
    boolean special = false;
    for (int j = 0; j < len; j++) {
      double x = nu[j];
      special |= !(x >= Double.MIN_NORMAL && x < 1e300);
      out[j] = Double.longBitsToDouble(Double.doubleToRawLongBits(x) / 3 + 0x2a9f7893782da1ceL);
    }
    for (int it = 0; it < 3; it++) {
      for (int j = 0; j < len; j++) {
        double a = out[j];
        double x = nu[j];
        double a3 = a * a * a;
        out[j] = a * ((a3 + 2 * x) / (a3 * 2 + x));
      }
    }
    if (eps != 0) {
      for (int j = 0; j < len; j++) out[j] += eps;
    }
    if (special) {
      for (int j = 0; j < len; j++) {
        double x = nu[j];
        if (!(x >= Double.MIN_NORMAL && x < 1e300)) {
          double c = Math.cbrt(x);
          out[j] = eps != 0 ? c + eps : c == 0 && zeroToInf ? Double.POSITIVE_INFINITY : c;
        }
      }
    }
  }
}
