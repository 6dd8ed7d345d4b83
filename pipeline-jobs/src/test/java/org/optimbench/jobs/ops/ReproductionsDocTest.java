package org.optimbench.jobs.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.compare.CompareJob;
import org.optimbench.jobs.compare.CompareSettings;
import org.optimbench.jobs.compare.Grouping;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.refine.RefineSchedule;
import org.optimbench.jobs.train.TrainedRun;

/**
 * Keeps docs/REPRODUCTIONS.md's commands runnable. Every section's table has the columns claim,
 * paper, ours, command, runtime, verdict; every row names a command, a measured runtime and one of
 * the three verdicts. Every command's confs (the conf of {@code scripts/run-pipeline CONF}, the
 * confs a {@code scripts/experiments/*} script trains) load with the command's arguments plus the
 * smoke overrides {@code steps=20 epochs=0}. Then, at smoke size in this JVM, the first run of
 * every such conf trains on the repository's data (a refined schedule an earlier stage writes is
 * refined from that stage's run, as the script does), and so does the first run of the method the
 * conf's compare section names as its reference; each experiment's runs are then compared with that
 * compare section into the summary.csv and scores.csv the tables read.
 */
class ReproductionsDocTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path DOC = ROOT.resolve("docs/REPRODUCTIONS.md");
  static final String HEADER = "| claim | paper | ours | command | runtime | verdict |";
  static final List<String> VERDICTS = List.of("reproduced", "not at this scale", "contradicted");
  static final List<String> SMOKE = List.of("steps=20", "epochs=0");

  record Row(int line, String section, List<String> commands, String runtime, String verdict) {}

  @TempDir static Path tmp;
  static SparkSession spark;

  @BeforeAll
  static void setUp() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("reproductions-doc-test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
    spark.sparkContext().setLogLevel("ERROR");
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
  }

  @Test
  void everyRowHasACommandARuntimeAndAVerdict() throws IOException {
    List<String> lines = Files.readAllLines(DOC);
    List<Row> rows = rows(lines);
    Set<String> sections = new LinkedHashSet<>();
    for (String l : lines) if (l.startsWith("## ")) sections.add(l.substring(3));
    Set<String> withRows = new LinkedHashSet<>();
    for (Row r : rows) withRows.add(r.section());
    for (String s : sections)
      if (!s.equals("How to read this"))
        assertTrue(withRows.contains(s), "'" + s + "' has no table");
  }

  @Test
  void theSeedPapersHeadlineExperimentsAreCovered() throws IOException {
    Set<String> commands = new LinkedHashSet<>();
    for (Row r : rows(Files.readAllLines(DOC))) commands.addAll(r.commands());
    String all = String.join("\n", commands);
    for (String needed :
        List.of(
            "conf/experiments/lrfree-libsvm-suite.yaml",
            "conf/experiments/lrfree-libsvm-suite-paper.yaml",
            "conf/experiments/momo-lr.yaml",
            "conf/experiments/mechanic-libsvm.yaml",
            "scripts/experiments/schedules",
            "conf/experiments/schedules-peak.yaml",
            "scripts/experiments/grafting",
            "scripts/experiments/marthe"))
      assertTrue(all.contains(needed), "no command runs " + needed + ":\n" + all);
  }

  /** The parser fails a table whose row lacks a command, a runtime or a known verdict. */
  @Test
  void aRowWithoutACommandRuntimeOrVerdictIsRejected() {
    String ok = "| c | p | o | `scripts/experiments/marthe` | 3 min | reproduced |";
    assertEquals(1, rows(List.of("## A", HEADER, "|---|---|---|---|---|---|", ok)).size());
    for (String bad :
        List.of(
            "| c | p | o | scripts/experiments/marthe | 3 min | reproduced |",
            "| c | p | o | `scripts/experiments/marthe` |  | reproduced |",
            "| c | p | o | `scripts/experiments/marthe` | 3 min | plausible |",
            "| c | p | o | `scripts/experiments/marthe` | 3 min |"))
      assertThrows(
          AssertionError.class,
          () -> rows(List.of("## A", HEADER, "|---|---|---|---|---|---|", bad)),
          bad);
  }

  @TestFactory
  Stream<DynamicTest> everyCommandsConfsLoadAtSmokeSize() throws IOException {
    return distinctCommands().stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c,
                    () -> {
                      List<String> t = BenchmarksDocTest.tokens(c);
                      for (Path conf : confs(t)) {
                        List<String> overrides = new ArrayList<>(arguments(t));
                        overrides.addAll(SMOKE);
                        overrides.add("output=" + tmp.resolve("load"));
                        try {
                          assertFalse(RunConf.load(conf, overrides).isEmpty(), c);
                        } catch (IOException | RuntimeException e) {
                          throw new AssertionError(c + ": " + ROOT.relativize(conf), e);
                        }
                      }
                    }));
  }

  /**
   * At smoke size: the first run of each conf trains, and each experiment's output compares into
   * the tables the document reads.
   */
  @Test
  void theFirstRunOfEveryConfTrainsAndEachExperimentCompares() throws Exception {
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    Map<String, Path> compareConfOfOutput = new LinkedHashMap<>();
    Map<String, Path> lastRunOfOutput = new LinkedHashMap<>();
    Map<String, List<RunConfig>> runsOfOutput = new LinkedHashMap<>();
    Set<String> trainedRuns = new LinkedHashSet<>();
    Set<Path> trained = new LinkedHashSet<>();
    for (String c : distinctCommands()) {
      List<String> t = BenchmarksDocTest.tokens(c);
      for (Path conf : confs(t)) {
        if (!trained.add(conf)) continue;
        Path local = rerooted(conf);
        List<String> overrides = new ArrayList<>(arguments(t));
        overrides.addAll(SMOKE);
        List<RunConfig> all = RunConf.load(local, overrides);
        RunConfig first = all.get(0);
        String out = first.output();
        runsOfOutput.computeIfAbsent(out, k -> new ArrayList<>()).addAll(all);
        if (first.schedule().name().equals("refined")
            && first.schedule().hparams().get("path") instanceof String file
            && !Files.exists(Path.of(file))) {
          // written by the experiment's first stage: refine it from that stage's run, as the
          // script does
          Path from = lastRunOfOutput.get(out);
          assertTrue(from != null, c + ": nothing to refine " + file + " from");
          int exit =
              new picocli.CommandLine(new RefineSchedule())
                  .setCaseInsensitiveEnumValuesAllowed(true)
                  .execute(
                      "--metrics",
                      from.toString(),
                      "--norm-column",
                      "grad_norm",
                      "--kind",
                      "l2",
                      "--steps",
                      "20",
                      "--out",
                      file);
          assertEquals(0, exit, c + ": refine-schedule from " + from);
        }
        Path runDir = Path.of(out).resolve(first.name());
        TrainedRun.train(spark, List.of(first), runDir);
        trainedRuns.add(runDir.toString());
        lastRunOfOutput.put(out, runDir);
        compareConfOfOutput.putIfAbsent(out, local);
      }
    }
    for (Map.Entry<String, Path> e : compareConfOfOutput.entrySet()) {
      RunConfig any = RunConf.load(e.getValue(), SMOKE).get(0);
      // the reference must name a method of the whole experiment (its speedups are relative to
      // it, and compare refuses a reference it does not find); its first run trains too
      if (any.compare().get("reference") instanceof String reference) {
        Map<String, Map<String, Object>> trees = new LinkedHashMap<>();
        for (RunConfig r : runsOfOutput.get(e.getKey())) trees.put(r.name(), r.resolvedTree());
        Map<String, Grouping.Labels> labels = Grouping.label(trees);
        RunConfig ref =
            runsOfOutput.get(e.getKey()).stream()
                .filter(r -> labels.get(r.name()).method().equals(reference))
                .findFirst()
                .orElseThrow(
                    () ->
                        new AssertionError(
                            e.getValue().getFileName()
                                + ": compare.reference '"
                                + reference
                                + "' is none of the experiment's methods"));
        Path runDir = Path.of(e.getKey()).resolve(ref.name());
        if (trainedRuns.add(runDir.toString())) TrainedRun.train(spark, List.of(ref), runDir);
      }
      Path out = Path.of(e.getKey()).resolve("compare");
      CompareJob.run(
          spark,
          new CompareJob.Request(
              List.of(e.getKey()), CompareSettings.parse(any.compare()), out, false),
          quiet);
      List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
      assertTrue(summary.size() >= 2, out + ": summary.csv has no rows");
      assertTrue(
          summary.get(1).contains(String.valueOf(any.compare().get("metric"))),
          out + ": summary.csv is not of the conf's metric: " + summary.get(1));
      assertTrue(Files.readAllLines(out.resolve("scores.csv")).size() >= 2, out + ": scores.csv");
    }
  }

  // ---- the document ----

  /** The rows of every table of the document, checked as they are read. */
  static List<Row> rows(List<String> lines) {
    List<Row> out = new ArrayList<>();
    Pattern code = Pattern.compile("`([^`]+)`");
    for (MarkdownTables.Row t : MarkdownTables.rows(lines, HEADER, "REPRODUCTIONS.md")) {
      String where = "REPRODUCTIONS.md line " + t.line();
      List<String> commands = new ArrayList<>();
      Matcher m = code.matcher(t.cells().get(3));
      while (m.find()) commands.add(m.group(1));
      String runtime = t.cells().get(4);
      String verdict = t.cells().get(5);
      if (commands.isEmpty()) fail(where + ": no `command` in '" + t.cells().get(3) + "'");
      if (!runtime.matches(".*\\d+ ?(s|min|h)\\b.*"))
        fail(where + ": runtime '" + runtime + "' is not a measured duration");
      if (VERDICTS.stream().noneMatch(verdict.replace("*", "")::startsWith))
        fail(where + ": verdict '" + verdict + "' is none of " + VERDICTS);
      out.add(new Row(t.line(), t.section(), commands, runtime, verdict));
    }
    return out;
  }

  static List<String> distinctCommands() throws IOException {
    Set<String> out = new LinkedHashSet<>();
    for (Row r : rows(Files.readAllLines(DOC))) out.addAll(r.commands());
    assertFalse(out.isEmpty(), "no commands in " + DOC);
    return new ArrayList<>(out);
  }

  /** The confs a command trains, in order. */
  static List<Path> confs(List<String> tokens) throws IOException {
    String script = BenchmarksDocTest.script(tokens);
    Path file = ROOT.resolve(script);
    assertTrue(Files.isExecutable(file), script + " is not an executable script");
    if (script.equals("scripts/run-pipeline") || script.equals("scripts/train")) {
      List<String> args = tokens.subList(tokens.indexOf(script) + 1, tokens.size());
      assertFalse(args.isEmpty(), script + " needs a conf");
      return List.of(ROOT.resolve(args.get(0)));
    }
    assertTrue(script.startsWith("scripts/experiments/"), script + ": not an experiment command");
    List<Path> out = new ArrayList<>();
    Matcher m =
        Pattern.compile("conf/experiments/[\\w.-]+\\.ya?ml").matcher(Files.readString(file));
    while (m.find()) {
      Path p = ROOT.resolve(m.group());
      if (!out.contains(p)) out.add(p);
    }
    assertFalse(out.isEmpty(), script + " names no conf");
    return out;
  }

  /** The dotted.key=value arguments of a command (after a run-pipeline conf). */
  static List<String> arguments(List<String> tokens) {
    String script = BenchmarksDocTest.script(tokens);
    int from = tokens.indexOf(script) + (script.equals("scripts/run-pipeline") ? 2 : 1);
    return tokens.subList(Math.min(from, tokens.size()), tokens.size());
  }

  /**
   * A copy of {@code conf} under the same file name (run names come from it) whose relative paths
   * point into the repository ({@code data/...}) and into this test's folder ({@code work/...}),
   * since confs name paths relative to the repository root and this JVM runs in the module.
   */
  static Path rerooted(Path conf) throws IOException {
    String text =
        Files.readString(conf)
            .replaceAll("(?<=[\\s{\\[,])work/", tmp.resolve("work") + "/")
            .replaceAll("(?<=[\\s{\\[,])data/", ROOT.resolve("data") + "/");
    Path dir = Files.createDirectories(tmp.resolve("confs"));
    return Files.writeString(dir.resolve(conf.getFileName()), text);
  }
}
