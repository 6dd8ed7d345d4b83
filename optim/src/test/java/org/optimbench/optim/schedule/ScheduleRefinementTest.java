package org.optimbench.optim.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.optimbench.optim.schedule.ScheduleRefinement.NormKind;
import org.optimbench.optim.schedule.ScheduleRefinement.Smoothing;

class ScheduleRefinementTest {
  private static double[] constant(int n, double v) {
    double[] g = new double[n];
    Arrays.fill(g, v);
    return g;
  }

  @ParameterizedTest
  @EnumSource(NormKind.class)
  void constantNormsGiveExactlyLinearDecayWithoutSmoothing(NormKind kind) {
    int t = 257;
    double[] f = ScheduleRefinement.refine(constant(t, 2.0), kind, Smoothing.NONE, t);
    for (int i = 0; i < t; i++) assertEquals((t - 1.0 - i) / (t - 1.0), f[i], 0.0, "step " + i);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 37, 1000, 10_000, 25_001})
  void constantNormsGiveLinearDecayThroughTheReferenceSmoothing(int steps) {
    for (NormKind kind : NormKind.values()) {
      double[] f = ScheduleRefinement.refine(constant(500, 0.3), kind, Smoothing.REFERENCE, steps);
      assertEquals(steps, f.length);
      for (int i = 0; i < steps; i++)
        assertEquals((steps - 1.0 - i) / (steps - 1.0), f[i], 1e-12, kind + " step " + i);
      assertEquals(1.0, f[0], 0.0);
      assertEquals(0.0, f[steps - 1], 0.0);
    }
  }

  /**
   * Cases written by {@code src/test/resources/refinement/make_cases.py} with the reference's
   * {@code find_closed_form_schedule} and visual.py's smoothing (numpy/scipy); see the README
   * there.
   */
  @TestFactory
  Stream<DynamicTest> matchesTheReferenceCases() throws Exception {
    Path root = Path.of(ScheduleRefinementTest.class.getResource("/refinement").toURI());
    List<Path> cases;
    try (Stream<Path> s = Files.list(root)) {
      cases = s.filter(d -> Files.exists(d.resolve("case.json"))).sorted().toList();
    }
    assertEquals(4, cases.size(), "reference cases under " + root);
    return cases.stream()
        .map(d -> DynamicTest.dynamicTest(d.getFileName().toString(), () -> checkCase(d)));
  }

  private static void checkCase(Path dir) throws IOException {
    JsonNode c = new ObjectMapper().readTree(dir.resolve("case.json").toFile());
    NormKind kind = NormKind.valueOf(c.get("kind").asText().toUpperCase(java.util.Locale.ROOT));
    Smoothing smoothing =
        c.get("smoothing").asText().equals("reference") ? Smoothing.REFERENCE : Smoothing.NONE;
    List<Double> norms = new ArrayList<>();
    for (String line :
        Files.readAllLines(dir.resolve("norms.csv"))
            .subList(1, Files.readAllLines(dir.resolve("norms.csv")).size())) {
      String v = line.split(",")[1];
      norms.add(
          v.equals("inf")
              ? Double.POSITIVE_INFINITY
              : v.equals("-inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(v));
    }
    List<Double> expected = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(dir.resolve("expected.txt.gz"))),
                StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) expected.add(Double.parseDouble(line));
    }
    double[] g = norms.stream().mapToDouble(Double::doubleValue).toArray();
    double[] ours = ScheduleRefinement.refine(g, kind, smoothing, expected.size());
    assertEquals(expected.size(), ours.length);
    for (int i = 0; i < ours.length; i++) {
      double ref = expected.get(i);
      if (!(Math.abs(ours[i] - ref) <= 1e-9 * Math.abs(ref) + 1e-15))
        fail(dir.getFileName() + " point " + i + ": ours " + ours[i] + ", reference " + ref);
    }
  }

  @ParameterizedTest
  @EnumSource(NormKind.class)
  void aWarmUpEmergesWhenEarlyNormsAreLarge(NormKind kind) {
    int n = 2000;
    double[] g = new double[n];
    for (int t = 0; t < n; t++) g[t] = 1 + 20 * Math.exp(-t / 100.0);
    for (Smoothing s : new Smoothing[] {Smoothing.REFERENCE, Smoothing.NONE}) {
      double[] f = ScheduleRefinement.refine(g, kind, s, n);
      int peak = 0;
      for (int t = 1; t < n; t++) if (f[t] > f[peak]) peak = t;
      assertTrue(peak > 50 && peak < n / 2, kind + " " + s + ": peak at " + peak);
      assertTrue(f[0] < 0.1, kind + " " + s + ": first factor " + f[0]);
      for (int t = 1; t <= peak; t += 10)
        assertTrue(f[t] >= f[t - 1] - 1e-12, "rising before the peak, step " + t);
      assertEquals(1.0, f[peak], 0.0);
      assertEquals(0.0, f[n - 1], 0.0);
    }
  }

  @Test
  void medianFilterFollowsScipyWithTheReflectPaddedEnd() {
    // Expected values: scipy.ndimage.median_filter(np.pad(x, (0, 2w), 'reflect'), size=w,
    // mode='nearest')[:-2w]
    // (scipy 1.10.1, numpy 1.24.2), including pads longer than the series (numpy reflects
    // periodically).
    assertArrayEquals(
        new double[] {5, 4, 2, 3, 3, 3, 9},
        ScheduleRefinement.medianFilterReflectEnd(new double[] {5, 1, 4, 2, 3, 9, 0}, 3));
    assertArrayEquals(
        new double[] {3, 2, 1},
        ScheduleRefinement.medianFilterReflectEnd(new double[] {3, 1, 2}, 3));
    assertArrayEquals(
        new double[] {3, 2, 2},
        ScheduleRefinement.medianFilterReflectEnd(new double[] {3, 1, 2}, 5));
    assertArrayEquals(
        new double[] {0.5, 1, 2, 3, 6, 4, 4, 4, 4, 4, 4},
        ScheduleRefinement.medianFilterReflectEnd(
            new double[] {0.5, 7, 1, 8, 2, 9, 3, 6, 4, 0.25, 5}, 7));
    assertArrayEquals(
        new double[] {1, 1}, ScheduleRefinement.medianFilterReflectEnd(new double[] {1, 2}, 5));
  }

  @Test
  void infinitiesAreDroppedAndBadNormsRejected() {
    double[] g = constant(300, 1.5);
    g[10] = Double.POSITIVE_INFINITY;
    g[200] = Double.NEGATIVE_INFINITY;
    assertEquals(298, ScheduleRefinement.preprocess(g, Smoothing.NONE).length);
    assertEquals(10_000, ScheduleRefinement.preprocess(g, Smoothing.REFERENCE).length);
    assertEquals(
        29_996,
        ScheduleRefinement.preprocess(constant(30_000, 1), new Smoothing(2, 2, 0, 1001)).length);
    assertEquals(
        10_000, ScheduleRefinement.preprocess(constant(30_000, 1), Smoothing.REFERENCE).length);
    double[] nan = constant(10, 1);
    nan[3] = Double.NaN;
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> ScheduleRefinement.refine(nan, NormKind.L2, Smoothing.NONE, 10))
            .getMessage()
            .contains("NaN"));
    double[] zero = constant(10, 1);
    zero[3] = 0;
    assertThrows(
        IllegalArgumentException.class,
        () -> ScheduleRefinement.refine(zero, NormKind.L1, Smoothing.NONE, 10));
    assertThrows(
        IllegalArgumentException.class,
        () -> ScheduleRefinement.refine(constant(5, 1), NormKind.L2, Smoothing.REFERENCE, 10));
    assertThrows(
        IllegalArgumentException.class,
        () -> ScheduleRefinement.refine(constant(5, 1), NormKind.L2, Smoothing.NONE, 1));
    assertThrows(IllegalArgumentException.class, () -> new Smoothing(2, 2, 10_000, 1000));
  }

  @Test
  void interpolationKeepsTheEndsAndIsLinear() {
    assertArrayEquals(
        new double[] {0, 0.5, 1, 1.5, 2},
        ScheduleRefinement.interpolate(new double[] {0, 1, 2}, 5),
        0.0);
    assertArrayEquals(
        new double[] {0, 2}, ScheduleRefinement.interpolate(new double[] {0, 1, 2}, 2), 0.0);
    assertArrayEquals(
        new double[] {7, 7, 7}, ScheduleRefinement.interpolate(new double[] {7}, 3), 0.0);
    assertArrayEquals(
        new double[] {3}, ScheduleRefinement.interpolate(new double[] {3, 9}, 1), 0.0);
  }
}
