package org.optimbench.jobs.testing;

import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session of a test class: local[2] (two barrier workers), no UI, two shuffle partitions,
 * no stage retries (a failing test fails at once), Spark's own logging quiet.
 */
public final class LocalSpark {
  private LocalSpark() {}

  public static SparkSession start(String appName) {
    return start(appName, Map.of());
  }

  /**
   * As {@link #start(String)}, with Hadoop settings (an object store's endpoint and credentials)
   * given as an application gives them: {@code spark.hadoop.<key>}.
   */
  public static SparkSession start(String appName, Map<String, String> hadoopSettings) {
    SparkSession.Builder builder =
        SparkSession.builder()
            .master("local[2]")
            .appName(appName)
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.stage.maxConsecutiveAttempts", "1");
    hadoopSettings.forEach((k, v) -> builder.config("spark.hadoop." + k, v));
    SparkSession spark = builder.getOrCreate();
    spark.sparkContext().setLogLevel("ERROR");
    return spark;
  }

  /**
   * Stops {@code spark} and forgets it: stop() can leave the session registered, and tests that
   * check no Spark was started share this JVM.
   */
  public static void stop(SparkSession spark) {
    spark.stop();
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
  }
}
