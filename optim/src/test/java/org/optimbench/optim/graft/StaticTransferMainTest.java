package org.optimbench.optim.graft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The static-transfer command: multipliers of a grafted run's log as JSON, errors naming the input
 * (exit 1), bad usage (exit 2).
 */
class StaticTransferMainTest {
  @TempDir Path dir;
  private String stdout;
  private String stderr;

  private int run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new StaticTransferMain());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int rc = cl.execute(args);
    stdout = out.toString();
    stderr = err.toString();
    return rc;
  }

  @Test
  void printsTheWindowMeanOfEachLoggedLayerRatioAsJson() throws Exception {
    Path log = dir.resolve("metrics.csv");
    Files.write(
        log,
        List.of(
            "step,train_loss,diag.ratio,diag.ratio.0_W,diag.ratio.0_b",
            "9,1.0,5,1.0,10",
            "19,0.9,5,2.0,20",
            "29,0.8,5,4.0,",
            "39,0.7,5,100,100"));
    assertEquals(0, run("--metrics", log.toString(), "--from", "10", "--to", "39"), stderr);
    Map<?, ?> m = new ObjectMapper().readValue(stdout, Map.class);
    assertEquals(Map.of("0_W", 3.0, "0_b", 20.0), m);
  }

  @Test
  void badInputExitsOneWithOneLineNamingTheProblem() throws Exception {
    assertEquals(
        1, run("--metrics", dir.resolve("missing.csv").toString(), "--from", "0", "--to", "5"));
    assertEquals("static-transfer: " + dir.resolve("missing.csv") + ": no such file\n", stderr);
    Path log = dir.resolve("plain.csv");
    Files.write(log, List.of("step,train_loss", "1,0.5"));
    assertEquals(1, run("--metrics", log.toString(), "--from", "0", "--to", "5"));
    assertTrue(stderr.contains("plain.csv: no ratio.<segment> columns"), stderr);
    assertEquals(1, stderr.strip().lines().count(), stderr);
    assertEquals("", stdout);
  }

  @Test
  void badUsageExitsTwoNamingTheOption() throws Exception {
    Path log = dir.resolve("plain.csv");
    Files.write(log, List.of("step,diag.ratio.0_W", "1,0.5"));
    assertEquals(2, run("--metrics", log.toString(), "--from", "x", "--to", "5"));
    assertTrue(stderr.contains("--from") && stderr.contains("'x'"), stderr);
    assertEquals(2, run("--metrics", log.toString()));
    assertTrue(stderr.contains("Missing required options: '--from=S', '--to=E'"), stderr);
    assertEquals(2, run("--metrics", log.toString(), "--from", "5", "--to", "5"));
    assertTrue(stderr.contains("[S, E) needs 0 <= S < E"), stderr);
    assertEquals("", stdout);
    assertEquals(0, run("--help"));
    assertTrue(stdout.contains("--metrics=FILE.csv"), stdout);
  }
}
