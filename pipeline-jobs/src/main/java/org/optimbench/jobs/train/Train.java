package org.optimbench.jobs.train;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.optim.spec.SpecException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code scripts/train CONF.yaml [dotted.key=value ...]}, and the same class through {@code
 * spark-submit}: expands the conf's sweep, skips runs already completed or diverged, and trains the
 * rest. Exit 0 when every run completed or diverged (a diverged run is a result), 1 when a run
 * failed, 2 for a bad conf.
 *
 * <p>For schedulers that run each run of a sweep as its own task (the Airflow DAG,
 * scripts/airflow/): {@code --list-runs} prints the expanded run names without starting Spark, and
 * {@code --run NAME} trains only that run.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Train the runs of an experiment conf on Spark (single process, gradient sharing or parameter averaging).",
    footer = {"", "Conf keys (YAML, or dotted.key=value overrides):", "%n%s"})
public final class Train implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "CONF.yaml", description = "experiment configuration")
  Path conf;

  @Parameters(
      index = "1..*",
      paramLabel = "KEY=VALUE",
      description = "overrides by dotted key, e.g. optimizer.hparams.lr=0.1 workers=2")
  List<String> overrides = new ArrayList<>();

  @Option(
      names = "--master",
      description =
          "Spark master when not launched by spark-submit (default: the conf's spark.master)")
  String master;

  @Option(
      names = "--list-runs",
      description =
          "print the names of the conf's runs (the sweep expanded), one per line, and exit without starting Spark")
  boolean listRuns;

  @Option(
      names = "--run",
      paramLabel = "NAME",
      description = "train only the run of the sweep with this name (see --list-runs)")
  String run;

  @Override
  public Integer call() throws Exception {
    List<RunConf> runs;
    try {
      runs = RunConf.load(conf, overrides);
      for (RunConf r : runs) TrainingJob.check(r);
    } catch (IllegalArgumentException | NoSuchFileException e) {
      System.err.println(
          "train: "
              + conf
              + ": "
              + (e instanceof NoSuchFileException n
                  ? n.getFile() + ": no such file"
                  : e.getMessage()));
      return 2;
    }
    if (listRuns) {
      for (RunConf r : runs) System.out.println(r.string("name"));
      return 0;
    }
    if (run != null) {
      List<RunConf> only = runs.stream().filter(r -> r.string("name").equals(run)).toList();
      if (only.isEmpty()) {
        System.err.println(
            "train: "
                + conf
                + ": no run named '"
                + run
                + "' in this conf (with these overrides); --list-runs prints the "
                + runs.size()
                + " run names");
        return 2;
      }
      runs = only;
    }
    SparkSession.Builder b =
        SparkSession.builder().appName("optimbench train " + conf.getFileName());
    String m = master != null ? master : runs.get(0).string("spark.master");
    if (System.getProperty("spark.master") == null) b.master(m);
    b.config("spark.ui.showConsoleProgress", "false");
    try (SparkSession spark = b.getOrCreate()) {
      spark.sparkContext().setLogLevel("WARN");
      List<WorkerTraining.Outcome> out = TrainingJob.run(spark, runs, System.out);
      return out.stream().anyMatch(o -> o.state().equals("failed")) ? 1 : 0;
    } catch (SpecException e) {
      // found only once data is opened (a data directory of the wrong kind, a missing manifest):
      // still a bad conf
      System.err.println("train: " + conf + ": " + e.getMessage());
      return 2;
    }
  }

  public static void main(String[] args) {
    CommandLine cl = new CommandLine(new Train());
    cl.getCommandSpec()
        .usageMessage()
        .footer(
            String.format(
                "%nConf keys (YAML, or dotted.key=value overrides):%n%s", RunConf.help()));
    System.exit(cl.execute(args));
  }
}
