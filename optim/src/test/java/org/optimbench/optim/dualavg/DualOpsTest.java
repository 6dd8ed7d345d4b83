package org.optimbench.optim.dualavg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.VectorApi;

/**
 * The fused path's cube root (chunk version of {@link DualOps#cubeRootPlus}), both of its forms
 * (the vector API's and the plain-Java one), against Math.cbrt and against the ND4J-op version.
 */
class DualOpsTest {
  private static final int N = 4096;

  /** The form under test; the vector form must be on where the test JVM can run it. */
  private static void requireForm(boolean vector) {
    if (vector) VectorApi.requireOn();
  }

  private static void cubeRootPlus(
      boolean vector, float[] nu, float eps, boolean zeroToInf, float[] out, int len) {
    requireForm(vector);
    if (vector) VectorCubeRoot.cubeRootPlus(nu, eps, zeroToInf, out, len);
    else DualOps.javaCubeRootPlus(nu, eps, zeroToInf, out, len);
  }

  private static void cubeRootPlus(
      boolean vector, double[] nu, double eps, boolean zeroToInf, double[] out, int len) {
    requireForm(vector);
    if (vector) VectorCubeRoot.cubeRootPlus(nu, eps, zeroToInf, out, len);
    else DualOps.javaCubeRootPlus(nu, eps, zeroToInf, out, len);
  }

  /**
   * Values over the whole positive range, with zeros, subnormals, huge values, +inf and NaN mixed
   * in.
   */
  private static double[] values(long seed, boolean floatRange) {
    Random r = new Random(seed);
    double[] v = new double[N];
    double minSub = floatRange ? Float.MIN_VALUE : Double.MIN_VALUE;
    double huge = floatRange ? 3e38 : 1e307;
    for (int i = 0; i < N; i++) {
      v[i] = Math.exp(r.nextGaussian() * (floatRange ? 20 : 150));
      switch (i % 97) {
        case 0 -> v[i] = 0;
        case 1 -> v[i] = minSub * (1 + r.nextInt(1000));
        case 2 -> v[i] = huge * r.nextDouble();
        case 3 -> v[i] = Double.POSITIVE_INFINITY;
        case 4 -> v[i] = Double.NaN;
        default -> {}
      }
      if (floatRange) v[i] = (float) v[i];
    }
    return v;
  }

  /**
   * The vector form computes the plain-Java form's steps: the same bits for every input, specials
   * included, with a partial vector at the end.
   */
  @Test
  void vectorAndJavaFormsGiveTheSameBits() {
    requireForm(true);
    int n = N - 3;
    for (double eps : new double[] {0, 1e-6}) {
      for (boolean zeroToInf : new boolean[] {false, true}) {
        double[] v = values(4, false);
        double[] dj = new double[n];
        double[] dv = new double[n];
        DualOps.javaCubeRootPlus(v, eps, zeroToInf, dj, n);
        VectorCubeRoot.cubeRootPlus(v, eps, zeroToInf, dv, n);
        float[] x = new float[n];
        double[] vf = values(5, true);
        for (int i = 0; i < n; i++) x[i] = (float) vf[i];
        float[] fj = new float[n];
        float[] fv = new float[n];
        DualOps.javaCubeRootPlus(x, (float) eps, zeroToInf, fj, n);
        VectorCubeRoot.cubeRootPlus(x, (float) eps, zeroToInf, fv, n);
        for (int i = 0; i < n; i++) {
          assertEquals(
              Double.doubleToRawLongBits(dj[i]), Double.doubleToRawLongBits(dv[i]), "nu = " + v[i]);
          assertEquals(
              Float.floatToRawIntBits(fj[i]), Float.floatToRawIntBits(fv[i]), "nu = " + x[i]);
        }
      }
    }
  }

  @ParameterizedTest(name = "vector={0}")
  @ValueSource(booleans = {false, true})
  void onlyExactZerosBecomeInfinite(boolean vector) {
    // the reference's rms[rms == 0] = inf; a cube root of 1e-6 or 1e-10 is not zero
    INDArray out =
        DualOps.cubeRootPlus(
            Nd4j.createFromArray(0.0, 1e-18, 1e-30),
            0,
            Nd4j.createUninitialized(DataType.DOUBLE, 3),
            true);
    assertEquals(Double.POSITIVE_INFINITY, out.getDouble(0));
    assertEquals(1e-6, out.getDouble(1), 1e-20);
    assertEquals(1e-10, out.getDouble(2), 1e-24);
    double[] chunk = new double[3];
    cubeRootPlus(vector, new double[] {0.0, 1e-18, 1e-30}, 0, true, chunk, 3);
    float[] floats = new float[3];
    cubeRootPlus(vector, new float[] {0f, 1e-18f, 1e-30f}, 0f, true, floats, 3);
    assertEquals(Float.POSITIVE_INFINITY, floats[0]);
    assertEquals(1e-6f, floats[1], 1e-12f);
    assertEquals(1e-10f, floats[2], 1e-16f);
    assertEquals(Double.POSITIVE_INFINITY, chunk[0]);
    assertEquals(1e-6, chunk[1], 1e-20);
    assertEquals(1e-10, chunk[2], 1e-24);
  }

  @ParameterizedTest(name = "vector={0}")
  @ValueSource(booleans = {false, true})
  void floatCubeRootIsWithinThreeUlpOfCbrt(boolean vector) {
    double[] v = values(1, true);
    float[] x = new float[N];
    for (int i = 0; i < N; i++) x[i] = (float) v[i];
    float[] out = new float[N];
    cubeRootPlus(vector, x, 0f, false, out, N);
    for (int i = 0; i < N; i++) {
      float expected = (float) Math.cbrt(x[i]);
      int ulps = Math.abs(Float.floatToIntBits(out[i]) - Float.floatToIntBits(expected));
      assertTrue(ulps <= 3, "cbrt(" + x[i] + ") = " + out[i] + ", Math.cbrt " + expected);
    }
  }

  @ParameterizedTest(name = "vector={0}")
  @ValueSource(booleans = {false, true})
  void doubleCubeRootIsWithinThreeUlpOfCbrt(boolean vector) {
    double[] x = values(2, false);
    double[] out = new double[N];
    cubeRootPlus(vector, x, 0.0, false, out, N);
    for (int i = 0; i < N; i++) {
      double expected = Math.cbrt(x[i]);
      long ulps = Math.abs(Double.doubleToLongBits(out[i]) - Double.doubleToLongBits(expected));
      assertTrue(ulps <= 3, "cbrt(" + x[i] + ") = " + out[i] + ", Math.cbrt " + expected);
    }
  }

  @ParameterizedTest(name = "vector={0}")
  @ValueSource(booleans = {false, true})
  void epsAndZeroToInfAsTheNd4jVersion(boolean vector) {
    for (double eps : new double[] {0, 1e-6}) {
      for (boolean zeroToInf : new boolean[] {false, true}) {
        double[] v = values(3, false);
        for (int i = 0; i < N; i++)
          v[i] = Math.min(v[i], 1e30); // ND4J's pow: keep to the range the optimizers see
        double[] out = new double[N];
        cubeRootPlus(vector, v, eps, zeroToInf, out, N);
        INDArray expected =
            DualOps.cubeRootPlus(
                Nd4j.createFromArray(v),
                eps,
                Nd4j.createUninitialized(DataType.DOUBLE, N),
                zeroToInf);
        for (int i = 0; i < N; i++) {
          double e = expected.getDouble(i);
          if (Double.isInfinite(e) || e == 0 || Double.isNaN(e)) {
            assertEquals(
                e, out[i], "nu = " + v[i] + ", eps = " + eps + ", zeroToInf = " + zeroToInf);
          } else {
            // ND4J computes pow(x, 1/3) with 1/3 rounded (by 1.85e-17), which moves it from the
            // cube root by a relative x^(-1.85e-17) - 1, about 1.85e-17 |ln x|: up to 1.4e-14 for
            // subnormal x
            double tol = Math.abs(e) * (1e-15 + 2e-17 * Math.abs(Math.log(v[i])));
            assertEquals(e, out[i], tol, "nu = " + v[i] + ", eps = " + eps);
          }
        }
      }
    }
  }
}
