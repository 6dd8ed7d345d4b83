package org.optimbench.optim.internal;

import java.util.Locale;

/**
 * Elementwise math that C2 on JDK 17 leaves scalar in plain loops, computed with the JDK's vector
 * API ({@code jdk.incubator.vector}) where that runs as vector code, for the fused CPU path's
 * chunks ({@link Fused}).
 *
 * <p>The cube root of MADGRAD's denominator here, and the fused passes' {@link Fused.Direct}
 * kernels. The plain-Java cube root needs an exponent estimate from the float's bits, and C2 on JDK
 * 17 vectorizes neither the moves between float and int bits nor an integer division, so that
 * estimate runs one element at a time; the vector API's {@code CBRT} is the JDK's Intel SVML
 * routine on x86-64, on a whole vector register (figures: BENCHMARKS.md, "Measurements behind code
 * choices").
 *
 * <p>When it is used ({@link #ON}): the JVM was started with {@code
 * --add-modules=jdk.incubator.vector} (the scripts, {@code scripts/submit/job} and the test runs
 * pass it; a JVM without it prints no incubator warning and takes the plain-Java path), the CPU is
 * x86-64 (where JDK 17 ships the SVML routines; elsewhere its vector {@code CBRT} is a scalar
 * loop), and the system property {@value #PROPERTY} is not {@code false}. Read once, at class load.
 */
public final class VectorMath {
  /** The switch: {@code false} keeps the plain-Java code even where the vector API is present. */
  public static final String PROPERTY = "optimbench.vector";

  /**
   * True when the vector API runs as vector code in this JVM and the switch was on at class load
   * (see the class comment).
   */
  public static final boolean ON = available();

  private VectorMath() {}

  /**
   * {@link #ON}, and the switch still on: read at every call, so a test can run a pass both ways in
   * one JVM.
   */
  public static boolean on() {
    return ON && !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim());
  }

  private static boolean available() {
    if ("false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim())) return false;
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (!arch.equals("amd64") && !arch.equals("x86_64")) return false;
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /**
   * {@code out[j] = cbrt(x[j])} for {@code j < len}, within 2 ulp of {@link Math#cbrt} (zeros,
   * subnormals, infinities and NaN included). Only when {@link #ON}.
   */
  public static void cbrt(float[] x, float[] out, int len) {
    VectorKernels.cbrt(x, out, len);
  }

  /** As {@link #cbrt(float[], float[], int)}. */
  public static void cbrt(double[] x, double[] out, int len) {
    VectorKernels.cbrt(x, out, len);
  }
}
