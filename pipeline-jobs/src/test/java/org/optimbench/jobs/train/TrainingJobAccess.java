package org.optimbench.jobs.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.conf.RunConfig;

/** Test access to the training job's sweep runner, for tests outside this package. */
public final class TrainingJobAccess {
  private TrainingJobAccess() {}

  /**
   * Whether evaluations during training use validation row {@code id} at {@code
   * eval.valid_fraction} = {@code fraction}.
   */
  public static boolean inEvaluationSubset(long id, double fraction) {
    return TrainingJob.inEvaluationSubset(id, fraction);
  }

  /** The problems scripts/train reports before starting Spark (data, schedule length). */
  public static List<String> preflight(List<RunConfig> runs) {
    return Preflight.problems(runs);
  }

  public static List<Outcome> run(SparkSession spark, List<RunConfig> runs, PrintStream console)
      throws IOException {
    return TrainingJob.run(spark, runs, console);
  }
}
