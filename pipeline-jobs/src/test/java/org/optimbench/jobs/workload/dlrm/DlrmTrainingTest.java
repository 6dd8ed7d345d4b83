package org.optimbench.jobs.workload.dlrm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.conf.ConfException;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.train.TrainedRun;
import org.optimbench.jobs.train.TrainingJobAccess;
import org.optimbench.jobs.workload.PreparedData;
import org.optimbench.jobs.workload.Workloads;

/**
 * DLRM end to end on Spark local[2]: the first run prepares generated Criteo data from
 * {@code data.source} (data-prep's generator and criteo job), then a tiny DLRM trains in single mode
 * and in gradient sharing on two workers; the training loss goes down and every evaluation logs
 * valid_logloss and valid_auc. Also the spec and data checks that name the offending key.
 */
class DlrmTrainingTest {
  @TempDir static Path tmp;
  static SparkSession spark;

  @BeforeAll
  static void setUp() {
    spark = SparkSession.builder().master("local[2]").appName("dlrm-training-test")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
        .config("spark.stage.maxConsecutiveAttempts", "1").getOrCreate();
    spark.sparkContext().setLogLevel("ERROR");
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
  }

  private static List<RunConf> conf(String name, String... overrides) throws Exception {
    Path f = tmp.resolve(name + ".yaml");
    Files.writeString(f, """
        data: {source: "generate-criteo?days=3&rows-per-day=1500&seed=4&hash-range=40", train: %s}
        workload: {name: dlrm, embedding_dim: 4, bottom: [8, 4], top: [8, 1]}
        optimizer: {name: adam, hparams: {lr: 0.01}}
        steps: 40
        batch_size: 64
        eval_every: 20
        checkpoint_every: 20
        log_every: 5
        output: %s
        """.formatted(tmp.resolve("criteo"), tmp.resolve("runs")));
    return RunConf.load(f, List.of(overrides));
  }

  @Test
  void tinyDlrmTrainsInSingleModeAndWithGradientSharingOnTwoWorkers() throws Exception {
    for (String mode : List.of("single", "gradient_sharing")) {
      String name = "dlrm-" + mode;
      List<Map<String, Object>> rows = TrainedRun.train(spark, conf(name, "mode=" + mode, "workers=" + (mode.equals("single") ? 1 : 2)), tmp.resolve("runs").resolve(name));
      assertEquals(8, rows.size(), mode + ": a row every 5 steps");
      assertTrue(TrainedRun.meanTrainLoss(rows, 6, 8) < 0.8 * TrainedRun.meanTrainLoss(rows, 0, 2), mode + ": training loss went from " + TrainedRun.meanTrainLoss(rows, 0, 2) + " to " + TrainedRun.meanTrainLoss(rows, 6, 8));
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

  @Test
  void theDlrmExperimentConfsLoadAndPassTheChecks() throws Exception {
    Path dir = Path.of("..").toAbsolutePath().normalize().resolve("conf/experiments");
    for (String name : List.of("dlrm-tiny.yaml", "dlrm-laptop.yaml", "dlrm-cluster.yaml")) {
      List<RunConf> runs = RunConf.load(dir.resolve(name), List.of());
      for (RunConf r : runs) TrainingJobAccess.check(r);
      assertEquals("dlrm", runs.get(0).object("workload").get("name"), name);
      assertEquals("eval.valid_auc", runs.get(0).object("compare").get("metric"), name);
    }
  }

  @Test
  void specErrorsNameTheKey() {
    assertEquals("workload.tables", assertThrows(ConfException.class, () -> Workloads.check(Map.of("name", "dlrm", "tables", 3))).key());
    assertEquals("workload.bottom", assertThrows(ConfException.class, () -> Workloads.check(Map.of("name", "dlrm", "embedding_dim", 8, "bottom", List.of(16, 4)))).key());
    assertEquals("workload.top", assertThrows(ConfException.class, () -> Workloads.check(Map.of("name", "dlrm", "top", List.of(8, 2)))).key());
    assertEquals("workload.name", assertThrows(ConfException.class, () -> Workloads.check(Map.of("name", "dlrn"))).key());
    assertEquals("workload.hidden", assertThrows(ConfException.class, () -> Workloads.check(Map.of("name", "mlp", "hidden", List.of(0)))).key());
  }

  @Test
  void dlrmRefusesLibsvmDataNamingTheManifest() throws Exception {
    Path d = tmp.resolve("fake-libsvm");
    Files.createDirectories(d);
    Files.writeString(d.resolve("manifest.json"), "{\"job\": \"libsvm\", \"num_features\": 4, \"num_classes\": 2}");
    Files.writeString(d.resolve("_SUCCESS"), "");
    ConfException e = assertThrows(ConfException.class, () -> Workloads.create(Map.of("name", "dlrm"), PreparedData.open(d, "data.train")));
    assertTrue(e.getMessage().startsWith("data.train: ") && e.getMessage().contains(d.resolve("manifest.json").toString()) && e.getMessage().contains("prepare criteo"), e.getMessage());
  }
}
