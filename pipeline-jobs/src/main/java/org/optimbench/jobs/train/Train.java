package org.optimbench.jobs.train;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.conf.ConfErrors;
import org.optimbench.jobs.conf.ConfException;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.fs.HadoopConfs;
import org.optimbench.jobs.model.NativeSetup;
import org.optimbench.optim.spec.SpecException;
import org.optimbench.prep.common.Errors;
import org.optimbench.prep.common.Sparks;
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
  public Integer call() {
    List<RunConfig> runs;
    try {
      runs = RunConf.load(conf, overrides);
    } catch (ConfErrors e) {
      for (String line : e.lines()) System.err.println("train: " + line);
      return 2;
    } catch (NoSuchFileException e) {
      System.err.println("train: " + conf + ": no such file");
      return 2;
    } catch (IOException e) {
      System.err.println("train: " + conf + ": " + Errors.oneLine(e));
      return 2;
    }
    if (listRuns) {
      for (RunConfig r : runs) System.out.println(r.name());
      return 0;
    }
    if (run != null) {
      List<RunConfig> only = runs.stream().filter(r -> r.name().equals(run)).toList();
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
    String m =
        master != null ? master : System.getProperty("spark.master", runs.get(0).sparkMaster());
    List<ConfException> bad = new ArrayList<>();
    Configuration hadoop = HadoopConfs.current();
    List<RunConfig> qualified = new ArrayList<>();
    for (RunConfig r : runs) qualified.add(r.qualified(m, hadoop, bad));
    if (!bad.isEmpty()) {
      for (String line : bad.stream().map(ConfException::getMessage).distinct().toList())
        System.err.println("train: " + conf + ": " + line);
      return 2;
    }
    runs = qualified;
    List<String> problems = Preflight.problems(runs);
    if (!problems.isEmpty()) {
      for (String p : problems) System.err.println("train: " + conf + ": " + p);
      return 2;
    }
    SparkSession.Builder b =
        SparkSession.builder().appName("optimbench train " + conf.getFileName());
    if (System.getProperty("spark.master") == null) b.master(m);
    b.config("spark.ui.showConsoleProgress", "false");
    // spark-submit's --conf arrive as system properties: the user's plugins are kept
    b.config("spark.plugins", ExecutorSetup.plugins(System.getProperty("spark.plugins")));
    try (SparkSession spark = b.getOrCreate()) {
      List<Outcome> out = TrainingJob.run(spark, runs, System.out);
      long failed = out.stream().filter(o -> o.state().equals(Outcome.FAILED)).count();
      if (failed > 0) System.err.println("train: " + failed + " run(s) failed" + Errors.details());
      return failed > 0 ? 1 : 0;
    } catch (SpecException e) {
      // found only once data is prepared or opened (a data directory of the wrong kind): a bad conf
      System.err.println("train: " + conf + ": " + e.getMessage());
      return 2;
    } catch (Exception e) {
      Errors.log(Train.class, "train failed", e);
      System.err.println("train: " + Errors.oneLine(e) + Errors.details());
      return 1;
    }
  }

  public static void main(String[] args) {
    NativeSetup.installOrExit(
        "train"); // before ND4J loads (in local mode the workers share this process)
    CommandLine cl = new CommandLine(new Train());
    cl.getCommandSpec()
        .usageMessage()
        .footer(
            String.format(
                "%nConf keys (YAML, or dotted.key=value overrides):%n%s", RunConf.help()));
    Sparks.exit(cl.execute(args));
  }
}
