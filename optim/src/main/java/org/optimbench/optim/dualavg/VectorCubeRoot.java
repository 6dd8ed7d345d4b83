package org.optimbench.optim.dualavg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@link Fused.Direct} forms of {@link MadgradKernel} and {@link MirrorMadgradKernel}: the
 * kernels' operations in their order on the native buffers, the cube root as {@link
 * DualOps#javaCubeRootPlus} computes it, so every form gives the same bits; and that cube root on a
 * chunk ({@link #cubeRootPlus}). A partial vector at a block's end runs under a mask.
 */
final class VectorCubeRoot {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;

  private VectorCubeRoot() {}

  /**
   * {@link DualOps#javaCubeRootPlus}'s cube root of each lane, the same steps: the estimate from
   * the bits, two (float) or three (double) Halley steps, {@link Math#cbrt} for the special lanes.
   */
  static FloatVector cbrt(FloatVector x) {
    IntVector i = x.reinterpretAsInts();
    FloatVector a =
        i.lanewise(VectorOperators.LSHR, 12).mul(1365).add(0x2a5137a0).reinterpretAsFloats();
    for (int it = 0; it < 2; it++) {
      FloatVector a3 = a.mul(a).mul(a);
      a = a.mul(a3.add(x.mul(2f)).div(a3.mul(2f).add(x)));
    }
    VectorMask<Float> special =
        x.compare(VectorOperators.GE, Float.MIN_NORMAL)
            .and(x.compare(VectorOperators.LT, 1e37f))
            .not();
    return special.anyTrue() ? special(x, a, special) : a;
  }

  /**
   * The special lanes by {@link Math#cbrt}. A method of its own, rarely run, so that {@link
   * #cbrt(FloatVector)} stays small enough for the JIT to inline (a vector passed to a call that is
   * not inlined is boxed on the heap).
   */
  private static FloatVector special(FloatVector x, FloatVector a, VectorMask<Float> special) {
    float[] xs = x.toArray();
    float[] as = a.toArray();
    for (int l = 0; l < xs.length; l++) if (special.laneIsSet(l)) as[l] = (float) Math.cbrt(xs[l]);
    return FloatVector.fromArray(F, as, 0);
  }

  /** As {@link #cbrt(FloatVector)}. */
  static DoubleVector cbrt(DoubleVector x) {
    LongVector i = x.reinterpretAsLongs();
    DoubleVector a =
        i.lanewise(VectorOperators.LSHR, 24)
            .mul(5592405L)
            .add(0x2a9f7893782da1ceL)
            .reinterpretAsDoubles();
    for (int it = 0; it < 3; it++) {
      DoubleVector a3 = a.mul(a).mul(a);
      a = a.mul(a3.add(x.mul(2.0)).div(a3.mul(2.0).add(x)));
    }
    VectorMask<Double> special =
        x.compare(VectorOperators.GE, Double.MIN_NORMAL)
            .and(x.compare(VectorOperators.LT, 1e300))
            .not();
    return special.anyTrue() ? special(x, a, special) : a;
  }

  private static DoubleVector special(DoubleVector x, DoubleVector a, VectorMask<Double> special) {
    double[] xs = x.toArray();
    double[] as = a.toArray();
    for (int l = 0; l < xs.length; l++) if (special.laneIsSet(l)) as[l] = Math.cbrt(xs[l]);
    return DoubleVector.fromArray(D, as, 0);
  }

  /** cbrt(nu) + eps, or with eps == 0 and zeroToInf, +inf where the root is 0. */
  private static FloatVector rootPlus(FloatVector nu, float eps, boolean zeroToInf) {
    FloatVector r = cbrt(nu);
    if (eps != 0) return r.add(eps);
    return zeroToInf ? r.blend(Float.POSITIVE_INFINITY, r.eq(0f)) : r;
  }

  private static DoubleVector rootPlus(DoubleVector nu, double eps, boolean zeroToInf) {
    DoubleVector r = cbrt(nu);
    if (eps != 0) return r.add(eps);
    return zeroToInf ? r.blend(Double.POSITIVE_INFINITY, r.eq(0.0)) : r;
  }

  /** {@link DualOps#cubeRootPlus} on a chunk, lane by lane as {@link #rootPlus}. */
  static void cubeRootPlus(float[] nu, float eps, boolean zeroToInf, float[] out, int len) {
    int j = 0;
    for (int end = F.loopBound(len); j < end; j += F.length())
      rootPlus(FloatVector.fromArray(F, nu, j), eps, zeroToInf).intoArray(out, j);
    if (j < len) {
      VectorMask<Float> m = F.indexInRange(j, len);
      rootPlus(FloatVector.fromArray(F, nu, j, m), eps, zeroToInf).intoArray(out, j, m);
    }
  }

  /** As {@link #cubeRootPlus(float[], float, boolean, float[], int)}. */
  static void cubeRootPlus(double[] nu, double eps, boolean zeroToInf, double[] out, int len) {
    int j = 0;
    for (int end = D.loopBound(len); j < end; j += D.length())
      rootPlus(DoubleVector.fromArray(D, nu, j), eps, zeroToInf).intoArray(out, j);
    if (j < len) {
      VectorMask<Double> m = D.indexInRange(j, len);
      rootPlus(DoubleVector.fromArray(D, nu, j, m), eps, zeroToInf).intoArray(out, j, m);
    }
  }
}
