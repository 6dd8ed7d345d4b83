package org.optimbench.optim.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Step-for-step equality with the reference implementations. Each directory under {@code
 * src/test/resources/golden/} holds a trace problem and the trace the reference code wrote for it
 * (PyTorch, run by {@code scripts/reference/trace_reference.py}; repository, commit and
 * hyperparameters of each case are listed in {@code golden/README.md}). Our trace must match every
 * loss and every parameter of every step: to 1e-9 relative in float64, 1e-4 in float32.
 *
 * <p>{@code -Dgolden.only=prefix} restricts the run to cases whose directory name starts with
 * prefix.
 */
class GoldenTraceTest {
  @TestFactory
  Stream<DynamicTest> everyGoldenCaseMatchesItsReference() throws IOException, URISyntaxException {
    java.net.URL url = GoldenTraceTest.class.getResource("/golden");
    if (url == null) fail("no golden cases: src/test/resources/golden/ is missing");
    Path root = Path.of(url.toURI());
    String only = System.getProperty("golden.only", "");
    List<Path> cases;
    try (Stream<Path> s = Files.list(root)) {
      cases =
          s.filter(
                  d ->
                      Files.exists(d.resolve("problem.json"))
                          && Files.exists(d.resolve("expected.csv")))
              .filter(d -> d.getFileName().toString().startsWith(only))
              .sorted()
              .toList();
    }
    if (cases.isEmpty())
      fail(
          "no golden cases under "
              + root
              + (only.isEmpty() ? "" : " starting with '" + only + "'"));
    return cases.stream()
        .map(d -> DynamicTest.dynamicTest(d.getFileName().toString(), () -> check(d)));
  }

  static void check(Path dir) throws IOException {
    TraceProblem p = TraceProblem.read(dir.resolve("problem.json"));
    List<TraceRunner.Row> ours = TraceRunner.run(p);
    List<String> lines = Files.readAllLines(dir.resolve("expected.csv"));
    assertEquals(ours.size(), lines.size() - 1, "number of steps");
    double tol = p.dtype() == DataType.DOUBLE ? 1e-9 : 1e-4;
    for (int t = 0; t < ours.size(); t++) {
      String[] f = lines.get(t + 1).split(",");
      TraceRunner.Row r = ours.get(t);
      assertEquals(r.params().length + 2, f.length, "columns at step " + t);
      double scale = 0;
      for (int i = 2; i < f.length; i++)
        scale = Math.max(scale, Math.abs(Double.parseDouble(f[i])));
      close(dir, t, "loss", Double.parseDouble(f[1]), r.loss(), tol, 0);
      for (int i = 0; i < r.params().length; i++) {
        close(dir, t, "p" + i, Double.parseDouble(f[i + 2]), r.params()[i], tol, scale);
      }
    }
  }

  /**
   * |ours - ref| <= tol * |ref|, with a floor of 1e-3 * tol * (largest |parameter| of the row) for
   * entries near zero.
   */
  private static void close(
      Path dir, int t, String what, double ref, double ours, double tol, double scale) {
    double bound = tol * Math.abs(ref) + 1e-3 * tol * scale;
    if (!(Math.abs(ours - ref) <= bound) && !(Double.isNaN(ref) && Double.isNaN(ours))) {
      fail(
          dir.getFileName()
              + " step "
              + t
              + " "
              + what
              + ": ours "
              + ours
              + ", reference "
              + ref
              + " (|diff| "
              + Math.abs(ours - ref)
              + " > "
              + bound
              + ")");
    }
  }
}
