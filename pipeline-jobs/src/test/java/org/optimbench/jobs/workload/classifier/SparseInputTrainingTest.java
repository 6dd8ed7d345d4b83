package org.optimbench.jobs.workload.classifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.run.Checkpoints;
import org.optimbench.jobs.testing.LocalSpark;
import org.optimbench.jobs.train.TrainedRun;
import org.optimbench.prep.libsvm.LibsvmConfig;
import org.optimbench.prep.libsvm.LibsvmJob;

/**
 * Sparse input end to end on Spark local[2]: logistic regression and an MLP read as CSR rows
 * ({@code workload.input: sparse}) follow the dense run's trajectory on small data to rounding, in
 * every mode that shares state across workers; and a logistic regression over a million hashed
 * features, which dense batches could not hold, trains.
 */
class SparseInputTrainingTest {
  @TempDir static Path tmp;
  static SparkSession spark;
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @BeforeAll
  static void setUp() {
    spark = LocalSpark.start("sparse-input-test");
  }

  @AfterAll
  static void tearDown() {
    LocalSpark.stop(spark);
  }

  private static Path prepare(String name, Path input, Integer numFeatures) throws Exception {
    Path out = tmp.resolve(name);
    LibsvmJob.run(
        spark,
        new LibsvmConfig(
            input.toString(), out.toString(), false, 0L, 7L, 0.2, 0.0, null, numFeatures, null));
    return out;
  }

  private static Path train(Path data, String name, String... overrides) throws Exception {
    Path f = tmp.resolve(name + ".yaml");
    Files.writeString(
        f,
        """
        data: {train: %s}
        workload: {name: logreg}
        optimizer: {name: adam, hparams: {lr: 0.05}}
        steps: 30
        batch_size: 16
        eval_every: 10
        checkpoint_every: 10
        log_every: 10
        dtype: float64
        output: %s
        """
            .formatted(data, tmp.resolve("runs")));
    Path runDir = tmp.resolve("runs").resolve(name);
    TrainedRun.train(spark, RunConf.load(f, List.of(overrides)), runDir);
    return runDir;
  }

  private static void assertSameParams(String what, Path dense, Path sparse) throws Exception {
    double[] d = new Checkpoints(dense, 2).latest().orElseThrow().params().toDoubleVector();
    double[] s = new Checkpoints(sparse, 2).latest().orElseThrow().params().toDoubleVector();
    assertEquals(d.length, s.length, what + ": same parameter layout");
    double scale = 0;
    for (double v : d) scale = Math.max(scale, Math.abs(v));
    assertTrue(scale > 0, what + ": the run moved the parameters");
    for (int i = 0; i < d.length; i++) {
      if (!(Math.abs(d[i] - s[i]) <= 1e-9 * scale)) {
        fail(what + ": parameter " + i + " is " + s[i] + " sparse, " + d[i] + " dense");
      }
    }
  }

  @Test
  void sparseInputFollowsTheDenseRunOnSmallData() throws Exception {
    Path iris = prepare("iris", ROOT.resolve("data/libsvm/iris"), null);
    for (String[] w :
        List.of(
            new String[] {"logreg", "workload={name: logreg, input: %s}"},
            new String[] {"mlp", "workload={name: mlp, hidden: [5], input: %s}"})) {
      for (String mode : List.of("single", "gradient_sharing")) {
        String workers = mode.equals("single") ? "workers=1" : "workers=2";
        String name = w[0] + "-" + mode;
        Path dense = train(iris, name + "-dense", w[1].formatted("dense"), "mode=" + mode, workers);
        Path sparse =
            train(iris, name + "-sparse", w[1].formatted("sparse"), "mode=" + mode, workers);
        assertSameParams(name, dense, sparse);
      }
    }
  }

  @Test
  void aMillionHashedFeaturesTrain() throws Exception {
    // 3,000 rows of 30 hashed features among 2^20; the class is carried by 8 of them
    int features = 1 << 20;
    Random r = new Random(3);
    int[] signal = new int[8];
    for (int k = 0; k < signal.length; k++) signal[k] = r.nextInt(features);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      int label = r.nextInt(2);
      java.util.TreeMap<Integer, Double> row = new java.util.TreeMap<>();
      for (int k = 0; k < 3; k++) row.put(signal[label * 4 + r.nextInt(4)] + 1, 1.0);
      while (row.size() < 30) row.put(1 + r.nextInt(features), 1.0);
      b.append(label);
      for (Map.Entry<Integer, Double> e : row.entrySet())
        b.append(' ').append(e.getKey()).append(':').append(e.getValue());
      b.append('\n');
    }
    Path raw = tmp.resolve("hashed.libsvm");
    Files.writeString(raw, b);
    Path data = prepare("hashed", raw, features);
    Path run =
        train(data, "hashed", "optimizer.hparams.lr=0.1", "mode=gradient_sharing", "workers=2");
    List<Map<String, Object>> rows =
        org.optimbench.jobs.run.MetricsLog.read(run.resolve("metrics.csv"));
    double accuracy = (Double) rows.get(rows.size() - 1).get("eval.valid_accuracy");
    double first = (Double) rows.get(0).get("train_loss");
    double last = (Double) rows.get(rows.size() - 1).get("train_loss");
    assertTrue(accuracy > 0.9, "validation accuracy " + accuracy + " after 30 steps");
    assertTrue(last < first, "train loss " + first + " -> " + last);
    assertEquals(
        2L * features + 2,
        new Checkpoints(run, 2).latest().orElseThrow().params().length(),
        "a [2^20, 2] weight table and 2 biases");
  }
}
