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
import org.optimbench.jobs.run.Checkpoint;
import org.optimbench.jobs.run.Checkpoints;
import org.optimbench.jobs.run.MetricsLog;
import org.optimbench.jobs.run.RunStatus;
import org.optimbench.jobs.testing.LocalSpark;
import org.optimbench.jobs.testing.ShippedIris;

/**
 * {@code mode: dl4j_averaging} on Spark local[2] over the shipped iris data: DL4J's master trains
 * the run and writes the same run directory as our modes; with one worker averaging after every
 * step it takes the steps our single process takes with the same updater, from the same initial
 * parameters on the same batches.
 */
class Dl4jAveragingTest {
  @TempDir static Path tmp;
  static SparkSession spark;
  static Path data;

  @BeforeAll
  static void setUp() throws Exception {
    spark = LocalSpark.start("dl4j-averaging-test");
    data = tmp.resolve("iris-prep");
    ShippedIris.prepare(spark, data.toString());
  }

  @AfterAll
  static void tearDown() {
    LocalSpark.stop(spark);
  }

  private static String run(String name, String... overrides) throws Exception {
    Path f = tmp.resolve(name + ".yaml");
    Files.writeString(
        f,
        """
        data: {train: %s}
        workload: {name: mlp, hidden: [6]}
        optimizer: {name: adam, hparams: {lr: 0.05}}
        steps: 20
        batch_size: 8
        eval_every: 10
        log_every: 2
        dtype: float64
        output: %s
        """
            .formatted(data, tmp.resolve("runs")));
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    TrainingJob.run(
        spark,
        RunConf.load(f, List.of(overrides)),
        new PrintStream(b, true, StandardCharsets.UTF_8));
    return b.toString(StandardCharsets.UTF_8);
  }

  /**
   * A tiny DLRM (tables of 40 rows, embedding width 4) on generated Criteo-format data, prepared by
   * the first run that needs it: 600 training rows, 300 validation rows.
   */
  private static String runDlrm(String name, String... overrides) throws Exception {
    Path f = tmp.resolve(name + ".yaml");
    Files.writeString(
        f,
        """
        data: {source: "generate-criteo?days=3&rows-per-day=300&seed=4&hash-range=40", train: %s}
        workload: {name: dlrm, embedding_dim: 4, bottom: [8, 4], top: [8, 1]}
        optimizer: {name: sgd, hparams: {lr: 0.1}}
        steps: 12
        batch_size: 16
        eval_every: 6
        log_every: 2
        dtype: float64
        output: %s
        """
            .formatted(tmp.resolve("criteo"), tmp.resolve("runs")));
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    TrainingJob.run(
        spark,
        RunConf.load(f, List.of(overrides)),
        new PrintStream(b, true, StandardCharsets.UTF_8));
    return b.toString(StandardCharsets.UTF_8);
  }

  private static Path dir(String run) {
    return tmp.resolve("runs").resolve(run);
  }

  private static double[] finalParams(String run) throws Exception {
    return new Checkpoints(dir(run), 2).latest().orElseThrow().params().toDoubleVector();
  }

  /** The largest absolute difference between two runs' final parameters, over their largest. */
  private static double relativeGap(String a, String b) throws Exception {
    double[] x = finalParams(a);
    double[] y = finalParams(b);
    assertEquals(x.length, y.length);
    double gap = 0;
    double scale = 0;
    for (int i = 0; i < x.length; i++) {
      gap = Math.max(gap, Math.abs(x[i] - y[i]));
      scale = Math.max(scale, Math.abs(x[i]));
    }
    return gap / scale;
  }

  @Test
  void completesWithMetricsEvaluationAndDecreasingLoss() throws Exception {
    String out = run("peer", "mode=dl4j_averaging", "workers=2", "averaging_frequency=2");
    assertEquals(RunStatus.State.COMPLETED, RunStatus.read(dir("peer")).orElseThrow().state(), out);
    List<Map<String, Object>> rows = MetricsLog.read(dir("peer").resolve(MetricsLog.FILE));
    assertEquals(10, rows.size(), "a row after every round of two steps");
    Map<String, Object> first = rows.get(0);
    Map<String, Object> last = rows.get(rows.size() - 1);
    assertEquals(19L, ((Number) last.get("step")).longValue());
    assertEquals(20L * 2 * 8, ((Number) last.get("samples")).longValue(), "2 workers x 8 rows");
    double l0 = ((Number) first.get("train_loss")).doubleValue();
    double l1 = ((Number) last.get("train_loss")).doubleValue();
    assertTrue(l1 < 0.8 * l0, "loss " + l0 + " -> " + l1);
    assertTrue(((Number) last.get("wall_time_s")).doubleValue() > 0);
    assertTrue(
        rows.get(4).get("eval.valid_loss") instanceof Number,
        "evaluated at step 10: " + rows.get(4));
    assertTrue(last.get("eval.valid_accuracy") instanceof Number, "evaluated at the end: " + last);
    assertTrue(out.contains("peer: completed 20 steps"), out);
  }

  /**
   * One worker averaging after every step is DL4J's own single-process training, which takes our
   * single process's steps when the update rules agree: SGD and Nesterov SGD as they are (DL4J's
   * velocity form gives torch's iterates); AdaGrad with the accumulator DL4J starts from
   * (Dl4jUpdaters); Adam once its epsilon is negligible, since DL4J adds epsilon before the bias
   * correction and torch after (Dl4jUpdaters). With Adam's default epsilon the two differ where a
   * gradient entry is of the order of epsilon over the bias correction: docs/PEERS.md gives the
   * measured difference.
   */
  @Test
  void oneWorkerMatchesOurSingleProcess() throws Exception {
    // tag, optimizer, schedule, averaging frequency (one worker: a round of k steps is k steps)
    for (List<String> c :
        List.of(
            List.of("sgd", "{name: sgd, hparams: {lr: 0.1}}", "{name: constant}", "1"),
            List.of(
                "adagrad",
                "{name: adagrad, hparams: {lr: 0.1, initial_accumulator_value: 1.0e-6}}",
                "{name: constant}",
                "1"),
            List.of(
                "adam", "{name: adam, hparams: {lr: 0.05, eps: 1.0e-12}}", "{name: constant}", "1"),
            List.of(
                "nesterov",
                "{name: sgd, hparams: {lr: 0.05, momentum: 0.9, nesterov: true}}",
                "{name: constant}",
                "1"),
            List.of("sgd-decay", "{name: sgd, hparams: {lr: 0.1}}", "{name: linear_decay}", "2"))) {
      String tag = c.get(0);
      String opt = c.get(1);
      run("ours-" + tag, "optimizer=" + opt, "schedule=" + c.get(2));
      run(
          "dl4j-" + tag,
          "optimizer=" + opt,
          "schedule=" + c.get(2),
          "mode=dl4j_averaging",
          "averaging_frequency=" + c.get(3));
      double[] a = finalParams("ours-" + tag);
      double[] b = finalParams("dl4j-" + tag);
      assertEquals(a.length, b.length);
      double maxDiff = 0;
      double maxAbs = 0;
      for (int i = 0; i < a.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        maxAbs = Math.max(maxAbs, Math.abs(a[i]));
      }
      assertTrue(maxDiff <= 1e-6 * maxAbs, tag + ": largest difference " + maxDiff);
      List<Map<String, Object>> x = MetricsLog.read(dir("ours-" + tag).resolve(MetricsLog.FILE));
      List<Map<String, Object>> y = MetricsLog.read(dir("dl4j-" + tag).resolve(MetricsLog.FILE));
      assertEquals(x.size(), y.size());
      for (int i = 0; i < x.size(); i++) {
        assertEquals(
            ((Number) x.get(i).get("train_loss")).doubleValue(),
            ((Number) y.get(i).get("train_loss")).doubleValue(),
            1e-6,
            tag + " loss at row " + i);
        assertEquals(
            ((Number) x.get(i).get("lr")).doubleValue(),
            ((Number) y.get(i).get("lr")).doubleValue(),
            1e-12,
            tag + " learning rate at row " + i);
      }
    }
  }

  /**
   * Two workers averaging after every step against our gradient sharing (one step on the global
   * batch): for SGD the mean of the workers' steps is the global batch's step, so the runs agree;
   * Adam's step is not linear in the gradient, so the mean of two Adam steps on half batches, with
   * averaged moments, is another trajectory. DL4J's averaging has no mode that takes the global
   * batch's step (docs/PEERS.md).
   */
  @Test
  void averagingEveryStepIsGradientSharingForSgdOnly() throws Exception {
    for (String opt :
        List.of(
            "{name: sgd, hparams: {lr: 0.1}}", "{name: adam, hparams: {lr: 0.05, eps: 1.0e-12}}")) {
      String tag = opt.substring(7, opt.indexOf(','));
      run("gs2-" + tag, "optimizer=" + opt, "mode=gradient_sharing", "workers=2");
      run(
          "dl4j2-" + tag,
          "optimizer=" + opt,
          "mode=dl4j_averaging",
          "workers=2",
          "averaging_frequency=1");
      double gap = relativeGap("gs2-" + tag, "dl4j2-" + tag);
      System.out.printf(
          java.util.Locale.ROOT,
          "%s: dl4j_averaging vs gradient_sharing, 2 workers: %.3g%n",
          tag,
          gap);
      if (tag.equals("sgd")) assertTrue(gap <= 1e-6, "sgd: " + gap);
      else assertTrue(gap > 1e-3, "adam: " + gap);
    }
  }

  /**
   * A run killed after a checkpoint and run again resumes from it and ends as the uninterrupted run
   * does, bit for bit: the same final parameters and DL4J updater state, the same metrics rows (all
   * but the wall time), none twice. Adam under a linear decay reads DL4J's iteration count (its
   * bias corrections, the schedule), so the count must come back with the parameters and updater
   * state. Rounds of 2 steps with a row every 2 steps, and of 1 step with a row every step (the row
   * of the step after the checkpoint is on disk when the run is killed, and must not stay).
   */
  @Test
  void aRunKilledAfterACheckpointResumesToTheUninterruptedRun() throws Exception {
    for (List<String> c : List.of(List.of("2", "2", "14"), List.of("1", "1", "14"))) {
      String tag = "k" + c.get(0);
      String[] o = {
        "mode=dl4j_averaging",
        "workers=2",
        "averaging_frequency=" + c.get(0),
        "log_every=" + c.get(1),
        "checkpoint_every=4",
        "schedule={name: linear_decay}"
      };
      run("whole-" + tag, o);
      System.setProperty(TrainingLoop.CRASH_PROPERTY, c.get(2));
      String killed;
      try {
        killed = run("killed-" + tag, with(o, "max_restarts=0")); // killed for good
      } finally {
        System.clearProperty(TrainingLoop.CRASH_PROPERTY);
      }
      RunStatus status = RunStatus.read(dir("killed-" + tag)).orElseThrow();
      assertEquals(RunStatus.State.FAILED, status.state(), tag + ": " + killed);
      assertEquals(12L, status.step(), tag + ": failed at its last checkpoint");
      String log = run("killed-" + tag, o);
      assertTrue(log.contains("resuming from the checkpoint at step 12"), tag + ": " + log);
      assertEquals(
          RunStatus.State.COMPLETED, RunStatus.read(dir("killed-" + tag)).orElseThrow().state());
      Checkpoint a = new Checkpoints(dir("whole-" + tag), 2).latest().orElseThrow();
      Checkpoint b = new Checkpoints(dir("killed-" + tag), 2).latest().orElseThrow();
      assertEquals(20L, b.step());
      assertArrayEquals(a.params().toDoubleVector(), b.params().toDoubleVector(), 0.0, tag);
      assertTrue(a.state().bitwiseEquals(b.state()), tag + ": DL4J's updater state");
      // the master adds averaging_frequency iterations per round and fit() one epoch
      assertEquals(20L, b.extra().get("dl4j_iteration"), tag);
      assertEquals(20L / Long.parseLong(c.get(0)), b.extra().get("dl4j_epoch"), tag);
      assertEquals(a.extra().get("dl4j_iteration"), b.extra().get("dl4j_iteration"), tag);
      assertEquals(a.extra().get("dl4j_epoch"), b.extra().get("dl4j_epoch"), tag);
      List<Map<String, Object>> x = MetricsLog.read(dir("whole-" + tag).resolve(MetricsLog.FILE));
      List<Map<String, Object>> y = MetricsLog.read(dir("killed-" + tag).resolve(MetricsLog.FILE));
      assertEquals(x.size(), y.size(), tag + ": rows");
      for (int i = 0; i < x.size(); i++) {
        Map<String, Object> u = new java.util.HashMap<>(x.get(i));
        Map<String, Object> v = new java.util.HashMap<>(y.get(i));
        u.remove("wall_time_s");
        v.remove("wall_time_s");
        assertEquals(u, v, tag + ": row " + i);
      }
    }
  }

  private static String[] with(String[] overrides, String... more) {
    String[] all = java.util.Arrays.copyOf(overrides, overrides.length + more.length);
    System.arraycopy(more, 0, all, overrides.length, more.length);
    return all;
  }

  /**
   * A failed attempt is started again by the driver (max_restarts, as the Launcher does for our
   * barrier modes), from the last checkpoint, and ends as the uninterrupted run.
   */
  @Test
  void aFailedAttemptIsRestartedFromTheLastCheckpoint() throws Exception {
    String[] o = {
      "mode=dl4j_averaging",
      "workers=2",
      "averaging_frequency=2",
      "checkpoint_every=4",
      "restart_backoff_s=0"
    };
    run("uninterrupted", o);
    System.setProperty(TrainingLoop.CRASH_PROPERTY, "14");
    System.setProperty(TrainingLoop.CRASH_ATTEMPT_PROPERTY, "1");
    String log;
    try {
      log = run("restarted", o);
    } finally {
      System.clearProperty(TrainingLoop.CRASH_PROPERTY);
      System.clearProperty(TrainingLoop.CRASH_ATTEMPT_PROPERTY);
    }
    assertTrue(
        log.contains("attempt 1 failed: injected crash after step 14")
            && log.contains("restart 1 of 3")
            && log.contains("resuming from the checkpoint at step 12"),
        log);
    assertEquals(RunStatus.State.COMPLETED, RunStatus.read(dir("restarted")).orElseThrow().state());
    assertArrayEquals(finalParams("uninterrupted"), finalParams("restarted"), 0.0);
    assertEquals(
        MetricsLog.read(dir("uninterrupted").resolve(MetricsLog.FILE)).stream()
            .map(r -> r.get("train_loss"))
            .toList(),
        MetricsLog.read(dir("restarted").resolve(MetricsLog.FILE)).stream()
            .map(r -> r.get("train_loss"))
            .toList(),
        "the same metrics, no row twice");
  }

  /**
   * DLRM, a ComputationGraph with our own layers and vertex, trained by DL4J's master through
   * SparkComputationGraph: two workers averaging after every step take the steps of our gradient
   * sharing under SGD with a linear decay (the mean of the workers' SGD steps is the global batch's
   * step, and the decay reads the iteration count the master advances), with the same logged losses
   * and the same AUC and log loss evaluated on the driver.
   */
  @Test
  void dlrmAveragingEveryStepIsGradientSharingForSgd() throws Exception {
    String[] o = {"workers=2", "schedule={name: linear_decay}"};
    runDlrm("dlrm-gs", with(o, "mode=gradient_sharing"));
    String out = runDlrm("dlrm-dl4j", with(o, "mode=dl4j_averaging", "averaging_frequency=1"));
    assertEquals(
        RunStatus.State.COMPLETED, RunStatus.read(dir("dlrm-dl4j")).orElseThrow().state(), out);
    double gap = relativeGap("dlrm-gs", "dlrm-dl4j");
    System.out.printf(
        java.util.Locale.ROOT,
        "dlrm sgd: dl4j_averaging vs gradient_sharing, 2 workers: %.3g%n",
        gap);
    assertTrue(gap <= 1e-13, "dlrm sgd: " + gap);
    List<Map<String, Object>> x = MetricsLog.read(dir("dlrm-gs").resolve(MetricsLog.FILE));
    List<Map<String, Object>> y = MetricsLog.read(dir("dlrm-dl4j").resolve(MetricsLog.FILE));
    assertEquals(6, y.size(), "a row every 2 steps");
    assertEquals(x.size(), y.size());
    for (int i = 0; i < x.size(); i++)
      for (String k :
          List.of("step", "samples", "train_loss", "lr", "eval.valid_auc", "eval.valid_logloss")) {
        Object a = x.get(i).get(k);
        Object b = y.get(i).get(k);
        if (a instanceof Number u && b instanceof Number v)
          assertEquals(u.doubleValue(), v.doubleValue(), 1e-12, k + " at row " + i);
        else assertEquals(a, b, k + " at row " + i);
      }
    double auc = ((Number) y.get(5).get("eval.valid_auc")).doubleValue();
    assertTrue(auc > 0 && auc < 1, "valid_auc " + auc);
    assertTrue(y.get(2).get("eval.valid_logloss") instanceof Number, "evaluated at step 6");
  }

  /**
   * DLRM killed after a checkpoint resumes to the uninterrupted run bit for bit (Adam under a
   * linear decay, rounds of 2 steps), DL4J's counts restored into the graph's configuration, and
   * the evaluation after training (eval.final: spark) gives both runs the same final AUC.
   */
  @Test
  void dlrmKilledAfterACheckpointResumesToTheUninterruptedRun() throws Exception {
    String[] o = {
      "mode=dl4j_averaging",
      "workers=2",
      "averaging_frequency=2",
      "checkpoint_every=4",
      "eval_every=4",
      "optimizer={name: adam, hparams: {lr: 0.01}}",
      "schedule={name: linear_decay}",
      "eval.final=spark"
    };
    runDlrm("dlrm-whole", o);
    System.setProperty(TrainingLoop.CRASH_PROPERTY, "10");
    String killed;
    try {
      killed = runDlrm("dlrm-killed", with(o, "max_restarts=0"));
    } finally {
      System.clearProperty(TrainingLoop.CRASH_PROPERTY);
    }
    RunStatus status = RunStatus.read(dir("dlrm-killed")).orElseThrow();
    assertEquals(RunStatus.State.FAILED, status.state(), killed);
    assertEquals(8L, status.step(), "failed at its last checkpoint");
    String log = runDlrm("dlrm-killed", o);
    assertTrue(log.contains("resuming from the checkpoint at step 8"), log);
    assertEquals(
        RunStatus.State.COMPLETED, RunStatus.read(dir("dlrm-killed")).orElseThrow().state(), log);
    Checkpoint a = new Checkpoints(dir("dlrm-whole"), 2).latest().orElseThrow();
    Checkpoint b = new Checkpoints(dir("dlrm-killed"), 2).latest().orElseThrow();
    assertEquals(12L, b.step());
    assertArrayEquals(a.params().toDoubleVector(), b.params().toDoubleVector(), 0.0);
    assertTrue(a.state().bitwiseEquals(b.state()), "DL4J's updater state");
    assertEquals(12L, b.extra().get("dl4j_iteration"));
    assertEquals(6L, b.extra().get("dl4j_epoch"));
    List<Map<String, Object>> x = MetricsLog.read(dir("dlrm-whole").resolve(MetricsLog.FILE));
    List<Map<String, Object>> y = MetricsLog.read(dir("dlrm-killed").resolve(MetricsLog.FILE));
    assertEquals(x.size(), y.size(), "rows");
    for (int i = 0; i < x.size(); i++) {
      Map<String, Object> u = new java.util.HashMap<>(x.get(i));
      Map<String, Object> v = new java.util.HashMap<>(y.get(i));
      u.remove("wall_time_s");
      v.remove("wall_time_s");
      assertEquals(u, v, "row " + i);
    }
    assertTrue(
        y.get(y.size() - 1).get("final.valid_auc") instanceof Number,
        "evaluated after training: " + y.get(y.size() - 1));
  }
}
