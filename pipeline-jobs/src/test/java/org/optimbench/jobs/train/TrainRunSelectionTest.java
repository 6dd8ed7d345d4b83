package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.run.RunStatus;
import picocli.CommandLine;

/**
 * Train's options for schedulers that run each run of a sweep as its own task (the Airflow DAG):
 * {@code --list-runs} prints the expanded names without starting Spark; {@code --run NAME} trains
 * that run alone; an unknown name exits 2 naming it and the conf.
 */
class TrainRunSelectionTest {
  @TempDir Path tmp;

  private record Result(int exit, String out, String err) {}

  private static Result train(String... args) {
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

  private static Path quickstart() {
    return Path.of("..").toAbsolutePath().normalize().resolve("conf/quickstart.yaml");
  }

  /**
   * No session was started by the call: the default session is absent or the one that was there
   * before (another test class in this JVM may still be clearing its own, asynchronously).
   */
  private static void assertNoNewSession(scala.Option<SparkSession> before) {
    scala.Option<SparkSession> after = SparkSession.getDefaultSession();
    assertTrue(
        after.isEmpty() || (before.isDefined() && after.get() == before.get()),
        "a Spark session was started");
  }

  @Test
  void listRunsPrintsTheSweepsRunNamesOnePerLineWithoutStartingSpark() throws Exception {
    scala.Option<SparkSession> before = SparkSession.getDefaultSession();
    Result r = train("--list-runs", quickstart().toString(), "steps=20");
    assertEquals(0, r.exit(), r.err());
    List<String> expected =
        RunConf.load(quickstart(), List.of("steps=20")).stream()
            .map(c -> c.string("name"))
            .toList();
    assertEquals(expected, r.out().lines().toList());
    assertTrue(expected.size() > 1, "quickstart is a sweep: " + expected);
    assertTrue(
        expected.stream().anyMatch(n -> n.startsWith("quickstart__optimizer=prodigy")),
        expected.toString());
    assertNoNewSession(before);
  }

  @Test
  void listRunsOnABadConfExits2NamingTheKey() throws Exception {
    Result r = train("--list-runs", quickstart().toString(), "stepz=20");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("stepz") && r.err().contains("quickstart.yaml"), r.err());
  }

  @Test
  void anUnknownRunNameExits2NamingItAndTheConf() {
    scala.Option<SparkSession> before = SparkSession.getDefaultSession();
    Result r = train("--run", "quickstart__optimizer=nope", quickstart().toString());
    assertEquals(2, r.exit());
    assertTrue(
        r.err().contains("'quickstart__optimizer=nope'") && r.err().contains("quickstart.yaml"),
        r.err());
    assertNoNewSession(before);
  }

  @Test
  void runTrainsOnlyTheNamedRunOfTheSweep() throws Exception {
    Path iris = Path.of("..").toAbsolutePath().normalize().resolve("data/libsvm/iris");
    Path conf = tmp.resolve("pick.yaml");
    Files.writeString(
        conf,
        """
        data: {source: %s, train: %s}
        optimizer: {name: sgd, hparams: {lr: 0.1}}
        mode: single
        workers: 1
        steps: 4
        batch_size: 8
        eval_every: 4
        checkpoint_every: 4
        log_every: 2
        spark.master: local[1]
        output: %s
        sweep:
          optimizer.hparams.lr: [0.1, 0.01]
        """
            .formatted(iris, tmp.resolve("prep"), tmp.resolve("runs")));
    List<String> names = train("--list-runs", conf.toString()).out().lines().toList();
    assertEquals(List.of("pick__lr=0.1", "pick__lr=0.01"), names);

    System.setProperty("spark.ui.enabled", "false");
    try {
      Result r = train("--run", names.get(1), conf.toString());
      assertEquals(0, r.exit(), r.out() + r.err());
    } finally {
      System.clearProperty("spark.ui.enabled");
    }
    assertEquals(
        RunStatus.State.COMPLETED,
        RunStatus.read(tmp.resolve("runs").resolve(names.get(1))).orElseThrow().state());
    assertFalse(
        Files.exists(tmp.resolve("runs").resolve(names.get(0))),
        "the other run of the sweep was not started");
  }

  @Test
  void aDataDirectoryOfTheWrongKindFoundAfterSparkStartedStillExits2NamingIt() throws Exception {
    Path data = tmp.resolve("criteo-out");
    Files.createDirectories(data);
    Files.writeString(data.resolve("manifest.json"), "{\"job\": \"criteo\", \"num_dense\": 13}");
    Files.writeString(data.resolve("_SUCCESS"), "");
    Path conf = tmp.resolve("kind.yaml");
    Files.writeString(
        conf,
        """
        data: {train: %s}
        optimizer: {name: sgd}
        steps: 2
        spark.master: local[1]
        output: %s
        """
            .formatted(data, tmp.resolve("runs")));
    Result r = train(conf.toString());
    assertEquals(2, r.exit(), r.err());
    assertTrue(r.err().contains("data.train") && r.err().contains("'criteo'"), r.err());
  }
}
