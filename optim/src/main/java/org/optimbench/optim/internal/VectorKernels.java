package org.optimbench.optim.internal;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector-API code behind {@link VectorMath}, in a class of its own: it is loaded only when
 * {@link VectorMath#ON}, so a JVM without the incubator module never resolves these imports.
 */
final class VectorKernels {
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;

  private VectorKernels() {}

  static void cbrt(float[] x, float[] out, int len) {
    int j = 0;
    for (int end = FLOATS.loopBound(len); j < end; j += FLOATS.length())
      FloatVector.fromArray(FLOATS, x, j).lanewise(VectorOperators.CBRT).intoArray(out, j);
    for (; j < len; j++) out[j] = (float) Math.cbrt(x[j]);
  }

  static void cbrt(double[] x, double[] out, int len) {
    int j = 0;
    for (int end = DOUBLES.loopBound(len); j < end; j += DOUBLES.length())
      DoubleVector.fromArray(DOUBLES, x, j).lanewise(VectorOperators.CBRT).intoArray(out, j);
    for (; j < len; j++) out[j] = Math.cbrt(x[j]);
  }
}
