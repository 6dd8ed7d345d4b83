package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.run.MetricsLog;
import org.optimbench.jobs.run.RunStatus;

/**
 * For workload tests: train a conf's runs quietly, require each named run COMPLETED, and read its
 * metrics log.
 */
public final class TrainedRun {
  private TrainedRun() {}

  /**
   * Trains {@code runs} (the checks scripts/train makes included) and returns the metrics rows of
   * {@code runDir}, which must be COMPLETED.
   */
  public static List<Map<String, Object>> train(
      SparkSession spark, List<RunConfig> runs, Path runDir) throws IOException {
    TrainingJobAccess.run(spark, runs, new PrintStream(OutputStream.nullOutputStream()));
    assertEquals(
        RunStatus.State.COMPLETED,
        RunStatus.read(runDir).orElseThrow().state(),
        runDir.getFileName().toString());
    return MetricsLog.read(runDir.resolve(MetricsLog.FILE));
  }

  /** Mean training loss over rows [from, to) of a metrics log. */
  public static double meanTrainLoss(List<Map<String, Object>> rows, int from, int to) {
    return rows.subList(from, to).stream()
        .mapToDouble(r -> (Double) r.get("train_loss"))
        .average()
        .orElseThrow();
  }
}
