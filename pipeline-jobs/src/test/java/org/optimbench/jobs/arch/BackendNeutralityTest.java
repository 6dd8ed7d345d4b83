package org.optimbench.jobs.arch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The optimizer and training hot paths must run unchanged on ND4J's CUDA backend: the backend is
 * chosen only by the classpath, and a step never walks raw buffers element by element in Java (on
 * CUDA that would copy device memory to the host at every access). This test reads the main sources
 * and fails on backend-specific imports anywhere, and on element access or buffer reads in the code
 * that runs every step (the optimizers, the worker loop, state merging, the DL4J bridge).
 * Trace-problem code, serialization and the TCP transport are outside the step math and not scanned
 * for element access.
 */
class BackendNeutralityTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  /** Backend implementation packages: code must depend on nd4j-api only. */
  private static final Pattern BACKEND_IMPORT =
      Pattern.compile(
          "import\\s+org\\.nd4j\\.(linalg\\.cpu|linalg\\.jcublas|nativeblas)\\.|Nd4jCpu|Nd4jCuda");

  /** Per-element access or raw buffer reads on INDArrays. */
  private static final Pattern ELEMENT_ACCESS =
      Pattern.compile(
          "\\.data\\(\\)\\.|\\.asDouble\\(\\)|\\.asFloat\\(\\)|\\.getDouble\\(|\\.getFloat\\(|\\.toDoubleVector\\(|\\.toFloatVector\\(|\\.toDoubleMatrix\\(|\\.putScalar\\((?!\")");

  private static final List<String> HOT_PATHS =
      List.of(
          "optim/src/main/java/org/optimbench/optim/baseline",
          "optim/src/main/java/org/optimbench/optim/dadapt",
          "optim/src/main/java/org/optimbench/optim/dualavg",
          "optim/src/main/java/org/optimbench/optim/graft",
          "optim/src/main/java/org/optimbench/optim/hypergrad",
          "optim/src/main/java/org/optimbench/optim/polyak",
          "optim/src/main/java/org/optimbench/optim/schedulefree",
          "optim/src/main/java/org/optimbench/optim/wrap",
          "optim/src/main/java/org/optimbench/optim/internal",
          "optim/src/main/java/org/optimbench/optim/Optimizers.java",
          "optim/src/main/java/org/optimbench/optim/ModelView.java",
          "optim/src/main/java/org/optimbench/optim/FiniteDifferenceHvp.java",
          "pipeline-jobs/src/main/java/org/optimbench/jobs/train/WorkerLoop.java",
          "pipeline-jobs/src/main/java/org/optimbench/jobs/train/StateMerge.java",
          "pipeline-jobs/src/main/java/org/optimbench/jobs/model");

  /**
   * The CPU backend's fused optimizer passes read the native buffers by design; they run only when
   * {@code Fused.applies} has seen the CPU backend (checked below), and every caller keeps its
   * ND4J-op path for the other backends.
   */
  private static final Path FUSED =
      Path.of("optim/src/main/java/org/optimbench/optim/internal/Fused.java");

  /** The dense layers' float32 loops, on the same terms as the fused passes. */
  private static final Path DENSE_LOOPS =
      Path.of("pipeline-jobs/src/main/java/org/optimbench/jobs/model/DenseLoops.java");

  private static final List<Path> CPU_BUFFER_PATHS = List.of(FUSED, DENSE_LOOPS);

  /**
   * The host view of an array's memory (HostBytes' body), which the fused passes' direct forms read
   * through: it reads no element itself, and its callers check the backend (Fused.applies) or say
   * that the host copy is theirs to synchronize (HostBytes).
   */
  private static final Path NATIVE_BYTES =
      Path.of("optim/src/main/java/org/optimbench/optim/internal/NativeBytes.java");

  /**
   * A fused pass's direct form ({@code Fused.Direct}: the vector API on the native buffers) runs
   * only inside a pass, after {@code Fused.applies} has seen the CPU backend: on the same terms.
   */
  private static boolean isDirectForm(Path f) {
    try {
      return Files.readString(f).contains("implements Fused.Direct");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<Path> javaFiles(Path p) throws IOException {
    if (Files.isRegularFile(p)) return List.of(p);
    try (Stream<Path> s = Files.walk(p)) {
      return s.filter(f -> f.toString().endsWith(".java")).toList();
    }
  }

  private static List<String> matches(List<Path> files, Pattern pattern) throws IOException {
    List<String> out = new ArrayList<>();
    for (Path f : files) {
      List<String> lines = Files.readAllLines(f);
      for (int i = 0; i < lines.size(); i++) {
        String code = lines.get(i).replaceAll("//.*$", "");
        if (code.trim().startsWith("*")) continue; // javadoc
        if (pattern.matcher(code).find())
          out.add(ROOT.relativize(f) + ":" + (i + 1) + ": " + lines.get(i).trim());
      }
    }
    return out;
  }

  @Test
  void noSourceDependsOnABackendImplementation() throws IOException {
    List<Path> all = new ArrayList<>();
    for (String module : List.of("optim", "data-prep", "pipeline-jobs"))
      all.addAll(javaFiles(ROOT.resolve(module).resolve("src/main/java")));
    assertTrue(
        all.size() > 50,
        "expected to scan the main sources, found " + all.size() + " files under " + ROOT);
    List<String> found = matches(all, BACKEND_IMPORT);
    assertTrue(found.isEmpty(), "backend-specific code:\n" + String.join("\n", found));
  }

  @Test
  void stepCodeNeverAccessesArrayElementsFromJava() throws IOException {
    List<Path> hot = new ArrayList<>();
    for (String p : HOT_PATHS) hot.addAll(javaFiles(ROOT.resolve(p)));
    for (Path p : CPU_BUFFER_PATHS)
      assertTrue(hot.remove(ROOT.resolve(p)), "expected " + p + " among the scanned files");
    assertTrue(hot.remove(ROOT.resolve(NATIVE_BYTES)), "expected " + NATIVE_BYTES);
    int before = hot.size();
    hot.removeIf(BackendNeutralityTest::isDirectForm);
    assertTrue(hot.size() < before, "expected the fused passes' direct forms among the files");
    assertTrue(
        hot.size() > 30,
        "expected to scan the optimizers and the worker loop, found " + hot.size());
    List<String> found = matches(hot, ELEMENT_ACCESS);
    assertTrue(
        found.isEmpty(),
        "element access in step code (a host copy per access on CUDA):\n"
            + String.join("\n", found));
  }

  @Test
  void theBufferPathsRunOnlyOnTheCpuBackend() throws IOException {
    for (Path p : CPU_BUFFER_PATHS) {
      String code = Files.readString(ROOT.resolve(p));
      assertTrue(
          code.contains("Nd4j.getEnvironment().isCPU()"),
          p + " must check the backend before reading native buffers");
      assertTrue(
          code.matches(
              "(?s).*static boolean applies\\(.*if \\(!(enabled\\(\\) \\|\\| !)?cpu\\(\\)\\)"
                  + " return false;.*"),
          p + ": applies() must refuse a non-CPU backend first");
    }
  }
}
