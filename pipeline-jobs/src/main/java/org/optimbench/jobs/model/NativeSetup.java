package org.optimbench.jobs.model;

/**
 * What a process sets up before ND4J loads its native libraries: OpenBLAS's kernels ({@link
 * BlasKernels}) and javacpp's memory check ({@link NativeMemory}). Both are read once, when the
 * libraries load, so {@link #install()} comes first in every main, and in every executor at its
 * start ({@code train.ExecutorSetup}).
 */
public final class NativeSetup {
  private NativeSetup() {}

  /**
   * Idempotent; call it before anything touches ND4J. A bad setting throws {@link
   * IllegalArgumentException}.
   */
  public static void install() {
    BlasKernels.install();
    NativeMemory.install();
  }

  /**
   * {@link #install()} for a command's {@code main}: a bad setting (a system property) is the one
   * line {@code command: message} on standard error and exit status 2, as a bad conf key is.
   */
  public static void installOrExit(String command) {
    try {
      install();
    } catch (IllegalArgumentException e) {
      System.err.println(command + ": " + e.getMessage());
      System.exit(2);
    }
  }
}
