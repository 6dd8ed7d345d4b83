package org.optimbench.jobs.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.conf.RunConf;

/**
 * Test access to the training job's sweep runner with its conf check, for tests outside this
 * package.
 */
public final class TrainingJobAccess {
  private TrainingJobAccess() {}

  /** The checks scripts/train makes before starting Spark. */
  public static void check(RunConf conf) {
    TrainingJob.check(conf);
  }

  /**
   * Whether evaluations during training use validation row {@code id} at {@code
   * eval.valid_fraction} = {@code fraction}.
   */
  public static boolean inEvaluationSubset(long id, double fraction) {
    return TrainingJob.inEvaluationSubset(id, fraction);
  }

  public static List<WorkerTraining.Outcome> run(
      SparkSession spark, List<RunConf> runs, PrintStream console) throws IOException {
    for (RunConf r : runs) TrainingJob.check(r);
    return TrainingJob.run(spark, runs, console);
  }
}
