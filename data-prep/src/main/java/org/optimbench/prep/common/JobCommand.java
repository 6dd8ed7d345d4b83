package org.optimbench.prep.common;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The CLI shell of a job: resolves the config (conf file, then options), builds the SparkSession,
 * calls {@link #run}, and maps failures to exit codes: 0 done, 1 bad input or job failure (with the
 * file, line and reason), 2 invalid options or configuration.
 */
public abstract class JobCommand<C> implements Callable<Integer> {
  public static final int EXIT_FAILED = 1;
  public static final int EXIT_USAGE = 2;

  @Spec protected CommandSpec spec;

  @Mixin protected IoOptions io;

  @Option(
      names = "--conf",
      paramLabel = "FILE",
      description =
          "YAML file of parameters (keys are the long option names); options win over it.")
  protected Path conf;

  @Option(
      names = "--master",
      paramLabel = "URL",
      description = "Spark master (default: the one spark-submit sets, else local[*]).")
  protected String master;

  protected abstract Class<C> configType();

  protected abstract String jobName();

  /** Runs the job on an existing session; the pure entry point that tests call. */
  protected abstract void execute(SparkSession spark, C config) throws Exception;

  @Override
  public Integer call() {
    C config;
    try {
      config = Configs.resolve(configType(), conf, spec);
    } catch (Exception e) {
      System.err.println("prepare " + jobName() + ": invalid configuration: " + e.getMessage());
      return EXIT_USAGE;
    }
    boolean ownSession =
        SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = Sparks.session(master, "prepare-" + jobName());
    try {
      execute(spark, config);
      return 0;
    } catch (Exception e) {
      String bad = BadInputException.find(e);
      if (bad != null) {
        System.err.println("prepare " + jobName() + ": bad input: " + bad);
      } else if (e instanceof IllegalStateException || e instanceof IllegalArgumentException) {
        System.err.println("prepare " + jobName() + ": " + e.getMessage());
      } else {
        Errors.log(JobCommand.class, "prepare " + jobName() + " failed", e);
        System.err.println(
            "prepare " + jobName() + ": failed: " + Errors.oneLine(e) + Errors.details());
      }
      return EXIT_FAILED;
    } finally {
      if (ownSession) {
        spark.stop();
      }
    }
  }
}
