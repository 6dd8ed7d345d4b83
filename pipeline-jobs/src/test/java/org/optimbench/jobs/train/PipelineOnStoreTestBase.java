package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.compare.CompareJob;
import org.optimbench.jobs.compare.CompareSettings;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.run.Checkpoints;
import org.optimbench.jobs.run.MetricsLog;
import org.optimbench.jobs.run.RunStatus;
import org.optimbench.jobs.testing.ShippedIris;

/**
 * The whole pipeline with every path on a shared store reached by URI (a subclass per store):
 * data-prep writes the prepared data there, training streams it from there and writes its run
 * directory there (metrics, checkpoints, status), a run killed after a checkpoint resumes from the
 * stored checkpoint to the same final parameters as an uninterrupted run, and the comparison reads
 * the runs from the store and writes its report there. Nothing of the runs is on the local disk.
 */
abstract class PipelineOnStoreTestBase {
  @TempDir static Path tmp;
  static SparkSession spark;

  /** The store's URI of {@code absolutePath}. */
  abstract String uri(String absolutePath);

  /** {@link #uri} as a {@link Location}. */
  abstract Location location(String absolutePath) throws IOException;

  private List<RunConfig> conf(String name, String... overrides) throws Exception {
    Path f = tmp.resolve(name + ".yaml");
    Files.writeString(
        f,
        """
        data: {train: %s}
        workload: {name: mlp, hidden: [6]}
        optimizer: {name: prodigy}
        mode: gradient_sharing
        workers: 2
        steps: 20
        batch_size: 8
        eval_every: 10
        checkpoint_every: 10
        log_every: 5
        dtype: float64
        max_restarts: 0
        output: %s
        """
            .formatted(uri("/prep/iris"), uri("/runs")));
    return RunConf.load(f, List.of(overrides));
  }

  private static void train(List<RunConfig> runs) throws Exception {
    TrainingJob.run(spark, runs, new PrintStream(OutputStream.nullOutputStream()));
  }

  private double[] finalParams(String run) throws Exception {
    return new Checkpoints(location("/runs/" + run), 2)
        .latest()
        .orElseThrow()
        .params()
        .toDoubleVector();
  }

  @Test
  void prepareTrainResumeAndCompareWithEveryPathOnTheStore() throws Exception {
    ShippedIris.prepare(spark, uri("/prep/iris"));
    assertTrue(location("/prep/iris/_SUCCESS").exists(), "data-prep wrote to the store");

    train(conf("whole"));
    assertEquals(
        RunStatus.State.COMPLETED, RunStatus.read(location("/runs/whole")).orElseThrow().state());

    System.setProperty(TrainingLoop.CRASH_PROPERTY, "13");
    try {
      train(conf("killed"));
    } finally {
      System.clearProperty(TrainingLoop.CRASH_PROPERTY);
    }
    assertFalse(
        RunStatus.read(location("/runs/killed")).orElseThrow().state()
            == RunStatus.State.COMPLETED);
    train(conf("killed")); // resumes from the checkpoint at step 10 on the store
    assertArrayEquals(finalParams("whole"), finalParams("killed"), 0.0);
    List<Map<String, Object>> rows =
        MetricsLog.read(location("/runs/killed").resolve(MetricsLog.FILE));
    assertEquals(List.of(4L, 9L, 14L, 19L), rows.stream().map(r -> (Long) r.get("step")).toList());

    Location out = location("/compare");
    CompareJob.run(
        spark,
        new CompareJob.Request(
            List.of(uri("/runs")),
            CompareSettings.parse(Map.of("metric", "eval.valid_loss")),
            out.uri(),
            false),
        new PrintStream(OutputStream.nullOutputStream()));
    assertTrue(out.resolve("report.html").exists(), "the report is on the store");
    assertTrue(
        out.resolve("report.html").readString().contains("killed"), "both runs are compared");
    assertFalse(Files.exists(Path.of("runs")), "nothing written to the local working folder");
  }
}
