package org.optimbench.jobs.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.optimbench.jobs.conf.ConfException;

/**
 * Time to target per run and per method, misses and divergences, the default target and the
 * ranking.
 */
class CompareTimeToTargetTest {
  static final double INF = Double.POSITIVE_INFINITY;

  /**
   * A run evaluated at steps 49, 99, 149, 199 (after 50, 100, 150, 200 steps) at 1, 2, 3, 4
   * seconds.
   */
  static RunResult run(String name, String method, boolean diverged, double... values) {
    List<EvalPoint> evals = new java.util.ArrayList<>();
    for (int i = 0; i < values.length; i++)
      evals.add(new EvalPoint(50L * (i + 1) - 1, i + 1.0, values[i]));
    return new RunResult(name, "logreg@digits", method, diverged, 199, values.length, 0.1, evals);
  }

  static CompareSettings settings(String yamlLikeTarget) {
    return CompareSettings.parse(
        yamlLikeTarget == null
            ? Map.of()
            : Map.of("targets", Map.of("*", Double.parseDouble(yamlLikeTarget))));
  }

  @Test
  void firstEvaluationMeetingTheTargetAndMedianOverSeeds() {
    Comparison c =
        new Comparison(
            List.of(
                run(
                    "a1", "adam", false, 0.5, 0.3, 0.2,
                    0.2), // meets 0.3 at the 2nd eval: 100 steps, 2 s
                run("a2", "adam", false, 0.4, 0.35, 0.3, 0.1), // 3rd eval: 150 steps, 3 s
                run("a3", "adam", true, 0.2)), // met it, then diverged: a miss
            settings("0.3"));
    assertEquals(new TimeToTarget(100, 2.0), c.run("a1").toTarget());
    assertEquals(new TimeToTarget(150, 3.0), c.run("a2").toTarget());
    assertEquals(TimeToTarget.MISS, c.run("a3").toTarget());
    Comparison.Summary s = c.summaries().get(0);
    assertEquals(3, s.nRuns());
    assertEquals(2, s.nCompleted());
    assertEquals(1, s.nDiverged());
    assertEquals(2, s.nReached());
    assertEquals(150.0, s.stepsToTargetMedian()); // median of 100, 150, inf
    assertEquals(3.0, s.timeToTargetMedianS());
    // final statistics over the completed seeds only: 0.2 and 0.1
    assertEquals(2, s.finalStats().n());
    assertEquals(0.15, s.finalStats().mean(), 1e-12);
    assertEquals(0.15, s.bestMean(), 1e-12);
    assertEquals(0.3, s.target());
  }

  @Test
  void missesRankAfterHitsAndAmongThemselvesByFinalValue() {
    Comparison c =
        new Comparison(
            List.of(
                run("fast", "fast", false, 0.2, 0.1),
                run("slow", "slow", false, 0.5, 0.2),
                run("missBad", "missBad", false, 0.9, 0.8),
                run("missGood", "missGood", false, 0.6, 0.4),
                run("div", "div", true, 0.1)),
            settings("0.25"));
    Map<String, Integer> rank = new java.util.HashMap<>();
    for (Comparison.Summary s : c.summaries()) rank.put(s.method(), s.rank());
    assertEquals(Map.of("fast", 1, "slow", 2, "missGood", 3, "missBad", 4, "div", 5), rank);
    assertEquals(
        INF,
        c.summaries().stream()
            .filter(s -> s.method().equals("div"))
            .findFirst()
            .get()
            .timeToTargetMedianS());
  }

  @Test
  void defaultTargetIsTheWorstBestOfTheCompletedRuns() {
    Comparison c =
        new Comparison(
            List.of(
                run("a1", "a", false, 0.5, 0.2),
                run("a2", "a", false, 0.4, 0.3), // bests 0.2, 0.3
                run("b1", "b", false, 0.6, 0.45),
                run("b2", "b", false, 0.5, 0.55), // bests 0.45, 0.5
                run("c1", "c", true, 0.01)), // diverged: no say in the target
            CompareSettings.defaults());
    Comparison.Target t = c.targets().get("logreg@digits");
    assertEquals(0.5, t.value(), 1e-12);
    assertTrue(t.rule().startsWith("default"));
    // every completed seed of both methods reaches it, so both medians are finite
    assertTrue(
        c.summaries().stream()
            .filter(s -> !s.method().equals("c"))
            .allMatch(s -> s.nReached() == 2 && Double.isFinite(s.timeToTargetMedianS())));
  }

  @Test
  void timeColStepRanksAndProfilesBySteps() {
    // slow: reaches at the 2nd evaluation (100 steps) but its clock says 20 s; fast: 3rd evaluation
    // (150 steps) at 3 s
    RunResult slowClock =
        new RunResult(
            "s",
            "logreg@digits",
            "fewerSteps",
            false,
            199,
            40,
            0.1,
            List.of(new EvalPoint(49, 10, 0.5), new EvalPoint(99, 20, 0.2)));
    RunResult fastClock = run("f", "fasterClock", false, 0.5, 0.4, 0.2);
    Comparison byWall = new Comparison(List.of(slowClock, fastClock), settings("0.3"));
    Comparison bySteps =
        new Comparison(
            List.of(slowClock, fastClock),
            CompareSettings.parse(Map.of("targets", Map.of("*", 0.3), "time_col", "step")));
    // summaries are sorted by method: fasterClock, fewerSteps
    assertEquals(List.of(1, 2), byWall.summaries().stream().map(Comparison.Summary::rank).toList());
    assertEquals(
        List.of(2, 1), bySteps.summaries().stream().map(Comparison.Summary::rank).toList());
    assertEquals(
        List.of("fewerSteps", "fasterClock"),
        bySteps.profile().byScore().stream().map(i -> bySteps.profile().methods().get(i)).toList());
    assertEquals(
        1.5, bySteps.profile().ratio(bySteps.profile().methods().indexOf("fasterClock"), 0), 1e-12);
    assertEquals(
        "compare.time_col",
        assertThrows(ConfException.class, () -> CompareSettings.parse(Map.of("time_col", "epoch")))
            .key());
  }

  @Test
  void maximizedMetricsMeetTargetsFromAbove() {
    CompareSettings acc =
        CompareSettings.parse(
            Map.of("metric", "eval.valid_accuracy", "targets", Map.of("logreg@digits", 0.9)));
    assertTrue(acc.maximize());
    Comparison c = new Comparison(List.of(run("r", "m", false, 0.8, 0.91, 0.85)), acc);
    assertEquals(new TimeToTarget(100, 2.0), c.run("r").toTarget());
    assertEquals(0.91, c.run("r").bestMetric());
    assertEquals(0.85, c.run("r").finalMetric());
  }

  @Test
  void unknownReferenceMethodIsAnErrorNamingTheKey() {
    ConfException e =
        assertThrows(
            ConfException.class,
            () ->
                new Comparison(
                    List.of(run("r", "adam", false, 0.1)),
                    CompareSettings.parse(Map.of("reference", "sgd"))));
    assertEquals("compare.reference", e.key());
    assertTrue(e.getMessage().contains("adam"), e.getMessage());
  }
}
