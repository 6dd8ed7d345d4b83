package org.optimbench.optim.internal;

import java.util.Locale;

/**
 * Whether the fused CPU path ({@link Fused}) uses the JDK's vector API ({@code
 * jdk.incubator.vector}): the passes' {@link Fused.Direct} kernels, which work on the native
 * buffers without chunk copies, and MADGRAD's cube root, whose exponent estimate from a float's
 * bits C2 on JDK 17 leaves scalar in plain loops (it vectorizes neither the moves between float and
 * int bits nor an integer division). Figures: BENCHMARKS.md, "Measurements behind code choices".
 * The vector forms use exact integer and IEEE operations only, whose results do not depend on
 * whether the JIT has compiled the code yet (the API's transcendental functions do: compiled they
 * are Intel's SVML routines, before that a per-lane {@link Math} call), and each computes its
 * plain-Java twin's operations in the same order, so a step's bits are the same with the vector API
 * or without it.
 *
 * <p>When it is used ({@link #ON}): the JVM was started with {@code
 * --add-modules=jdk.incubator.vector} (the scripts, {@code scripts/submit/job} and the test runs
 * pass it; a JVM without it takes the plain-Java path), the CPU is x86-64 (where it was measured),
 * and the system property {@value #PROPERTY} is not {@code false}.
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
    return ON && switchedOn();
  }

  private static boolean switchedOn() {
    return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim());
  }

  private static boolean available() {
    if (!switchedOn()) return false;
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (!arch.equals("amd64") && !arch.equals("x86_64")) return false;
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }
}
