package org.optimbench.jobs.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.fs.MiniHdfs;
import org.optimbench.jobs.run.MetricsLog;
import org.optimbench.jobs.run.RunDirectory;
import org.optimbench.jobs.run.RunStatus;
import org.optimbench.jobs.train.TrainingJob;

/**
 * The comparison reads run directories from HDFS (selected by a glob URI) and writes its output
 * there, replacing an earlier comparison with --overwrite and refusing any other directory.
 */
class CompareHdfsTest {
  @TempDir static Path base;
  static MiniHdfs hdfs;
  static SparkSession spark;

  @BeforeAll
  static void setUp() throws IOException {
    hdfs = MiniHdfs.start(base);
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("compare-hdfs-test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
    spark.sparkContext().setLogLevel("ERROR");
    run("adam_s1", "adam", 0.5, 0.3, 0.2, 0.1);
    run("sgd_s1", "sgd", 0.6, 0.5, 0.45, 0.4);
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
    hdfs.close();
  }

  static void run(String name, String optimizer, double... valid) throws IOException {
    Map<String, Object> conf = new LinkedHashMap<>();
    conf.put("name", name);
    conf.put("workload", Map.of("name", "logreg"));
    conf.put("data", Map.of("train", hdfs.uri("/prep/digits")));
    conf.put("optimizer", Map.of("name", optimizer));
    conf.put("steps", 200);
    RunDirectory dir = RunDirectory.open(hdfs.uri("/cmp/runs"), name, conf, false);
    dir.start(List.of(), List.of("valid_loss"));
    for (int i = 0; i < valid.length; i++) {
      dir.metrics()
          .append(
              MetricsLog.row(50L * (i + 1) - 1)
                  .wallTimeSeconds(i + 1.0)
                  .trainLoss(valid[i])
                  .eval(Map.of("valid_loss", valid[i])));
    }
    dir.metrics().close();
    RunStatus.completed(200).write(dir.dir());
    TrainingJob.writeMetricsParquet(spark, dir.dir());
  }

  @Test
  void readsRunsFromHdfsAndWritesItsOutputThere() throws Exception {
    CompareSettings settings = CompareSettings.parse(Map.of("targets", Map.of("*", 0.3)));
    String out = hdfs.uri("/cmp/out");
    Location written =
        CompareJob.run(
            spark,
            new CompareJob.Request(List.of(hdfs.uri("/cmp/runs/*_s1")), settings, out, false),
            new PrintStream(new ByteArrayOutputStream()));
    assertEquals(Location.of(out).uri(), written.uri());
    assertTrue(written.resolve(CompareOutput.SUCCESS).exists());
    String runs = written.resolve("runs.csv").readString();
    assertTrue(runs.contains("adam_s1") && runs.contains("sgd_s1"), runs);
    assertTrue(runs.contains(hdfs.uri("/cmp/runs/adam_s1")), "runs named by URI: " + runs);
    assertTrue(written.resolve("summary.parquet").resolve("_SUCCESS").exists());
    assertTrue(written.resolve(CompareOutput.REPORT).readString().contains("<html"));

    // an earlier comparison is replaced whole with --overwrite
    written.resolve("stale.txt").replace("old");
    CompareJob.run(
        spark,
        new CompareJob.Request(List.of(hdfs.uri("/cmp/runs")), settings, out, true),
        new PrintStream(new ByteArrayOutputStream()));
    assertFalse(written.resolve("stale.txt").exists());
    assertTrue(written.resolve(CompareOutput.SUCCESS).exists());

    // any other directory is refused and kept
    Location foreign = Location.of(hdfs.uri("/cmp/thesis"));
    foreign.mkdirs();
    foreign.resolve("chapter1.tex").replace("keep me");
    CompareException e =
        assertThrows(
            CompareException.class,
            () ->
                CompareJob.run(
                    spark,
                    new CompareJob.Request(
                        List.of(hdfs.uri("/cmp/runs")), settings, foreign.uri(), true),
                    new PrintStream(new ByteArrayOutputStream())));
    assertTrue(e.getMessage().contains("is not an output of compare"), e.getMessage());
    assertEquals("keep me", foreign.resolve("chapter1.tex").readString());
  }
}
