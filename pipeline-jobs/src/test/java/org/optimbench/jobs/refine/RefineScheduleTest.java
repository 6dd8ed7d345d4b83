package org.optimbench.jobs.refine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.optim.schedule.RefinedSchedule;
import picocli.CommandLine;

/**
 * refine-schedule on CSV logs and run directories (no Spark): the schedules, the options, and the
 * exit codes and one-line messages of bad input (1) and bad usage (2). Parquet logs:
 * RefineScheduleParquetTest.
 */
class RefineScheduleTest {
  @TempDir Path dir;

  private String stderr;
  private String stdout;

  private int run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = RefineSchedule.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int rc = cl.execute(args);
    stdout = out.toString();
    stderr = err.toString();
    return rc;
  }

  private Path csv(String name, String... lines) throws IOException {
    Path f = dir.resolve(name);
    Files.createDirectories(f.getParent());
    Files.write(f, List.of(lines), StandardCharsets.UTF_8);
    return f;
  }

  /**
   * A metrics log with constant norms, logged every 10 steps up to step 990, plus a loss column.
   */
  private Path constantLog(String name) throws IOException {
    List<String> lines =
        new ArrayList<>(List.of("step,loss,grad_norm,layer0/grad_l1,layer1/grad_l1"));
    for (int s = 0; s < 1000; s += 10)
      lines.add(s + "," + (1.0 / (s + 1)) + ",2.5,4," + (s < 500 ? "" : "3"));
    return csv(name, lines.toArray(String[]::new));
  }

  @Test
  void writesALinearDecayForConstantNormsOverTheLoggedRunLength() throws IOException {
    Path out = dir.resolve("sched/schedule.csv");
    assertEquals(
        0,
        run(
            "--metrics",
            constantLog("metrics.csv").toString(),
            "--norm-column",
            "grad_norm",
            "--kind",
            "l2",
            "--out",
            out.toString()),
        stderr);
    double[] f = RefinedSchedule.read(out).factors();
    assertEquals(991, f.length, "last logged step + 1");
    for (int t = 0; t < f.length; t++) assertEquals((990.0 - t) / 990.0, f[t], 1e-12);
    assertTrue(stdout.contains("peak at step 0"), stdout);
    try (Stream<Path> s = Files.list(out.getParent())) {
      assertEquals(List.of(out), s.toList(), "no temporary file left behind");
    }
  }

  @Test
  void aRunDirectoryIsReadThroughItsMetricsCsv() throws IOException {
    Path run = dir.resolve("runs/sgd_seed=1");
    constantLog("runs/sgd_seed=1/metrics.csv");
    Path fromDir = dir.resolve("a.csv");
    Path fromFile = dir.resolve("b.csv");
    String[] rest = {"--norm-column", "grad_norm", "--kind", "l2", "--steps", "300", "--out"};
    List<String> a = new ArrayList<>(List.of("--metrics", run.toString()));
    a.addAll(List.of(rest));
    a.add(fromDir.toString());
    assertEquals(0, run(a.toArray(String[]::new)), stderr);
    assertTrue(stdout.contains("(from " + run.resolve("metrics.csv") + ")"), stdout);
    List<String> b = new ArrayList<>(List.of("--metrics", run.resolve("metrics.csv").toString()));
    b.addAll(List.of(rest));
    b.add(fromFile.toString());
    assertEquals(0, run(b.toArray(String[]::new)), stderr);
    assertArrayEquals(Files.readAllBytes(fromFile), Files.readAllBytes(fromDir));
    assertEquals(300, RefinedSchedule.read(fromDir).length());
  }

  @Test
  void stepsAndNoSmoothingOptions() throws IOException {
    Path out = dir.resolve("s.csv");
    assertEquals(
        0,
        run(
            "--metrics",
            constantLog("metrics.csv").toString(),
            "--norm-column",
            "grad_norm",
            "--kind",
            "L1",
            "--no-smoothing",
            "--steps",
            "5",
            "--out",
            out.toString()),
        stderr);
    assertArrayEquals(
        new double[] {1, 0.75, 0.5, 0.25, 0}, RefinedSchedule.read(out).factors(), 1e-15);
  }

  @Test
  void writesOneFilePerCoordinateGroup() throws IOException {
    Path out = dir.resolve("schedule.csv");
    assertEquals(
        0,
        run(
            "--metrics",
            constantLog("metrics.csv").toString(),
            "--norm-column",
            "layer0/grad_l1,layer1/grad_l1",
            "--kind",
            "l1",
            "--steps",
            "100",
            "--out",
            out.toString()),
        stderr);
    assertFalse(Files.exists(out));
    for (String g : List.of("layer0_grad_l1", "layer1_grad_l1")) {
      double[] f = RefinedSchedule.read(dir.resolve("schedule." + g + ".csv")).factors();
      assertEquals(100, f.length);
      assertEquals(1.0, f[0], 1e-12);
      assertEquals(0.0, f[99], 0.0);
    }
  }

  @Test
  void readsTheReferenceRepositorysQuotedWandbExports() throws IOException {
    List<String> lines =
        new ArrayList<>(List.of("\"Step\",\"run - gradient_norm\",\"run - gradient_norm__MIN\""));
    for (int s = 0; s < 50; s++)
      lines.add("\"" + (10 * s) + "\",\"" + (s < 3 ? "inf" : "1.25") + "\",\"0\"");
    Path out = dir.resolve("q.csv");
    assertEquals(
        0,
        run(
            "--metrics",
            csv("q_in.csv", lines.toArray(String[]::new)).toString(),
            "--step-column",
            "Step",
            "--norm-column",
            "run - gradient_norm",
            "--kind",
            "l2",
            "--out",
            out.toString()),
        stderr);
    assertEquals(491, RefinedSchedule.read(out).length());
  }

  @Test
  void helpNamesEveryInputKindAndExitsZero() {
    assertEquals(0, run("--help"));
    assertTrue(
        stdout.contains("run directory")
            && stdout.contains("metrics.parquet")
            && stdout.contains("--norm-column"),
        stdout);
  }

  private void bad(int code, String expected, Path metrics, String... extra) {
    Path out = dir.resolve("never.csv");
    List<String> args =
        new ArrayList<>(List.of("--metrics", metrics.toString(), "--out", out.toString()));
    args.addAll(List.of(extra));
    assertEquals(code, run(args.toArray(String[]::new)), stderr);
    assertTrue(stderr.contains(expected), "stderr: " + stderr);
    if (code == 1) {
      assertTrue(stderr.startsWith("refine-schedule: "), stderr);
      assertEquals(1, stderr.strip().lines().count(), "one line: " + stderr);
    }
    assertFalse(Files.exists(out));
  }

  @Test
  void badInputExitsOneNamingFileLineAndColumn() throws IOException {
    String[] l2 = {"--norm-column", "grad_norm", "--kind", "l2"};
    Path notNumber = csv("a.csv", "step,grad_norm", "0,1.0", "1,abc", "2,1.0");
    bad(1, "a.csv line 3 column grad_norm: 'abc' is not a number", notNumber, l2);
    bad(
        1,
        "b.csv line 3 column grad_norm: NaN",
        csv("b.csv", "step,grad_norm", "0,1.0", "1,NaN"),
        l2);
    bad(
        1,
        "c.csv line 2 column grad_norm: gradient norm -1 must be > 0",
        csv("c.csv", "step,grad_norm", "0,-1", "1,1"),
        l2);
    bad(
        1,
        "d.csv line 4 column step: step 1 after step 2",
        csv("d.csv", "step,grad_norm", "0,1", "2,1", "1,1"),
        l2);
    bad(
        1,
        "e.csv line 2 column step: '0.5' is not an integer step",
        csv("e.csv", "step,grad_norm", "0.5,1"),
        l2);
    bad(
        1,
        "f.csv line 3: 3 fields, the header has 2",
        csv("f.csv", "step,grad_norm", "0,1", "1,1,1"),
        l2);
    bad(1, "g.csv line 1: no column 'grad_norm'", csv("g.csv", "step,gnorm", "0,1"), l2);
    bad(1, "h.csv: no data rows", csv("h.csv", "step,grad_norm"), l2);
    bad(
        1,
        "column grad_norm: 3 finite gradient norms, need at least 6",
        csv("i.csv", "step,grad_norm", "0,1", "1,1", "2,inf", "3,1"),
        l2);
    bad(
        1,
        "j.csv: last logged step 0 gives a run of 1 steps",
        csv("j.csv", "step,grad_norm", "0,1"),
        l2);
    bad(1, "nothing.csv: no such file", dir.resolve("nothing.csv"), l2);
    Files.createDirectories(dir.resolve("empty-run"));
    bad(
        1,
        "empty-run: not a run directory (no metrics.csv or metrics.parquet) nor a Parquet log",
        dir.resolve("empty-run"),
        l2);
  }

  @Test
  void badUsageExitsTwoNamingTheOptionBeforeReadingTheLog() throws IOException {
    Path ok = csv("ok.csv", "step,grad_norm", "0,1", "1,1", "2,1");
    bad(2, "Missing required option: '--kind=l2|l1'", ok, "--norm-column", "grad_norm");
    bad(2, "--kind", ok, "--norm-column", "grad_norm", "--kind", "l3");
    assertTrue(stderr.contains("'l3'"), stderr);
    bad(
        2,
        "Unknown option: '--smooth'",
        ok,
        "--norm-column",
        "grad_norm",
        "--kind",
        "l1",
        "--smooth");
    bad(
        2,
        "--steps: 1 must be >= 2",
        ok,
        "--norm-column",
        "grad_norm",
        "--kind",
        "l1",
        "--no-smoothing",
        "--steps",
        "1");
    bad(2, "Missing required option: '--norm-column=NAME'", ok, "--kind", "l1");
    bad(2, "'grad_norm' given twice", ok, "--norm-column", "grad_norm,grad_norm", "--kind", "l1");
    bad(2, "'step' is the step column", ok, "--norm-column", "step", "--kind", "l1");
    bad(2, "two groups map to the same file", ok, "--norm-column", "a/b,a_b", "--kind", "l1");
    // the options are checked before the log is opened: a missing log is not reported
    bad(
        2,
        "--steps: 0",
        dir.resolve("nothing.csv"),
        "--norm-column",
        "g",
        "--kind",
        "l2",
        "--steps",
        "0");
    assertFalse(stderr.contains("no such file"), stderr);
  }
}
