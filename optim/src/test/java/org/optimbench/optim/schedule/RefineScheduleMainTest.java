package org.optimbench.optim.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RefineScheduleMainTest {
  @TempDir Path dir;

  private String stderr;
  private String stdout;

  private int run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc =
        RefineScheduleMain.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    stdout = out.toString(StandardCharsets.UTF_8);
    stderr = err.toString(StandardCharsets.UTF_8);
    return rc;
  }

  private Path csv(String name, String... lines) throws IOException {
    Path f = dir.resolve(name);
    Files.write(f, List.of(lines), StandardCharsets.UTF_8);
    return f;
  }

  /**
   * A metrics log with constant norms, logged every 10 steps up to step 990, plus a loss column.
   */
  private Path constantLog() throws IOException {
    List<String> lines =
        new ArrayList<>(List.of("step,loss,grad_norm,layer0/grad_l1,layer1/grad_l1"));
    for (int s = 0; s < 1000; s += 10)
      lines.add(s + "," + (1.0 / (s + 1)) + ",2.5,4," + (s < 500 ? "" : "3"));
    return csv("metrics.csv", lines.toArray(String[]::new));
  }

  @Test
  void writesALinearDecayForConstantNormsOverTheLoggedRunLength() throws IOException {
    Path out = dir.resolve("sched/schedule.csv");
    assertEquals(
        0,
        run(
            "--metrics",
            constantLog().toString(),
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
  void stepsAndNoSmoothingOptions() throws IOException {
    Path out = dir.resolve("s.csv");
    assertEquals(
        0,
        run(
            "--metrics",
            constantLog().toString(),
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
            constantLog().toString(),
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
  void helpMentionsParquetAndExitsZero() {
    assertEquals(0, run("--help"));
    assertTrue(stdout.contains("Parquet") && stdout.contains("--norm-column"), stdout);
  }

  private void bad(String expected, Path metrics, String... extra) {
    Path out = dir.resolve("never.csv");
    List<String> args =
        new ArrayList<>(List.of("--metrics", metrics.toString(), "--out", out.toString()));
    args.addAll(List.of(extra));
    assertEquals(2, run(args.toArray(String[]::new)));
    assertTrue(
        stderr.startsWith("refine-schedule: ") && stderr.contains(expected), "stderr: " + stderr);
    assertEquals(1, stderr.strip().lines().count(), "one line: " + stderr);
    assertFalse(Files.exists(out));
  }

  @Test
  void badInputExitsTwoNamingFileLineAndColumn() throws IOException {
    String[] l2 = {"--norm-column", "grad_norm", "--kind", "l2"};
    Path notNumber = csv("a.csv", "step,grad_norm", "0,1.0", "1,abc", "2,1.0");
    bad("a.csv line 3 column grad_norm: 'abc' is not a number", notNumber, l2);
    bad("b.csv line 3 column grad_norm: NaN", csv("b.csv", "step,grad_norm", "0,1.0", "1,NaN"), l2);
    bad(
        "c.csv line 2 column grad_norm: gradient norm -1 must be > 0",
        csv("c.csv", "step,grad_norm", "0,-1", "1,1"),
        l2);
    bad(
        "d.csv line 4 column step: step 1 after step 2",
        csv("d.csv", "step,grad_norm", "0,1", "2,1", "1,1"),
        l2);
    bad(
        "e.csv line 2 column step: '0.5' is not an integer step",
        csv("e.csv", "step,grad_norm", "0.5,1"),
        l2);
    bad(
        "f.csv line 3: 3 fields, the header has 2",
        csv("f.csv", "step,grad_norm", "0,1", "1,1,1"),
        l2);
    bad("g.csv line 1: no column 'grad_norm'", csv("g.csv", "step,gnorm", "0,1"), l2);
    bad("h.csv: no data rows", csv("h.csv", "step,grad_norm"), l2);
    bad(
        "column grad_norm: 3 finite gradient norms, need at least 6",
        csv("i.csv", "step,grad_norm", "0,1", "1,1", "2,inf", "3,1"),
        l2);
    bad("nothing.csv: no such file", dir.resolve("nothing.csv"), l2);
    Path ok = csv("ok.csv", "step,grad_norm", "0,1", "1,1", "2,1");
    bad("--kind is required", ok, "--norm-column", "grad_norm");
    bad("--kind: 'l3' is not l2 or l1", ok, "--norm-column", "grad_norm", "--kind", "l3");
    bad("unknown argument '--smooth'", ok, "--smooth");
    bad(
        "--steps: 1 must be in [2, 2^31)",
        ok,
        "--norm-column",
        "grad_norm",
        "--kind",
        "l1",
        "--no-smoothing",
        "--steps",
        "1");
    bad("--norm-column is required", ok, "--kind", "l1");
  }
}
