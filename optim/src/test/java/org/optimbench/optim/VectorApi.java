package org.optimbench.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.optimbench.optim.internal.VectorMath;

/** For tests of the vector API's forms: they run on x86-64, where the test JVM must have it on. */
public final class VectorApi {
  private VectorApi() {}

  /**
   * Skips the test off x86-64; fails it where the vector API is off in the test JVM (the surefire
   * argLine's {@code --add-modules=jdk.incubator.vector} lost), so its checks cannot pass unrun.
   */
  public static void requireOn() {
    String arch = System.getProperty("os.arch");
    Assumptions.assumeTrue(
        arch.equals("amd64") || arch.equals("x86_64"), "the vector API's forms are for x86-64");
    assertTrue(
        VectorMath.ON,
        "the vector API is off in the test JVM: --add-modules=jdk.incubator.vector missing?");
  }
}
