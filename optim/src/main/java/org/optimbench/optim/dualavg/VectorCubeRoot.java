package org.optimbench.optim.dualavg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The MADGRAD denominator's cube root on a chunk with the JDK's vector API ({@link
 * org.optimbench.optim.internal.VectorMath}): {@link DualOps#javaCubeRootPlus}'s steps on whole
 * vectors, so the same bits; the elements after the last whole vector, and special inputs, by the
 * Java form's own per-element steps. One loop with no call that takes or returns a vector: the JIT
 * boxes a vector handed to a call it does not inline, and whether it inlines depended on what else
 * the JVM had compiled. Loaded only where the vector API is on.
 */
final class VectorCubeRoot {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;

  private VectorCubeRoot() {}

  /** {@link DualOps#cubeRootPlus(float[], float, boolean, float[], int)}. */
  static void cubeRootPlus(float[] nu, float eps, boolean zeroToInf, float[] out, int len) {
    boolean special = false;
    int j = 0;
    int end = F.loopBound(len);
    for (; j < end; j += F.length()) {
      FloatVector x = FloatVector.fromArray(F, nu, j);
      FloatVector a =
          x.reinterpretAsInts()
              .lanewise(VectorOperators.LSHR, 12)
              .mul(1365)
              .add(DualOps.FLOAT_MAGIC)
              .reinterpretAsFloats();
      FloatVector a3 = a.mul(a).mul(a);
      a = a.mul(a3.add(x.mul(2f)).div(a3.mul(2f).add(x)));
      a3 = a.mul(a).mul(a);
      a = a.mul(a3.add(x.mul(2f)).div(a3.mul(2f).add(x)));
      a.intoArray(out, j);
      special |=
          x.compare(VectorOperators.GE, Float.MIN_NORMAL)
              .and(x.compare(VectorOperators.LT, 1e37f))
              .not()
              .anyTrue();
    }
    for (; j < len; j++) out[j] = DualOps.cubeRoot(nu[j]);
    if (special) for (int i = 0; i < end; i++) out[i] = DualOps.cubeRootIfSpecial(nu[i], out[i]);
    DualOps.plus(out, eps, zeroToInf, len);
  }

  /** {@link DualOps#cubeRootPlus(double[], double, boolean, double[], int)}. */
  static void cubeRootPlus(double[] nu, double eps, boolean zeroToInf, double[] out, int len) {
    boolean special = false;
    int j = 0;
    int end = D.loopBound(len);
    for (; j < end; j += D.length()) {
      DoubleVector x = DoubleVector.fromArray(D, nu, j);
      DoubleVector a =
          x.reinterpretAsLongs()
              .lanewise(VectorOperators.LSHR, 24)
              .mul(5592405L)
              .add(DualOps.DOUBLE_MAGIC)
              .reinterpretAsDoubles();
      DoubleVector a3 = a.mul(a).mul(a);
      a = a.mul(a3.add(x.mul(2.0)).div(a3.mul(2.0).add(x)));
      a3 = a.mul(a).mul(a);
      a = a.mul(a3.add(x.mul(2.0)).div(a3.mul(2.0).add(x)));
      a3 = a.mul(a).mul(a);
      a = a.mul(a3.add(x.mul(2.0)).div(a3.mul(2.0).add(x)));
      a.intoArray(out, j);
      special |=
          x.compare(VectorOperators.GE, Double.MIN_NORMAL)
              .and(x.compare(VectorOperators.LT, 1e300))
              .not()
              .anyTrue();
    }
    for (; j < len; j++) out[j] = DualOps.cubeRoot(nu[j]);
    if (special) for (int i = 0; i < end; i++) out[i] = DualOps.cubeRootIfSpecial(nu[i], out[i]);
    DualOps.plus(out, eps, zeroToInf, len);
  }
}
