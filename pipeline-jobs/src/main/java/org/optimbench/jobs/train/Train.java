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
 * {@code scripts/train CONF.yaml [dotted.key=value ...]}, and the same class through
 * {@code spark-submit}: expands the conf's sweep, skips runs already completed or diverged, and
 * trains the rest. Exit 0 when every run completed or diverged (a diverged run is a result), 1 when
 * a run failed, 2 for a bad conf.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Train the runs of an experiment conf on Spark (single process, gradient sharing or parameter averaging).",
    footer = {"", "Conf keys (YAML, or dotted.key=value overrides):", "%n%s"})
public final class Train implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "CONF.yaml", description = "experiment configuration")
  Path conf;

  @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "overrides by dotted key, e.g. optimizer.hparams.lr=0.1 workers=2")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--master", description = "Spark master when not launched by spark-submit (default: the conf's spark.master)")
  String master;

  @Override
  public Integer call() throws Exception {
    List<RunConf> runs;
    try {
      runs = RunConf.load(conf, overrides);
      for (RunConf r : runs) TrainingJob.check(r);
    } catch (IllegalArgumentException | NoSuchFileException e) {
      System.err.println("train: " + conf + ": " + (e instanceof NoSuchFileException n ? n.getFile() + ": no such file" : e.getMessage()));
      return 2;
    }
    SparkSession.Builder b = SparkSession.builder().appName("optimbench train " + conf.getFileName());
    String m = master != null ? master : runs.get(0).string("spark.master");
    if (System.getProperty("spark.master") == null) b.master(m);
    b.config("spark.ui.showConsoleProgress", "false");
    try (SparkSession spark = b.getOrCreate()) {
      spark.sparkContext().setLogLevel("WARN");
      List<WorkerTraining.Outcome> out = TrainingJob.run(spark, runs, System.out);
      return out.stream().anyMatch(o -> o.state().equals("failed")) ? 1 : 0;
    } catch (SpecException e) {
      System.err.println("train: " + conf + ": " + e.getMessage());
      return 2;
    }
  }

  public static void main(String[] args) {
    CommandLine cl = new CommandLine(new Train());
    cl.getCommandSpec().usageMessage().footer(String.format("%nConf keys (YAML, or dotted.key=value overrides):%n%s", RunConf.help()));
    System.exit(cl.execute(args));
  }
}
