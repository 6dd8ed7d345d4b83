package org.optimbench.jobs.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * OpenBLAS's kernels are chosen before ND4J loads it: the AVX-512 ones on a CPU that has them,
 * unless the user chose ({@code OPENBLAS_CORETYPE}, {@code -Doptimbench.blasCore}); the loaded
 * library's choice in fresh JVMs, since OpenBLAS reads its switch once, when it loads.
 */
class BlasKernelsTest {
  static final Set<String> AVX512 =
      Set.of(
          "fpu", "sse2", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");

  @Test
  void autoPicksTheAvx512KernelsOnlyWhereTheCpuHasEverySubsetTheyUse() {
    assertEquals("SkylakeX", BlasKernels.choose(null, null, "amd64", AVX512).core());
    assertEquals("SkylakeX", BlasKernels.choose("auto", null, "x86_64", AVX512).core());
    for (String missing : BlasKernels.AVX512_FLAGS) {
      Set<String> flags = new HashSet<>(AVX512);
      flags.remove(missing);
      assertNull(BlasKernels.choose(null, null, "amd64", flags).core(), "without " + missing);
    }
    assertNull(BlasKernels.choose(null, null, "aarch64", AVX512).core(), "x86-64 names only");
    assertNull(BlasKernels.choose(null, null, "amd64", Set.of()).core(), "flags unreadable");
  }

  @Test
  void theUsersChoiceStands() {
    // OPENBLAS_CORETYPE set: never overridden, not even by a forced name
    BlasKernels.Choice env = BlasKernels.choose("Nehalem", "Haswell", "amd64", AVX512);
    assertNull(env.core());
    assertTrue(env.why().contains("OPENBLAS_CORETYPE=Haswell"), env.why());
    assertEquals("SkylakeX", BlasKernels.choose(null, "", "amd64", AVX512).core(), "empty: unset");
    assertNull(BlasKernels.choose("off", null, "amd64", AVX512).core());
    // a forced name, in OpenBLAS's spelling or not
    assertEquals("Haswell", BlasKernels.choose("Haswell", null, "amd64", AVX512).core());
    assertEquals("zen", BlasKernels.choose("zen", null, "amd64", Set.of()).core());
    // a name OpenBLAS does not know is refused, whatever else is set
    for (String env2 : new String[] {null, "Haswell"}) {
      IllegalArgumentException bad =
          assertThrows(
              IllegalArgumentException.class,
              () -> BlasKernels.choose("Skylake-X", env2, "amd64", AVX512));
      assertTrue(
          bad.getMessage().startsWith("-Doptimbench.blasCore=Skylake-X is not"), bad.getMessage());
    }
  }

  @Test
  void flagsAreTheFirstProcessorsFlagsLine() {
    List<String> cpuinfo =
        List.of(
            "processor\t: 0",
            "vendor_id\t: AuthenticAMD",
            "flags\t\t: fpu avx2 avx512f avx512vl",
            "bugs\t\t: sysret_ss_attrs",
            "processor\t: 1",
            "flags\t\t: fpu");
    assertEquals(Set.of("fpu", "avx2", "avx512f", "avx512vl"), BlasKernels.flags(cpuinfo));
    assertEquals(Set.of(), BlasKernels.flags(List.of("processor\t: 0")));
  }

  /** Loads ND4J (and OpenBLAS) after {@link NativeSetup#install()} or not; prints the kernels. */
  public static final class Probe {
    public static void main(String[] args) {
      if (args.length > 0 && args[0].equals("install")) NativeSetup.install();
      INDArray a = Nd4j.rand(DataType.FLOAT, 64, 64);
      a.mmul(a); // a GEMM on the kernels OpenBLAS chose
      System.out.println(BlasKernels.loadedCore() + " " + BlasKernels.setCore());
    }
  }

  /** The probe's {loaded core, set core} in a fresh JVM, {@code OPENBLAS_CORETYPE} as given. */
  private static String[] probe(List<String> jvmArgs, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    String[] f = FreshJvm.lastLine(Probe.class, jvmArgs, env, List.of(BlasKernels.ENV), args);
    assertEquals(2, f.length, String.join(" ", f));
    return new String[] {f[0].toLowerCase(Locale.ROOT), f[1].toLowerCase(Locale.ROOT)};
  }

  @Test
  void installSetsTheKernelsOpenBlasLoadsWith() throws Exception {
    assertTrue(System.getProperty("os.arch").matches("amd64|x86_64"), "x86-64 builds only");
    // OpenBLAS's own choice, and what install makes of this machine
    String detected = probe(List.of(), Map.of())[0];
    boolean avx512 = BlasKernels.cpuFlags().containsAll(BlasKernels.AVX512_FLAGS);
    String[] auto = probe(List.of(), Map.of(), "install");
    assertEquals(avx512 ? "skylakex" : detected, auto[0]);
    assertEquals(avx512 ? "skylakex" : "null", auto[1]);

    // forced: the Nehalem kernels (SSE4.2) run on any x86-64 CPU of this decade
    String[] forced = probe(List.of("-Doptimbench.blasCore=Nehalem"), Map.of(), "install");
    assertEquals(List.of("nehalem", "nehalem"), List.of(forced));
    // the user's OPENBLAS_CORETYPE stands
    String[] user =
        probe(
            List.of("-Doptimbench.blasCore=Nehalem"),
            Map.of(BlasKernels.ENV, "Sandybridge"),
            "install");
    assertEquals(List.of("sandybridge", "null"), List.of(user));
    // off: OpenBLAS's own choice
    assertEquals(detected, probe(List.of("-Doptimbench.blasCore=off"), Map.of(), "install")[0]);
  }
}
