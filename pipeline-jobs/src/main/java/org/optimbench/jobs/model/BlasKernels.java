package org.optimbench.jobs.model;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which kernels ND4J's OpenBLAS runs, chosen before ND4J loads it.
 *
 * <p>Why. OpenBLAS, built for every x86-64 CPU at once, picks its kernels when it loads, from the
 * CPU's vendor, family and model, unless the environment variable {@code OPENBLAS_CORETYPE} names
 * them. The build ND4J bundles (0.3.19) falls back to its oldest AMD kernels ("Barcelona", SSE
 * only) on AMD families it does not know, as on Zen 5 (CPU family 26: EPYC 9005, Ryzen 9000), which
 * has AVX-512: there the MLP step of {@code bench-peers mlp-large} took three times as long as with
 * the AVX-512 kernels ("SkylakeX"; BENCHMARKS.md, "Measurements behind code choices").
 *
 * <p>What. {@link #install()}, called before ND4J loads (by {@link NativeSetup}: first in every
 * main, and in every executor at its start), sets {@code OPENBLAS_CORETYPE=SkylakeX} in the
 * process's environment when the user has not set {@code OPENBLAS_CORETYPE} and the CPU has the
 * AVX-512 subsets those kernels use (F, CD, BW, DQ and VL, as Linux lists them in {@code
 * /proc/cpuinfo}, which it does only where the OS saves the registers). On Intel's AVX-512 CPUs
 * OpenBLAS picks these kernels itself, or Cooper Lake's, whose float32 and float64 GEMMs are the
 * same; elsewhere it is left to choose. {@code -Doptimbench.blasCore=off} leaves every choice to
 * OpenBLAS; {@code -Doptimbench.blasCore=NAME} forces one of its x86-64 names (as {@code
 * OPENBLAS_CORETYPE} does, the CPU must have their instructions). The kernels compute the same
 * products; their rounding may differ, as it does between hosts. Where OpenBLAS was loaded before
 * {@link #install()} ran, it has chosen already and nothing changes (logged). The environment is
 * set through the C library (JNA, which ND4J brings), since Java cannot change its own process's
 * environment.
 */
public final class BlasKernels {
  private static final Logger LOG = LoggerFactory.getLogger(BlasKernels.class);

  /** {@code auto} (the default), {@code off}, or an OpenBLAS core name to force. */
  public static final String PROPERTY = "optimbench.blasCore";

  /** OpenBLAS's own switch, read once when the library loads. */
  public static final String ENV = "OPENBLAS_CORETYPE";

  /** The AVX-512 kernels of OpenBLAS's x86-64 builds. */
  static final String AVX512_CORE = "SkylakeX";

  /**
   * The {@code /proc/cpuinfo} flags of the AVX-512 subsets that OpenBLAS's SkylakeX kernels use.
   */
  static final List<String> AVX512_FLAGS =
      List.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");

  /** OpenBLAS's x86-64 core names (0.3.19, {@code driver/others/dynamic.c}), in lower case. */
  static final Set<String> X86_CORES =
      Set.of(
          "katmai",
          "coppermine",
          "northwood",
          "prescott",
          "banias",
          "atom",
          "core2",
          "penryn",
          "dunnington",
          "nehalem",
          "athlon",
          "opteron",
          "opteron_sse3",
          "barcelona",
          "bobcat",
          "nano",
          "sandybridge",
          "bulldozer",
          "piledriver",
          "haswell",
          "steamroller",
          "excavator",
          "zen",
          "skylakex",
          "cooperlake");

  private static final Pattern OPENBLAS = Pattern.compile(".*/libopenblas[^/]*\\.so[^/]*$");

  /** A decision: the core to set (null: none), and why, for the log. */
  record Choice(String core, String why) {}

  private static boolean installed;
  private static volatile Choice chosen;

  private BlasKernels() {}

  /**
   * What to set, from the property's value ({@code auto} when null), {@code OPENBLAS_CORETYPE}'s
   * value (null when unset; empty counts as unset), the JVM's {@code os.arch} and the CPU's flags.
   * The user's {@code OPENBLAS_CORETYPE} is never overridden.
   */
  static Choice choose(String setting, String env, String arch, Set<String> flags) {
    String s = setting == null ? "auto" : setting.trim();
    boolean off = s.equalsIgnoreCase("off");
    boolean auto = s.equalsIgnoreCase("auto");
    if (!off && !auto && !X86_CORES.contains(s.toLowerCase(Locale.ROOT)))
      throw new IllegalArgumentException(
          "-D"
              + PROPERTY
              + "="
              + s
              + " is not auto, off or one of OpenBLAS's x86-64 core names (e.g. Haswell,"
              + " SkylakeX)");
    if (off) return new Choice(null, "left to OpenBLAS (-D" + PROPERTY + "=off)");
    if (env != null && !env.isEmpty()) return new Choice(null, ENV + "=" + env + ", as set");
    if (!auto) return new Choice(s, "-D" + PROPERTY + "=" + s);
    boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
    if (x86 && flags.containsAll(AVX512_FLAGS))
      return new Choice(
          AVX512_CORE, "this CPU has AVX-512 (" + String.join(", ", AVX512_FLAGS) + ")");
    return new Choice(null, "left to OpenBLAS (no AVX-512 on this CPU)");
  }

  /**
   * Sets {@code OPENBLAS_CORETYPE} for this process as {@link #choose} decides, unless OpenBLAS is
   * already loaded. Idempotent; call it before anything touches ND4J. A bad {@value #PROPERTY}
   * throws {@link IllegalArgumentException}.
   */
  public static synchronized void install() {
    if (installed) return;
    Choice c =
        choose(
            System.getProperty(PROPERTY),
            System.getenv(ENV),
            System.getProperty("os.arch", ""),
            cpuFlags());
    installed = true;
    chosen = c;
    if (c.core() == null) {
      LOG.info("OpenBLAS kernels: {}", c.why());
      return;
    }
    if (!loadedOpenBlas().isEmpty()) {
      chosen = new Choice(null, "OpenBLAS loaded before the choice");
      LOG.info("OpenBLAS was loaded before its kernels could be chosen ({})", c.why());
      return;
    }
    try {
      Function setenv = NativeLibrary.getInstance("c").getFunction("setenv");
      int rc = setenv.invokeInt(new Object[] {ENV, c.core(), 1});
      if (rc != 0) throw new IllegalStateException("setenv returned " + rc);
    } catch (RuntimeException | LinkageError e) {
      chosen = new Choice(null, "could not set " + ENV);
      LOG.warn("OpenBLAS kernels: could not set {}={}: {}", ENV, c.core(), e.toString());
      return;
    }
    LOG.info("OpenBLAS kernels: {}={} ({})", ENV, c.core(), c.why());
  }

  /**
   * The core this process set {@code OPENBLAS_CORETYPE} to, or null when it set none (the user's
   * value or OpenBLAS's own choice stands, or {@link #install()} has not run).
   */
  public static String setCore() {
    Choice c = chosen;
    return c == null ? null : c.core();
  }

  /**
   * The kernels the loaded OpenBLAS runs (its {@code openblas_get_corename}), or null when this
   * process has no OpenBLAS loaded or its name cannot be read.
   */
  public static String loadedCore() {
    for (String lib : loadedOpenBlas()) {
      try {
        Function f = NativeLibrary.getInstance(lib).getFunction("openblas_get_corename");
        return f.invokeString(new Object[0], false).trim();
      } catch (RuntimeException | LinkageError e) {
        LOG.debug("openblas_get_corename in {}", lib, e);
      }
    }
    return null;
  }

  /** The OpenBLAS libraries this process has mapped (Linux), by path. */
  static List<String> loadedOpenBlas() {
    try {
      return Files.readAllLines(Path.of("/proc/self/maps")).stream()
          .map(l -> l.substring(l.lastIndexOf(' ') + 1))
          .filter(p -> OPENBLAS.matcher(p).matches())
          .distinct()
          .sorted()
          .toList();
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }

  /** The flags of the first processor in {@code /proc/cpuinfo}; empty where it cannot be read. */
  static Set<String> cpuFlags() {
    try {
      return flags(Files.readAllLines(Path.of("/proc/cpuinfo")));
    } catch (IOException | RuntimeException e) {
      return Set.of();
    }
  }

  /** The {@code flags} line of the first processor in {@code /proc/cpuinfo}'s lines. */
  static Set<String> flags(List<String> cpuinfo) {
    for (String l : cpuinfo) {
      int colon = l.indexOf(':');
      if (colon < 0 || !l.substring(0, colon).trim().equals("flags")) continue;
      return new HashSet<>(Arrays.asList(l.substring(colon + 1).trim().split("\\s+")));
    }
    return Set.of();
  }
}
