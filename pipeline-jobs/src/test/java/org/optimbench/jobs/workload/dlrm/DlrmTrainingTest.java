package org.optimbench.jobs.workload.dlrm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.compare.CompareJob;
import org.optimbench.jobs.compare.CompareSettings;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.data.RowChunk;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.run.Checkpoints;
import org.optimbench.jobs.run.MetricsLog;
import org.optimbench.jobs.run.RunStatus;
import org.optimbench.jobs.testing.LocalSpark;
import org.optimbench.jobs.train.TrainedRun;
import org.optimbench.jobs.train.TrainingJobAccess;
import org.optimbench.jobs.workload.InMemory;
import org.optimbench.jobs.workload.Metrics;
import org.optimbench.jobs.workload.PreparedData;
import org.optimbench.jobs.workload.registry.Workloads;
import org.optimbench.optim.spec.SpecException;

/**
 * DLRM end to end on Spark local[2]: the first run prepares generated Criteo data from {@code
 * data.source} (data-prep's generator and criteo job), then a tiny DLRM trains in single mode and
 * in gradient sharing on two workers; the training loss goes down and every evaluation logs
 * valid_logloss and valid_auc. Also the spec and data checks that name the offending key.
 */
class DlrmTrainingTest {
  @TempDir static Path tmp;
  static SparkSession spark;

  @BeforeAll
  static void setUp() {
    spark = LocalSpark.start("dlrm-training-test");
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
        data: {source: "generate-criteo?days=3&rows-per-day=1500&seed=4&hash-range=40", train: %s}
        workload: {name: dlrm, embedding_dim: 4, bottom: [8, 4], top: [8, 1]}
        optimizer: {name: adam, hparams: {lr: 0.01}}
        steps: 40
        batch_size: 64
        eval_every: 20
        checkpoint_every: 20
        log_every: 5
        output: %s
        """
            .formatted(tmp.resolve("criteo"), tmp.resolve("runs")));
    return RunConf.load(f, List.of(overrides));
  }

  @Test
  void tinyDlrmTrainsInSingleModeAndWithGradientSharingOnTwoWorkers() throws Exception {
    for (String mode : List.of("single", "gradient_sharing")) {
      String name = "dlrm-" + mode;
      List<Map<String, Object>> rows =
          TrainedRun.train(
              spark,
              conf(name, "mode=" + mode, "workers=" + (mode.equals("single") ? 1 : 2)),
              tmp.resolve("runs").resolve(name));
      assertEquals(8, rows.size(), mode + ": a row every 5 steps");
      assertTrue(
          TrainedRun.meanTrainLoss(rows, 6, 8) < 0.8 * TrainedRun.meanTrainLoss(rows, 0, 2),
          mode
              + ": training loss went from "
              + TrainedRun.meanTrainLoss(rows, 0, 2)
              + " to "
              + TrainedRun.meanTrainLoss(rows, 6, 8));
      for (int i : new int[] {3, 7}) {
        double auc = (Double) rows.get(i).get("eval.valid_auc");
        double logloss = (Double) rows.get(i).get("eval.valid_logloss");
        assertTrue(auc > 0 && auc < 1, mode + ": valid_auc " + auc);
        assertTrue(logloss > 0 && logloss < 1, mode + ": valid_logloss " + logloss);
      }
    }
    PreparedData data = PreparedData.open(tmp.resolve("criteo"), "data.train");
    assertEquals(3000, data.rows("train"), "generated days 0 and 1 are train");
    assertEquals(40, data.integer("categorical.hash_range"));
  }

  /**
   * eval.final: spark on two gradient-sharing workers that evaluate half the validation rows during
   * training: the last row gets final.valid_logloss and final.valid_auc, equal to scoring every
   * validation row with the final checkpoint in this JVM (and the in-training AUC to the same over
   * the half); the comparison job reads the final AUC as its metric; a run killed between training
   * and its evaluation is resumed into the evaluation alone, and a completed one is skipped.
   */
  @Test
  void theWholeValidationSplitIsEvaluatedOnSparkAfterTraining() throws Exception {
    String name = "dlrm-final";
    Path runDir = tmp.resolve("runs").resolve(name);
    List<RunConfig> runs =
        conf(
            name,
            "mode=gradient_sharing",
            "workers=2",
            "steps=20",
            "log_every=10",
            "eval.final=spark",
            "eval.valid_fraction=0.5");
    List<Map<String, Object>> rows = TrainedRun.train(spark, runs, runDir);
    assertEquals(2, rows.size());
    Map<String, Object> last = rows.get(1);
    assertEquals(19L, last.get("step"));
    assertNull(rows.get(0).get("final.valid_auc"), "only the last row has the final values");

    // every validation row, scored here with the final checkpoint
    Dlrm w =
        (Dlrm)
            Workloads.create(
                runs.get(0).workload().spec(),
                PreparedData.open(tmp.resolve("criteo"), "data.train"));
    RowChunk valid = InMemory.read(w, tmp.resolve("criteo"), "valid");
    NetworkModel model = w.build(DataType.FLOAT, 1);
    model.view().params().assign(new Checkpoints(runDir, 2).latest().orElseThrow().params());
    Dlrm.Scores all = Dlrm.score(model, w.encode(valid, DataType.FLOAT));
    assertEquals(
        Metrics.exactAuc(all.logits(), all.labels()), (Double) last.get("final.valid_auc"), 1e-12);
    assertEquals(all.lossSum() / valid.size(), (Double) last.get("final.valid_logloss"), 1e-9);
    RowChunk half = InMemory.filter(valid, id -> TrainingJobAccess.inEvaluationSubset(id, 0.5));
    assertTrue(
        half.size() > 0.4 * valid.size() && half.size() < 0.6 * valid.size(),
        half.size() + " of " + valid.size());
    Dlrm.Scores some = Dlrm.score(model, w.encode(half, DataType.FLOAT));
    assertEquals(
        Metrics.exactAuc(some.logits(), some.labels()),
        (Double) last.get("eval.valid_auc"),
        1e-12,
        "evaluations during training see the subset");

    // the comparison job takes the final AUC as its metric
    Path cmp = tmp.resolve("cmp-final");
    CompareJob.run(
        spark,
        new CompareJob.Request(
            List.of(runDir.toString()),
            CompareSettings.parse(Map.of("metric", "final.valid_auc")),
            cmp,
            false),
        new PrintStream(OutputStream.nullOutputStream()));
    Row r =
        spark
            .read()
            .parquet(cmp.resolve("runs.parquet").toString())
            .select("included", "final_metric")
            .first();
    assertTrue(r.getBoolean(0));
    assertEquals((Double) last.get("final.valid_auc"), r.getDouble(1), 0.0);

    // killed after the final checkpoint, before the evaluation completed the run: the re-run
    // evaluates
    // again from that checkpoint, without relaunching the workers
    Map<String, Number> cleared = new HashMap<>();
    cleared.put("final.valid_auc", null);
    cleared.put("final.valid_logloss", null);
    MetricsLog.fill(runDir.resolve(MetricsLog.FILE), 19, cleared);
    RunStatus.running(20).write(runDir);
    ByteArrayOutputStream resumed = new ByteArrayOutputStream();
    TrainingJobAccess.run(spark, runs, new PrintStream(resumed, true, StandardCharsets.UTF_8));
    String resumedText = resumed.toString(StandardCharsets.UTF_8);
    assertTrue(
        resumedText.contains(
            name + ": trained already (checkpoint at step 20); evaluating after training only"),
        resumedText);
    List<Map<String, Object>> again = MetricsLog.read(runDir.resolve(MetricsLog.FILE));
    assertEquals(2, again.size(), "no step taken twice");
    assertEquals(
        (Double) last.get("final.valid_auc"), (Double) again.get(1).get("final.valid_auc"), 0.0);
    ByteArrayOutputStream said = new ByteArrayOutputStream();
    TrainingJobAccess.run(spark, runs, new PrintStream(said, true, StandardCharsets.UTF_8));
    assertTrue(
        said.toString(StandardCharsets.UTF_8).contains(name + ": already completed, skipped"),
        said.toString(StandardCharsets.UTF_8));
  }

  @Test
  void theDlrmExperimentConfsLoadAndPassTheChecks() throws Exception {
    Path dir = Path.of("..").toAbsolutePath().normalize().resolve("conf/experiments");
    for (String name : List.of("dlrm-tiny.yaml", "dlrm-laptop.yaml", "dlrm-cluster.yaml")) {
      List<RunConfig> runs = RunConf.load(dir.resolve(name), List.of());
      assertEquals("dlrm", runs.get(0).workload().name(), name);
      boolean cluster = name.equals("dlrm-cluster.yaml");
      assertEquals(
          cluster ? "final.valid_auc" : "eval.valid_auc",
          runs.get(0).compare().get("metric"),
          name);
      assertEquals(
          cluster,
          runs.get(0).evaluation().finalOnSpark(),
          name + ": the whole split after training, at cluster size");
    }
  }

  @Test
  void specErrorsNameTheKey() {
    assertEquals(
        "workload.tables",
        assertThrows(
                SpecException.class, () -> Workloads.check(Map.of("name", "dlrm", "tables", 3)))
            .field());
    assertEquals(
        "workload.bottom",
        assertThrows(
                SpecException.class,
                () ->
                    Workloads.check(
                        Map.of("name", "dlrm", "embedding_dim", 8, "bottom", List.of(16, 4))))
            .field());
    assertEquals(
        "workload.top",
        assertThrows(
                SpecException.class,
                () -> Workloads.check(Map.of("name", "dlrm", "top", List.of(8, 2))))
            .field());
    assertEquals(
        "workload.name",
        assertThrows(SpecException.class, () -> Workloads.check(Map.of("name", "dlrn"))).field());
    assertEquals(
        "workload.hidden",
        assertThrows(
                SpecException.class,
                () -> Workloads.check(Map.of("name", "mlp", "hidden", List.of(0))))
            .field());
  }

  @Test
  void dlrmRefusesLibsvmDataNamingTheManifest() throws Exception {
    Path d = tmp.resolve("fake-libsvm");
    Files.createDirectories(d);
    Files.writeString(
        d.resolve("manifest.json"),
        "{\"job\": \"libsvm\", \"num_features\": 4, \"num_classes\": 2}");
    Files.writeString(d.resolve("_SUCCESS"), "");
    SpecException e =
        assertThrows(
            SpecException.class,
            () -> Workloads.create(Map.of("name", "dlrm"), PreparedData.open(d, "data.train")));
    assertTrue(
        e.getMessage().startsWith("data.train: ")
            && e.getMessage().contains(d.resolve("manifest.json").toString())
            && e.getMessage().contains("prepare criteo"),
        e.getMessage());
  }
}
