package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.optimbench.jobs.train.TrainCli.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.run.RunStatus;

/**
 * Train's options for schedulers that run each run of a sweep as its own task (the Airflow DAG):
 * {@code --list-runs} prints the expanded names without starting Spark; {@code --run NAME} trains
 * that run alone; an unknown name exits 2 naming it and the conf.
 */
class TrainRunSelectionTest {
  @TempDir Path tmp;

  private static Path quickstart() {
    return Path.of("..").toAbsolutePath().normalize().resolve("conf/quickstart.yaml");
  }

  @Test
  void listRunsPrintsTheSweepsRunNamesOnePerLineWithoutStartingSpark() throws Exception {
    scala.Option<SparkSession> before = SparkSession.getDefaultSession();
    TrainCli.Result r = train("--list-runs", quickstart().toString(), "steps=20");
    assertEquals(0, r.exit(), r.err());
    List<String> expected =
        RunConf.load(quickstart(), List.of("steps=20")).stream().map(c -> c.name()).toList();
    assertEquals(expected, r.out().lines().toList());
    assertTrue(expected.size() > 1, "quickstart is a sweep: " + expected);
    assertTrue(
        expected.stream().anyMatch(n -> n.startsWith("quickstart__optimizer=prodigy")),
        expected.toString());
    TrainCli.assertNoNewSession(before);
  }

  @Test
  void listRunsOnABadConfExits2NamingTheKey() throws Exception {
    TrainCli.Result r = train("--list-runs", quickstart().toString(), "stepz=20");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("stepz") && r.err().contains("quickstart.yaml"), r.err());
  }

  @Test
  void anUnknownRunNameExits2NamingItAndTheConf() {
    scala.Option<SparkSession> before = SparkSession.getDefaultSession();
    TrainCli.Result r = train("--run", "quickstart__optimizer=nope", quickstart().toString());
    assertEquals(2, r.exit());
    assertTrue(
        r.err().contains("'quickstart__optimizer=nope'") && r.err().contains("quickstart.yaml"),
        r.err());
    TrainCli.assertNoNewSession(before);
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
      TrainCli.Result r = train("--run", names.get(1), conf.toString());
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
  void aDataDirectoryOfTheWrongKindExits2NamingItBeforeSparkStarts() throws Exception {
    scala.Option<SparkSession> before = SparkSession.getDefaultSession();
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
    TrainCli.Result r = train(conf.toString());
    assertEquals(2, r.exit(), r.err());
    assertTrue(r.err().contains("data.train") && r.err().contains("'criteo'"), r.err());
    TrainCli.assertNoNewSession(before);
  }
}
