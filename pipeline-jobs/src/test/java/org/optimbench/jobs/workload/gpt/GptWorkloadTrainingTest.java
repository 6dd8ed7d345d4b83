package org.optimbench.jobs.workload.gpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.testing.LocalSpark;
import org.optimbench.jobs.train.TrainedRun;
import org.optimbench.jobs.workload.PreparedData;

/**
 * GPT end to end on Spark local[2]: the first run prepares the shipped KJV sample from {@code
 * data.source} (data-prep's text job, seq-len 32), then a tiny GPT trains in single mode and with
 * gradient sharing on two workers; the training loss goes down and every evaluation logs valid_loss
 * and valid_perplexity = exp(valid_loss). Also: the GPT experiment confs load and pass the checks.
 */
class GptWorkloadTrainingTest {
  @TempDir static Path tmp;
  static SparkSession spark;
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @BeforeAll
  static void setUp() {
    spark = LocalSpark.start("gpt-training-test");
  }

  @AfterAll
  static void tearDown() {
    LocalSpark.stop(spark);
  }

  private static List<RunConfig> conf(String name, String... overrides) throws Exception {
    Path f = tmp.resolve(name + ".yaml");
    Files.writeString(
        f,
        """
        data: {source: "%s?seq-len=32&format=lines", train: %s}
        workload: {name: gpt, seq_len: 32, d_model: 16, heads: 2, layers: 1}
        optimizer: {name: clip, hparams: {max_norm: 1.0, base: {name: adam, hparams: {lr: 0.01}}}}
        steps: 20
        batch_size: 8
        eval_every: 10
        checkpoint_every: 10
        log_every: 5
        output: %s
        """
            .formatted(ROOT.resolve("data/text/kjv"), tmp.resolve("kjv"), tmp.resolve("runs")));
    return RunConf.load(f, List.of(overrides));
  }

  @Test
  void tinyGptTrainsOnKjvInSingleModeAndWithGradientSharingOnTwoWorkers() throws Exception {
    for (String mode : List.of("single", "gradient_sharing")) {
      String name = "gpt-" + mode;
      List<Map<String, Object>> rows =
          TrainedRun.train(
              spark,
              conf(name, "mode=" + mode, "workers=" + (mode.equals("single") ? 1 : 2)),
              tmp.resolve("runs").resolve(name));
      assertEquals(4, rows.size(), mode + ": a row every 5 steps");
      // from ln 50257 = 10.8 towards the unigram entropy
      assertTrue(
          TrainedRun.meanTrainLoss(rows, 2, 4) < 0.9 * TrainedRun.meanTrainLoss(rows, 0, 1),
          mode
              + ": training loss went from "
              + TrainedRun.meanTrainLoss(rows, 0, 1)
              + " to "
              + TrainedRun.meanTrainLoss(rows, 2, 4));
      for (int i : new int[] {1, 3}) {
        double loss = (Double) rows.get(i).get("eval.valid_loss");
        double ppl = (Double) rows.get(i).get("eval.valid_perplexity");
        assertTrue(loss > 0 && loss < 11, mode + ": valid_loss " + loss);
        assertEquals(Math.exp(loss), ppl, 1e-9 * ppl, mode);
      }
      assertTrue(
          (Double) rows.get(3).get("eval.valid_loss") < (Double) rows.get(1).get("eval.valid_loss"),
          mode + ": valid loss did not go down");
    }
    PreparedData data = PreparedData.open(tmp.resolve("kjv"), "data.train");
    assertEquals(33, data.integer("block_length"));
    assertTrue(
        data.rows("valid") > 20 && data.rows("train") > 1000,
        "blocks " + data.rows("train") + " train, " + data.rows("valid") + " valid");
  }

  @Test
  void theGptExperimentConfsLoadAndPassTheChecks() throws Exception {
    for (String name : List.of("gpt-tiny.yaml", "gpt-laptop.yaml", "gpt-cluster.yaml")) {
      List<RunConfig> runs =
          RunConf.load(ROOT.resolve("conf/experiments").resolve(name), List.of());
      assertEquals("gpt", runs.get(0).workload().name(), name);
      assertEquals("eval.valid_perplexity", runs.get(0).compare().get("metric"), name);
      assertEquals("min", runs.get(0).compare().get("mode"), name);
    }
  }
}
