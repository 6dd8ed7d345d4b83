package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.run.Checkpoint;
import org.optimbench.jobs.run.Checkpoints;
import org.optimbench.jobs.run.MetricsLog;
import org.optimbench.jobs.run.RunStatus;
import org.optimbench.jobs.testing.LocalSpark;
import org.optimbench.jobs.testing.ShippedIris;

/**
 * The training job end to end on Spark local[2] over data-prep's output for the shipped iris data:
 * every mode completes and writes its run directory; a run killed after a checkpoint resumes to the
 * same final parameters as an uninterrupted run (single, gradient sharing, parameter averaging); a
 * sweep re-run skips completed runs; an exploding loss ends a run as diverged and the sweep goes
 * on.
 */
class TrainingJobTest {
  @TempDir static Path tmp;
  static SparkSession spark;
  static Path data;

  @BeforeAll
  static void setUp() throws Exception {
    spark = LocalSpark.start("training-job-test");
    data = tmp.resolve("iris-prep");
    ShippedIris.prepare(spark, data.toString());
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
  }

  private static List<RunConfig> conf(String name, String... overrides) throws Exception {
    Path f = tmp.resolve(name + ".yaml");
    Files.writeString(
        f,
        """
        data: {train: %s}
        workload: {name: mlp, hidden: [6]}
        optimizer: {name: prodigy}
        schedule: {name: linear_decay}
        steps: 20
        batch_size: 8
        eval_every: 10
        checkpoint_every: 10
        log_every: 5
        dtype: float64
        output: %s
        """
            .formatted(data, tmp.resolve("runs")));
    return RunConf.load(f, List.of(overrides));
  }

  /**
   * Runs the sweep and returns what it printed (Spark local-mode tasks print to this JVM's
   * System.out).
   */
  private static String run(List<RunConfig> runs) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(b, true, StandardCharsets.UTF_8);
    PrintStream out = System.out;
    System.setOut(capture);
    try {
      TrainingJob.run(spark, runs, capture);
    } finally {
      System.setOut(out);
    }
    return b.toString(StandardCharsets.UTF_8);
  }

  private static Path dir(String run) {
    return tmp.resolve("runs").resolve(run);
  }

  private static double[] finalParams(String run) throws java.io.IOException {
    Checkpoint c = new Checkpoints(dir(run), 2).latest().orElseThrow();
    return c.params().toDoubleVector();
  }

  /**
   * {@code row_sparse} needs embedding tables: on iris read dense (input: auto, 4 features) the run
   * is refused before Spark starts; read sparse, the first layer is a table, and row-sparse SGD
   * follows plain SGD (a zero gradient moves no row either way).
   */
  @Test
  void rowSparseNeedsTablesAndItsSgdIsSgd() throws Exception {
    String rowSparse =
        "optimizer={name: row_sparse, hparams: {base: {name: sgd, hparams: {lr: 0.1}},"
            + " tables: {name: sgd, hparams: {lr: 0.1}}}}";
    List<String> problems = Preflight.problems(conf("rs-dense", rowSparse));
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(
        problems
            .get(0)
            .contains(
                "optimizer.name: row_sparse updates embedding tables, and workload mlp has none on"
                    + " this data"),
        problems.get(0));
    String sparse = "workload={name: mlp, hidden: [6], input: sparse}";
    assertEquals(List.of(), Preflight.problems(conf("rs-sparse", rowSparse, sparse)));
    run(conf("rs-sparse", rowSparse, sparse, "mode=single", "workers=1"));
    run(
        conf(
            "sgd-sparse",
            "optimizer={name: sgd, hparams: {lr: 0.1}}",
            sparse,
            "mode=single",
            "workers=1"));
    double[] a = finalParams("rs-sparse");
    double[] b = finalParams("sgd-sparse");
    for (int i = 0; i < a.length; i++)
      assertEquals(b[i], a[i], 1e-12 * Math.max(1, Math.abs(b[i])), "parameter " + i);
  }

  @Test
  void everyModeCompletesWithMetricsEvaluationAndCheckpoint() throws Exception {
    for (String mode : List.of("single", "gradient_sharing", "param_averaging")) {
      String workers = mode.equals("single") ? "1" : "2";
      String name = "modes-" + mode;
      run(conf(name, "mode=" + mode, "workers=" + workers, "averaging_frequency=5"));
      assertEquals(
          RunStatus.State.COMPLETED, RunStatus.read(dir(name)).orElseThrow().state(), mode);
      List<Map<String, Object>> rows = MetricsLog.read(dir(name).resolve(MetricsLog.FILE));
      assertEquals(4, rows.size(), mode + ": a row every 5 steps");
      for (Map<String, Object> row : rows) { // computed only for logged steps, on rank 0
        double g = ((Number) row.get("grad_norm")).doubleValue();
        assertTrue(
            g > 0 && Double.isFinite(g),
            mode + ": grad_norm at step " + row.get("step") + " is " + g);
      }
      Map<String, Object> last = rows.get(rows.size() - 1);
      assertTrue(((Double) last.get("eval.valid_accuracy")) >= 0.0, mode);
      assertTrue(last.containsKey("diag.d"), mode + ": Prodigy's d is logged");
      assertEquals(20L, new Checkpoints(dir(name), 2).latestStep().orElseThrow(), mode);
      assertTrue(Files.exists(dir(name).resolve("conf.yaml")));
      assertEquals(
          rows.size(),
          spark.read().parquet(dir(name).resolve("metrics.parquet").toString()).count(),
          mode + ": Parquet copy of the log");
    }
  }

  @Test
  void aRunKilledAfterACheckpointResumesToTheSameFinalParameters() throws Exception {
    for (String mode : List.of("single", "gradient_sharing", "param_averaging")) {
      String[] o = {
        "mode=" + mode, "workers=" + (mode.equals("single") ? "1" : "2"), "averaging_frequency=5"
      };
      run(conf("whole-" + mode, o));
      System.setProperty(TrainingLoop.CRASH_PROPERTY, "13");
      try {
        run(conf("killed-" + mode, with(o, "max_restarts=0"))); // killed for good: no restart
      } finally {
        System.clearProperty(TrainingLoop.CRASH_PROPERTY);
      }
      assertTrue(
          RunStatus.read(dir("killed-" + mode))
              .map(s -> s.state() != RunStatus.State.COMPLETED)
              .orElse(true),
          mode + ": the killed run is not complete");
      String log = run(conf("killed-" + mode, o));
      assertTrue(log.contains("resuming from the checkpoint at step 10"), mode + ": " + log);
      assertArrayEquals(finalParams("whole-" + mode), finalParams("killed-" + mode), 0.0, mode);
      // the divergence threshold's reference loss survives the resume (it was saved as an object,
      // so a resumed run took a new one)
      Object firstLoss =
          new Checkpoints(dir("killed-" + mode), 2)
              .latest()
              .orElseThrow()
              .extra()
              .get("first_loss");
      assertTrue(
          firstLoss instanceof Number, mode + ": first_loss in the checkpoint is " + firstLoss);
      List<Map<String, Object>> rows =
          MetricsLog.read(dir("killed-" + mode).resolve(MetricsLog.FILE));
      assertEquals(
          List.of(4L, 9L, 14L, 19L),
          rows.stream().map(r -> (Long) r.get("step")).toList(),
          mode + ": no duplicated rows after the resume");
    }
  }

  /**
   * With a row every step, the failed attempt has logged the row of the first step after the
   * checkpoint (step index 10 follows the checkpoint after 10 steps); the resume cuts it, so the
   * run ends with every step once and the uninterrupted run's parameters.
   */
  @Test
  void aResumeCutsTheRowsAfterItsCheckpointWhenEveryStepIsLogged() throws Exception {
    String[] o = {"mode=single", "workers=1", "log_every=1"};
    run(conf("whole-every", o));
    System.setProperty(TrainingLoop.CRASH_PROPERTY, "13");
    try {
      run(conf("killed-every", with(o, "max_restarts=0")));
    } finally {
      System.clearProperty(TrainingLoop.CRASH_PROPERTY);
    }
    String log = run(conf("killed-every", o));
    assertTrue(log.contains("resuming from the checkpoint at step 10"), log);
    assertArrayEquals(finalParams("whole-every"), finalParams("killed-every"), 0.0);
    List<Long> steps =
        MetricsLog.read(dir("killed-every").resolve(MetricsLog.FILE)).stream()
            .map(r -> (Long) r.get("step"))
            .toList();
    assertEquals(java.util.stream.LongStream.range(0, 20).boxed().toList(), steps);
  }

  /**
   * accumulation_steps = 3 of 2 rows steps like one batch of 6: a worker's micro-batches of step t
   * are rows [6t, 6t + 6) of its stream, the rows a batch of 6 takes, so both runs see the same
   * rows per step and the same gradient (to rounding).
   */
  @Test
  void accumulatedMicroBatchesTrainAsOneBatchOfTheirRows() throws Exception {
    String[] o = {"mode=gradient_sharing", "workers=2"};
    run(conf("batch-6", with(o, "batch_size=6")));
    run(conf("micro-2x3", with(o, "batch_size=2", "accumulation_steps=3")));
    assertArrayEquals(finalParams("batch-6"), finalParams("micro-2x3"), 1e-9);
    List<Map<String, Object>> whole = MetricsLog.read(dir("batch-6").resolve(MetricsLog.FILE));
    List<Map<String, Object>> micro = MetricsLog.read(dir("micro-2x3").resolve(MetricsLog.FILE));
    assertEquals(whole.size(), micro.size());
    for (int i = 0; i < whole.size(); i++) {
      assertEquals(whole.get(i).get("samples"), micro.get(i).get("samples"), "row " + i);
      assertEquals(
          ((Number) whole.get(i).get("train_loss")).doubleValue(),
          ((Number) micro.get(i).get("train_loss")).doubleValue(),
          1e-9,
          "row " + i);
    }
  }

  private static String[] with(String[] overrides, String... more) {
    String[] all = java.util.Arrays.copyOf(overrides, overrides.length + more.length);
    System.arraycopy(more, 0, all, overrides.length, more.length);
    return all;
  }

  @Test
  void aFailedAttemptIsRestartedByItselfAndEndsWithTheUninterruptedRunsParameters()
      throws Exception {
    for (String mode : List.of("gradient_sharing", "param_averaging")) {
      String[] o = {"mode=" + mode, "workers=2", "averaging_frequency=5", "restart_backoff_s=0"};
      run(conf("uninterrupted-" + mode, o));
      System.setProperty(TrainingLoop.CRASH_PROPERTY, "13");
      System.setProperty(TrainingLoop.CRASH_ATTEMPT_PROPERTY, "1");
      String log;
      try {
        log = run(conf("restarted-" + mode, o));
      } finally {
        System.clearProperty(TrainingLoop.CRASH_PROPERTY);
        System.clearProperty(TrainingLoop.CRASH_ATTEMPT_PROPERTY);
      }
      assertTrue(
          log.contains("attempt 1 failed: rank ")
              && log.contains("IllegalStateException: injected crash after step 13")
              && log.contains("restart 1 of 3")
              && log.contains("resuming from the checkpoint at step 10"),
          mode + ": " + log);
      assertEquals(
          RunStatus.State.COMPLETED,
          RunStatus.read(dir("restarted-" + mode)).orElseThrow().state(),
          mode);
      assertArrayEquals(
          finalParams("uninterrupted-" + mode), finalParams("restarted-" + mode), 0.0, mode);
      assertEquals(
          MetricsLog.read(dir("uninterrupted-" + mode).resolve(MetricsLog.FILE)).stream()
              .map(r -> r.get("train_loss"))
              .toList(),
          MetricsLog.read(dir("restarted-" + mode).resolve(MetricsLog.FILE)).stream()
              .map(r -> r.get("train_loss"))
              .toList(),
          mode + ": the same metrics, no row twice");
    }
  }

  @Test
  void aRunThatFailsInEveryAttemptIsFailedAtItsLastCheckpointWhenRestartsRunOut() throws Exception {
    System.setProperty(TrainingLoop.CRASH_PROPERTY, "13");
    String log;
    try {
      log =
          run(
              conf(
                  "hopeless",
                  "mode=gradient_sharing",
                  "workers=2",
                  "max_restarts=1",
                  "restart_backoff_s=0"));
    } finally {
      System.clearProperty(TrainingLoop.CRASH_PROPERTY);
    }
    assertTrue(log.contains("restart 1 of 1") && !log.contains("restart 2 of"), log);
    RunStatus status = RunStatus.read(dir("hopeless")).orElseThrow();
    assertEquals(RunStatus.State.FAILED, status.state());
    assertEquals(10L, status.step(), "the last committed checkpoint, where a re-run resumes");
    assertTrue(status.reason().contains("injected crash after step 13"), status.reason());
  }

  @Test
  void parameterAveragingStopsADivergingRunAtTheNextStepItsWorkersAgreeOn() throws Exception {
    Path f = tmp.resolve("pa-diverges.yaml");
    Files.writeString(
        f,
        """
        data: {train: %s}
        optimizer: {name: sgd, hparams: {lr: 1.0e+9}}
        mode: param_averaging
        workers: 2
        averaging_frequency: 4
        steps: 40
        batch_size: 8
        log_every: 20
        eval_every: 20
        checkpoint_every: 20
        divergence_factor: 5
        output: %s
        """
            .formatted(data, tmp.resolve("runs")));
    List<RunConfig> runs = RunConf.load(f, List.of());
    String log = run(runs);
    RunStatus status = RunStatus.read(dir(runs.get(0).name())).orElseThrow();
    assertEquals(RunStatus.State.DIVERGED, status.state(), log);
    // the workers exchange the loss at step 0 (the reference) and then every 4th step: it ends at
    // one of those
    long step =
        MetricsLog.read(dir(runs.get(0).name()).resolve(MetricsLog.FILE)).stream()
            .mapToLong(r -> (Long) r.get("step"))
            .max()
            .orElseThrow();
    assertEquals(3, step % 4, "diverged at step " + step + ", not at an averaging round");
  }

  @Test
  void aSweepSkipsCompletedRunsAndContinuesPastADivergedOne() throws Exception {
    Path f = tmp.resolve("sweep.yaml");
    Files.writeString(
        f,
        """
        data: {train: %s}
        optimizer: {name: sgd, hparams: {lr: 1.0}}
        steps: 10
        batch_size: 8
        eval_every: 5
        checkpoint_every: 5
        divergence_factor: 5
        output: %s
        sweep: {optimizer.hparams.lr: [1.0e+9, 0.1]}
        """
            .formatted(data, tmp.resolve("runs")));
    List<RunConfig> runs = RunConf.load(f, List.of());
    String first = run(runs);
    assertTrue(first.contains("diverged"), first);
    RunStatus diverged = RunStatus.read(dir(runs.get(0).name())).orElseThrow();
    assertEquals(RunStatus.State.DIVERGED, diverged.state());
    assertEquals(
        RunStatus.State.COMPLETED, RunStatus.read(dir(runs.get(1).name())).orElseThrow().state());
    // a process that died after COMPLETED but before the Parquet copy: the re-run writes the copy
    Path parquet = dir(runs.get(1).name()).resolve("metrics.parquet");
    org.optimbench.jobs.run.AtomicFiles.deleteTree(parquet);
    String again = run(runs);
    assertTrue(again.contains(runs.get(1).name() + ": already completed, skipped"), again);
    assertTrue(
        Files.exists(parquet.resolve("_SUCCESS")),
        "the skipped run's metrics.parquet is written again");
    assertTrue(again.contains(runs.get(0).name() + ": already diverged, skipped"), again);
  }
}
