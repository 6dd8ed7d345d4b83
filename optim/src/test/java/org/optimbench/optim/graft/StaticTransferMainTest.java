package org.optimbench.optim.graft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The static-transfer command: multipliers of a grafted run's log as JSON, errors naming the input.
 */
class StaticTransferMainTest {
  @TempDir Path dir;
  private String stdout;
  private String stderr;

  private int run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc =
        StaticTransferMain.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    stdout = out.toString(StandardCharsets.UTF_8);
    stderr = err.toString(StandardCharsets.UTF_8);
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
  void badInputExitsTwoNamingTheProblem() throws Exception {
    assertEquals(
        2, run("--metrics", dir.resolve("missing.csv").toString(), "--from", "0", "--to", "5"));
    assertTrue(stderr.contains("missing.csv: no such file"), stderr);
    Path log = dir.resolve("plain.csv");
    Files.write(log, List.of("step,train_loss", "1,0.5"));
    assertEquals(2, run("--metrics", log.toString(), "--from", "0", "--to", "5"));
    assertTrue(stderr.contains("no ratio.<segment> columns"), stderr);
    assertEquals(2, run("--metrics", log.toString(), "--from", "x", "--to", "5"));
    assertTrue(stderr.contains("--from: 'x'"), stderr);
    assertEquals(2, run("--metrics", log.toString()));
    assertTrue(stderr.contains("required"), stderr);
    assertEquals("", stdout);
  }
}
