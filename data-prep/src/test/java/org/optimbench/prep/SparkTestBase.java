package org.optimbench.prep;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/** One local[2] SparkSession per test class (UI off, few shuffle partitions). */
public abstract class SparkTestBase {
  protected static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("data-prep-test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.default.parallelism", "2")
            .config("spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
            .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
      spark = null;
    }
  }

  /** The repository root (tests run in data-prep/). */
  public static Path repoRoot() {
    Path here = Paths.get("").toAbsolutePath();
    return Files.exists(here.resolve("data-prep")) ? here : here.getParent();
  }

  /**
   * {@code ../shared/data/<sub>} beside the repository (the module's {@code ../../shared}), or a
   * skipped test when this checkout has none.
   */
  public static Path sharedData(String sub) {
    String prop = System.getProperty("optimbench.shared");
    Path shared = prop != null ? Paths.get(prop) : repoRoot().resolve("../shared");
    Path p = shared.resolve("data").resolve(sub).normalize();
    Assumptions.assumeTrue(
        Files.isDirectory(p),
        "shared data " + p + " is absent; skipping (it lives beside the repo in ../shared)");
    return p;
  }
}
