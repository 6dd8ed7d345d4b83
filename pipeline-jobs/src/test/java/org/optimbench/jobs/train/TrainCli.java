package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;

/** Runs {@code scripts/train}'s command in this JVM with its console captured. */
final class TrainCli {
  private TrainCli() {}

  record Result(int exit, String out, String err) {}

  static Result train(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int exit = new CommandLine(new Train()).execute(args);
      return new Result(
          exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  /**
   * No session was started by the call: the default session is absent or the one that was there
   * before (another test class in this JVM may still be clearing its own, asynchronously).
   */
  static void assertNoNewSession(scala.Option<SparkSession> before) {
    scala.Option<SparkSession> after = SparkSession.getDefaultSession();
    assertTrue(
        after.isEmpty() || (before.isDefined() && after.get() == before.get()),
        "a Spark session was started");
  }
}
