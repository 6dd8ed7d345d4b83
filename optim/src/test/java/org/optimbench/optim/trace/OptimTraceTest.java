package org.optimbench.optim.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The trace command's contract (docs/OPTIM-TRACE.md): exit codes, error lines, output format. */
class OptimTraceTest {
  @TempDir Path dir;

  static final String GOOD =
      """
      {"dtype": "float64", "x": [[1, 0.5], [-1, 2], [0.3, -0.7]], "y": [0, 2, 1], "classes": 3, "hidden": 2,
       "params": {"W1": [[0.1, -0.2], [0.3, 0.4]], "b1": [0, 0.1], "W2": [[0.5, -0.5], [0.2, 0.1], [-0.3, 0.3]], "b2": [0, 0, 0.1]},
       "batches": [[0, 1], [2, 0], [1, 2]],
       "optimizer": {"name": "sgd", "hparams": {"lr": 0.5, "momentum": 0.9}},
       "schedule": {"name": "linear_decay", "total_steps": 3}}
      """;

  private record Outcome(int code, String stderr) {}

  private Outcome run(String problem) throws Exception {
    Path in = dir.resolve("p.json");
    Files.writeString(in, problem);
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      return new Outcome(
          OptimTrace.run(new String[] {in.toString(), dir.resolve("out.csv").toString()}),
          err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(old);
    }
  }

  @Test
  void writesHeaderAndOneRowPerStepWithSgdMomentumBySchedule() throws Exception {
    Outcome o = run(GOOD);
    assertEquals(0, o.code, o.stderr);
    List<String> lines = Files.readAllLines(dir.resolve("out.csv"));
    assertEquals(4, lines.size());
    assertTrue(lines.get(0).startsWith("step,loss,p0,p1,"));
    assertEquals(2 + 4 + 2 + 6 + 3, lines.get(0).split(",").length);
    // Step 0 by hand: p1 = p0 - lr * factor(0) * g0 with factor(0) = 1 (linear decay, T = 3),
    // momentum buffer = g0.
    TraceProblem p =
        TraceProblem.parse(new com.fasterxml.jackson.databind.ObjectMapper().readTree(GOOD));
    SoftmaxMlp m = p.model();
    SoftmaxMlp.LossAndGrad lg =
        m.lossAndGrad(p.initialParamsArray(), p.rows(new int[] {0, 1}), p.labels(new int[] {0, 1}));
    String[] row0 = lines.get(1).split(",");
    assertEquals(lg.loss(), Double.parseDouble(row0[1]), 0.0);
    for (int i = 0; i < 15; i++) {
      assertEquals(
          p.initialParams()[i] - 0.5 * lg.grad().getDouble(i),
          Double.parseDouble(row0[i + 2]),
          1e-15,
          "p" + i);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "unknown optimizer | \"name\": \"sgd\" | \"name\": \"adamx\" | optimizer.name",
        "unknown hparam | \"lr\": 0.5 | \"lrate\": 0.5 | optimizer.hparams.lrate",
        "negative lr | \"lr\": 0.5 | \"lr\": -0.5 | optimizer.hparams.lr",
        "ill-typed hparam | \"momentum\": 0.9 | \"momentum\": \"high\" | optimizer.hparams.momentum",
        "label out of range | \"y\": [0, 2, 1] | \"y\": [0, 3, 1] | y[1]",
        "shape mismatch | \"b1\": [0, 0.1] | \"b1\": [0, 0.1, 0.2] | params.b1",
        "ragged x | [-1, 2], | [-1], | x[1]",
        "non-finite number | [0.3, -0.7] | [0.3, 1e999] | x[2][1]",
        "batch index out of range | [2, 0] | [2, 7] | batches[1][1]",
        "unknown schedule | \"linear_decay\" | \"linear\" | schedule.name",
        "unknown top-level key | \"classes\": 3 | \"classes\": 3, \"clases\": 3 | clases"
      })
  void badInputExitsTwoNamingTheFieldAndWritesNothing(
      String what, String from, String to, String field) throws Exception {
    assertTrue(GOOD.contains(from), what);
    Outcome o = run(GOOD.replace(from, to));
    assertEquals(2, o.code, what);
    assertEquals(1, o.stderr.strip().lines().count(), "one line: " + o.stderr);
    assertTrue(o.stderr.contains(field + ":"), what + ": " + o.stderr);
    assertFalse(Files.exists(dir.resolve("out.csv")), what + ": wrote an output");
  }

  @Test
  void malformedJsonAndMissingFileExitTwo() throws Exception {
    Outcome o = run("{\"dtype\": ");
    assertEquals(2, o.code);
    assertTrue(o.stderr.contains("malformed JSON"), o.stderr);
    assertEquals(
        2,
        OptimTrace.run(
            new String[] {dir.resolve("nope.json").toString(), dir.resolve("o.csv").toString()}));
    assertFalse(Files.exists(dir.resolve("o.csv")));
  }

  @Test
  void helpExitsZeroAndAMissingOperandIsBadUsage() throws Exception {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      assertEquals(0, OptimTrace.run(new String[] {"--help"}));
      assertTrue(
          out.toString(StandardCharsets.UTF_8).contains("PROBLEM.json OUT.csv"), out::toString);
      assertEquals(2, OptimTrace.run(new String[] {dir.resolve("p.json").toString()}));
      assertTrue(err.toString(StandardCharsets.UTF_8).contains("OUT.csv"), err::toString);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }
}
