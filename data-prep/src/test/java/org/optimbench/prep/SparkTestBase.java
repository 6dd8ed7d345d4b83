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
   * System property naming the directory of the optional extra datasets (the binary classics in
   * {@code libsvm-binary/}), which the repository does not ship. When unset, the environment
   * variable {@link #EXTRA_DATA_ENV} is read instead.
   */
  public static final String EXTRA_DATA_PROPERTY = "optimbench.extraData";

  /** Environment variable read when {@link #EXTRA_DATA_PROPERTY} is not set. */
  public static final String EXTRA_DATA_ENV = "OPTIMBENCH_EXTRA_DATA";

  /**
   * The subdirectory {@code sub} of the extra-data directory, or a skipped test when no extra data
   * is configured or it has no such subdirectory.
   */
  public static Path extraData(String sub) {
    return extraData(sub, System.getProperty(EXTRA_DATA_PROPERTY), System.getenv(EXTRA_DATA_ENV));
  }

  /** {@link #extraData(String)} with the property and environment values given (for its test). */
  static Path extraData(String sub, String property, String env) {
    String root = property != null && !property.isBlank() ? property : env;
    Assumptions.assumeTrue(
        root != null && !root.isBlank(),
        "no extra data configured (-D"
            + EXTRA_DATA_PROPERTY
            + " or "
            + EXTRA_DATA_ENV
            + "); skipping");
    Path p = Paths.get(root).resolve(sub).normalize();
    Assumptions.assumeTrue(Files.isDirectory(p), "extra data " + p + " is absent; skipping");
    return p;
  }
}
