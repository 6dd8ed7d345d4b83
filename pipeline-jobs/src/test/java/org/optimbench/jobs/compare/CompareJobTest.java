package org.optimbench.jobs.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.run.MetricsLog;
import org.optimbench.jobs.run.RunDirectory;
import org.optimbench.jobs.run.RunStatus;
import org.optimbench.jobs.train.TrainingJob;

/**
 * The comparison end to end on Spark local[2], over run directories written with the trainer's own
 * writers (RunDirectory, MetricsLog, RunStatus, TrainingJob's Parquet copy) but no training: two
 * methods with two seeds each, a diverged and a failed run, and three runs that must be reported by
 * name and left out (RUNNING, corrupt metrics.parquet, metrics shorter than the status claims).
 */
class CompareJobTest {
  @TempDir static Path tmp;
  static SparkSession spark;
  static Path root;
  static final Map<String, Object> ADAM = Map.of("name", "adam", "hparams", Map.of("lr", 0.01));
  static final Map<String, Object> SGD = Map.of("name", "sgd", "hparams", Map.of("lr", 0.1));

  @BeforeAll
  static void setUp() throws Exception {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("compare-job-test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
    spark.sparkContext().setLogLevel("ERROR");
    root = tmp.resolve("runs");
    // evaluations after 50, 100, 150, 200 steps (rows 49, 99, 149, 199) at 1, 2, 3, 4 s
    run("adam_s1", ADAM, 1, RunStatus.completed(200), 0.5, 0.3, 0.2, 0.15);
    run("adam_s2", ADAM, 2, RunStatus.completed(200), 0.45, 0.35, 0.25, 0.17);
    run("sgd_s1", SGD, 1, RunStatus.completed(200), 0.6, 0.5, 0.45, 0.4);
    run("sgd_s2", SGD, 2, RunStatus.completed(200), 0.7, 0.55, 0.5, 0.42);
    run(
        "sgd_s3",
        SGD,
        3,
        RunStatus.diverged(99, "loss is NaN"),
        0.25,
        0.2); // met the target, then diverged: a miss
    run("sgd_s4", SGD, 4, RunStatus.failed(100, "executor lost"), 0.6, 0.5);
    run("adam_s3", ADAM, 3, RunStatus.running(100), 0.5, 0.3);
    run("adam_s4", ADAM, 4, RunStatus.completed(200), 0.5, 0.3, 0.2, 0.15);
    run("adam_s5", ADAM, 5, RunStatus.completed(200), 0.5, 0.3); // metrics end at step 99
    Path part;
    try (Stream<Path> s = Files.list(root.resolve("adam_s4").resolve("metrics.parquet"))) {
      part =
          s.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
    }
    Files.writeString(part, "this is not parquet");
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
  }

  static void run(
      String name, Map<String, Object> optimizer, int seed, RunStatus status, double... valid)
      throws Exception {
    Map<String, Object> conf = new LinkedHashMap<>();
    conf.put("name", name);
    conf.put("workload", Map.of("name", "logreg"));
    conf.put("data", Map.of("train", "work/prep/digits"));
    conf.put("optimizer", optimizer);
    conf.put("schedule", Map.of("name", "constant"));
    conf.put("steps", 200);
    conf.put("seed", seed);
    conf.put("output", root.toString());
    Path dir = RunDirectory.open(root, name, conf).dir().toLocalPath();
    try (MetricsLog log =
        MetricsLog.open(dir.resolve(MetricsLog.FILE), List.of("d"), List.of("valid_loss"))) {
      for (int i = 0; i < valid.length; i++) {
        log.append(
            MetricsLog.row(50L * (i + 1) - 1)
                .wallTimeSeconds(i + 1.0)
                .samples(1600L * (i + 1))
                .trainLoss(valid[i] * 0.9)
                .lr(0.01)
                .gradNorm(1.0)
                .diagnostics(Map.of("d", 1e-3 * (i + 1) * seed))
                .eval(Map.of("valid_loss", valid[i])));
      }
    }
    status.write(dir);
    if (status.state() != RunStatus.State.RUNNING && status.state() != RunStatus.State.FAILED)
      TrainingJob.writeMetricsParquet(spark, dir);
  }

  static CompareSettings settings() {
    return CompareSettings.parse(Map.of("targets", Map.of("*", 0.3), "reference", "adam+lr=0.01"));
  }

  static List<Map<String, String>> csv(Path file) throws Exception {
    List<String> lines = Files.readAllLines(file);
    String[] head = lines.get(0).split(",", -1);
    List<Map<String, String>> rows = new ArrayList<>();
    for (String l : lines.subList(1, lines.size())) {
      String[] cells = l.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1);
      Map<String, String> r = new LinkedHashMap<>();
      for (int i = 0; i < head.length; i++) r.put(head[i], cells[i]);
      rows.add(r);
    }
    return rows;
  }

  static Map<String, String> row(List<Map<String, String>> rows, String key, String value) {
    return rows.stream()
        .filter(r -> r.get(key).equals(value))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row with " + key + "=" + value));
  }

  @Test
  void endToEndWritesEveryTableWithTheExpectedValues() throws Exception {
    Path out = tmp.resolve("cmp");
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    CompareJob.run(
        spark,
        new CompareJob.Request(List.of(root.toString()), settings(), out, false),
        new PrintStream(console, true, StandardCharsets.UTF_8));
    String said = console.toString(StandardCharsets.UTF_8);

    for (String f :
        List.of(
            "_SUCCESS",
            "runs.csv",
            "runs.parquet/_SUCCESS",
            "summary.csv",
            "summary.parquet/_SUCCESS",
            "curves.csv",
            "curves.parquet/_SUCCESS",
            "time_to_target.csv",
            "profiles.csv",
            "scores.csv",
            "report.html",
            "compare.json",
            "plots/performance_profile.png",
            "plots/curves__logreg_digits__eval.valid_loss.png",
            "plots/curves__logreg_digits__diag.d.png")) {
      assertTrue(Files.exists(out.resolve(f)), f);
    }
    assertEquals(
        List.of("runs.csv", "runs.parquet"),
        Files.list(out)
            .map(p -> p.getFileName().toString())
            .filter(n -> n.startsWith("runs"))
            .sorted()
            .toList());
    try (Stream<Path> s = Files.list(tmp)) {
      assertTrue(
          s.noneMatch(p -> p.getFileName().toString().startsWith(".cmp")),
          "no temporary directory left");
    }

    // runs: every selected run, the excluded ones by name with the reason
    List<Map<String, String>> runs = csv(out.resolve("runs.csv"));
    assertEquals(
        List.of(
            "run",
            "workload",
            "method",
            "optimizer",
            "schedule",
            "seed",
            "status",
            "included",
            "reason",
            "last_step",
            "wall_time_s",
            "final_train_loss",
            "final_metric",
            "best_metric",
            "steps_to_target",
            "time_to_target_s"),
        List.of(Files.readAllLines(out.resolve("runs.csv")).get(0).split(",")).subList(0, 16));
    assertEquals(9, runs.size());
    Map<String, String> a1 = row(runs, "run", "adam_s1");
    assertEquals("logreg@digits", a1.get("workload"));
    assertEquals("adam+lr=0.01", a1.get("method"));
    assertEquals("true", a1.get("included"));
    assertEquals("199", a1.get("last_step"));
    assertEquals("0.15", a1.get("final_metric"));
    assertEquals("100.0", a1.get("steps_to_target"));
    assertEquals("2.0", a1.get("time_to_target_s"));
    assertEquals("inf", row(runs, "run", "sgd_s1").get("time_to_target_s"));
    Map<String, String> div = row(runs, "run", "sgd_s3");
    assertEquals("DIVERGED", div.get("status"));
    assertEquals("true", div.get("included"));
    assertEquals("inf", div.get("time_to_target_s"));
    assertEquals("FAILED", row(runs, "run", "sgd_s4").get("status"));
    assertEquals("false", row(runs, "run", "sgd_s4").get("included"));
    Map<String, String> running = row(runs, "run", "adam_s3");
    assertEquals("false", running.get("included"));
    assertTrue(running.get("reason").contains("RUNNING"), running.get("reason"));
    assertTrue(
        row(runs, "run", "adam_s4").get("reason").contains("unreadable Parquet"),
        row(runs, "run", "adam_s4").get("reason"));
    assertTrue(
        row(runs, "run", "adam_s5").get("reason").contains("ends at step 99"),
        row(runs, "run", "adam_s5").get("reason"));
    for (String r : List.of("adam_s3", "adam_s4", "adam_s5", "sgd_s4", "sgd_s3"))
      assertTrue(said.contains(r), "console names " + r);

    // summary: adam 2 seeds (finals 0.15, 0.17), sgd 2 completed + 1 diverged, target 0.3
    List<Map<String, String>> summary = csv(out.resolve("summary.csv"));
    assertEquals(2, summary.size());
    Map<String, String> adam = row(summary, "method", "adam+lr=0.01");
    assertEquals("2", adam.get("n_runs"));
    assertEquals(0.16, Double.parseDouble(adam.get("final_mean")), 1e-9);
    assertEquals(0.01, Double.parseDouble(adam.get("final_se")), 1e-9);
    assertEquals(
        0.16 - 0.127062, Double.parseDouble(adam.get("final_ci_lo")), 1e-5); // t(0.975, 1) = 12.706
    assertEquals("0.3", adam.get("target"));
    assertEquals("2", adam.get("n_reached"));
    assertEquals("125.0", adam.get("steps_to_target_median"));
    assertEquals("2.5", adam.get("time_to_target_median_s"));
    assertEquals("1", adam.get("rank"));
    Map<String, String> sgd = row(summary, "method", "sgd+lr=0.1");
    assertEquals(
        List.of("3", "2", "1", "inf", "2"),
        List.of(
            sgd.get("n_runs"),
            sgd.get("n_completed"),
            sgd.get("n_diverged"),
            sgd.get("time_to_target_median_s"),
            sgd.get("rank")));

    // curves: mean and range over the two adam seeds at the first row
    Map<String, String> c =
        csv(out.resolve("curves.csv")).stream()
            .filter(
                r ->
                    r.get("method").equals("adam+lr=0.01")
                        && r.get("column").equals("eval.valid_loss")
                        && r.get("step").equals("49"))
            .findFirst()
            .orElseThrow();
    assertEquals(0.475, Double.parseDouble(c.get("mean")), 1e-12);
    assertEquals(List.of("0.45", "0.5", "2"), List.of(c.get("lo"), c.get("hi"), c.get("n")));
    assertTrue(
        csv(out.resolve("curves.csv")).stream()
            .noneMatch(r -> r.get("method").equals("sgd+lr=0.1") && r.get("n").equals("3")),
        "diverged run not in the curves");

    assertEquals(
        "inf",
        row(csv(out.resolve("time_to_target.csv")), "method", "sgd+lr=0.1")
            .get("time_to_target_s"));
    List<Map<String, String>> scores = csv(out.resolve("scores.csv"));
    assertEquals(
        List.of("1.0", "1.0", "1"),
        List.of(
            row(scores, "method", "adam+lr=0.01").get("score"),
            row(scores, "method", "adam+lr=0.01").get("geomean_speedup"),
            row(scores, "method", "adam+lr=0.01").get("rank")));
    assertEquals(
        List.of("0.0", "", "2"),
        List.of(
            row(scores, "method", "sgd+lr=0.1").get("score"),
            row(scores, "method", "sgd+lr=0.1").get("geomean_speedup"),
            row(scores, "method", "sgd+lr=0.1").get("rank")));
    assertEquals(200, csv(out.resolve("profiles.csv")).size());

    JsonNode m = new ObjectMapper().readTree(out.resolve("compare.json").toFile());
    assertEquals("eval.valid_loss", m.get("metric").asText());
    assertEquals("min", m.get("mode").asText());
    assertEquals(0.3, m.at("/targets/logreg@digits/value").asDouble());
    assertEquals(9, m.at("/counts/runs").asInt());
    assertEquals(5, m.at("/counts/included").asInt());
    assertEquals(1, m.at("/counts/diverged").asInt());
    assertEquals(1, m.at("/counts/failed").asInt());
    assertEquals(3, m.at("/counts/excluded").asInt());

    String html = Files.readString(out.resolve("report.html"));
    assertTrue(html.contains("data:image/png;base64,iVBOR"), "plots embedded as PNG data URIs");
    assertTrue(
        html.contains("0.1600 ± 0.010 (0.03294 – 0.2871)"), "final metric as mean ± SE (95% CI)");
    assertTrue(
        html.contains("adam_s4")
            && html.contains("unreadable Parquet")
            && html.contains("loss is NaN"));
    assertEquals(9, html.split("<details>", -1).length - 1, "every run's conf");

    // the Parquet copy of summary reads back with the same values
    assertEquals(
        0.16,
        spark
            .read()
            .parquet(out.resolve("summary.parquet").toString())
            .where("method = 'adam+lr=0.01'")
            .first()
            .<Double>getAs("final_mean"),
        1e-9);

    // an existing output is refused without --overwrite and replaced whole with it
    assertThrows(
        CompareException.class,
        () ->
            CompareJob.run(
                spark,
                new CompareJob.Request(List.of(root.toString()), settings(), out, false),
                new PrintStream(new ByteArrayOutputStream())));
    Files.writeString(out.resolve("stale.txt"), "old");
    CompareJob.run(
        spark,
        new CompareJob.Request(
            List.of(root.resolve("adam_s1").toString(), root.resolve("sgd_s1").toString()),
            settings(),
            out,
            true),
        new PrintStream(new ByteArrayOutputStream()));
    assertFalse(Files.exists(out.resolve("stale.txt")));
    assertEquals(2, csv(out.resolve("runs.csv")).size());
  }

  @Test
  void nothingUsableIsAnErrorNamingEachRunAndWritesNothing() throws Exception {
    Path out = tmp.resolve("none");
    CompareException e =
        assertThrows(
            CompareException.class,
            () ->
                CompareJob.run(
                    spark,
                    new CompareJob.Request(
                        List.of(
                            root.resolve("adam_s3").toString(), root.resolve("adam_s4").toString()),
                        settings(),
                        out,
                        false),
                    new PrintStream(new ByteArrayOutputStream())));
    assertTrue(
        e.getMessage().contains("adam_s3") && e.getMessage().contains("RUNNING"), e.getMessage());
    assertTrue(
        e.getMessage().contains("adam_s4") && e.getMessage().contains("unreadable Parquet"),
        e.getMessage());
    assertFalse(Files.exists(out));
  }

  @Test
  void overwriteRefusesADirectoryThatIsNotAComparisonAndKeepsItsFiles() throws Exception {
    Path foreign = Files.createDirectories(tmp.resolve("thesis"));
    Files.writeString(foreign.resolve("chapter1.tex"), "keep me");
    // even a directory with a report.html and _SUCCESS of its own is not a comparison
    Path lookalike = Files.createDirectories(tmp.resolve("site"));
    Files.writeString(lookalike.resolve(CompareOutput.REPORT), "<html></html>");
    Files.writeString(lookalike.resolve(CompareOutput.SUCCESS), "");
    for (Path out : List.of(foreign, lookalike)) {
      CompareException e =
          assertThrows(
              CompareException.class,
              () ->
                  CompareJob.run(
                      spark,
                      new CompareJob.Request(
                          List.of(root.resolve("adam_s1").toString()), settings(), out, true),
                      new PrintStream(new ByteArrayOutputStream())));
      assertEquals(
          "--overwrite: "
              + out
              + " is not an output of compare (no compare.json, report.html, _SUCCESS); not"
              + " deleting it: remove it yourself or choose another output",
          e.getMessage());
    }
    assertEquals("keep me", Files.readString(foreign.resolve("chapter1.tex")));
    assertEquals("<html></html>", Files.readString(lookalike.resolve(CompareOutput.REPORT)));

    // the command refuses it before Spark starts: exit 2, one line on stderr
    PrintStream oldErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int rc;
    try {
      rc =
          new picocli.CommandLine(new Compare())
              .execute(
                  "--out", foreign.toString(), "--overwrite", root.resolve("adam_s1").toString());
    } finally {
      System.setErr(oldErr);
    }
    String text = err.toString(StandardCharsets.UTF_8).strip();
    assertEquals(2, rc, text);
    assertTrue(text.startsWith("compare: --overwrite: " + foreign + " is not"), text);
    assertEquals(1, text.lines().count(), text);
    try (Stream<Path> s = Files.list(foreign)) {
      assertEquals(1, s.count(), "nothing written into or deleted from it");
    }
  }

  @Test
  void emptySelectionIsAnError() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertTrue(
        assertThrows(CompareException.class, () -> Selection.resolve(List.of(empty.toString())))
            .getMessage()
            .contains("no run directories"));
    assertTrue(
        assertThrows(CompareException.class, () -> Selection.resolve(List.of()))
            .getMessage()
            .contains("no runs selected"));
    assertTrue(
        assertThrows(
                CompareException.class,
                () -> Selection.resolve(List.of(tmp.resolve("nope").toString())))
            .getMessage()
            .contains("no such directory"));
    assertTrue(
        assertThrows(CompareException.class, () -> Selection.resolve(List.of(root + "/zzz*")))
            .getMessage()
            .contains("matches nothing"));
    assertEquals(5, Selection.resolve(List.of(root + "/adam_s*")).runDirs().size());
  }

  @Test
  void aJobThatFailsWhileWritingLeavesNoOutputBehind() throws Exception {
    Selection sel = Selection.resolve(List.of(root.resolve("adam_s1").toString()));
    RunInspection r = RunInspector.inspect(sel.runDirs().get(0), "adam_s1", "eval.valid_loss");
    Map<String, Grouping.Labels> labels = Grouping.label(Map.of("adam_s1", r.conf()));
    List<RunResult> results =
        List.of(
            new RunResult(
                "adam_s1",
                "logreg@digits",
                labels.get("adam_s1").method(),
                false,
                199,
                4,
                0.1,
                List.of(new EvalPoint(49, 1, 0.2))));
    CompareOutput o =
        new CompareOutput(
            sel,
            settings(),
            List.of(r),
            labels,
            Map.of("adam_s1", new MetricsFrames.RunEnd(4, 199, 4, 0.1)),
            results,
            new Comparison(results, settings()),
            List.of(),
            List.of());
    Path out = tmp.resolve("failing");
    // no Spark session: runs.csv is written, then the Parquet copy fails
    assertThrows(NullPointerException.class, () -> o.write(null, Location.local(out), false));
    assertFalse(Files.exists(out));
    try (Stream<Path> s = Files.list(tmp)) {
      assertTrue(
          s.noneMatch(p -> p.getFileName().toString().startsWith(".failing")),
          "temporary directory removed");
    }
  }
}
