package org.optimbench.jobs.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.conf.Mode;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.data.ParquetRangeReader;
import org.optimbench.jobs.data.SplitIndex;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.run.Checkpoints;
import org.optimbench.jobs.run.SweepState;
import org.optimbench.jobs.workload.PreparedData;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.optim.spec.SpecException;
import org.optimbench.prep.common.Errors;
import org.optimbench.prep.common.StableHash;

/**
 * Runs a sweep: every run of the expanded conf that is not already completed or diverged, one after
 * another. For a run, the driver lists data-prep's output (the manifest, and each split's row
 * groups from the Parquet footers) and trains in {@link Mode#SINGLE} on the driver or in N Spark
 * barrier tasks joined by the ring all-reduce; every worker streams its own rows straight from
 * storage (package {@code org.optimbench.jobs.data}), so no training row is shuffled through Spark
 * or collected anywhere. A run that fails is recorded as failed and the sweep goes on. The peer
 * mode {@link Mode#DL4J_AVERAGING} is trained by DL4J's own Spark master instead ({@link
 * Dl4jAveraging}).
 *
 * <p>Validation rows: the evaluations during training see the rows kept by {@code
 * eval.valid_fraction} ({@link #inEvaluationSubset}); with {@code eval.final: spark}, once the
 * workers are done, {@link FinalEvaluation} scores the whole split with a Spark job and completes
 * the run.
 */
public final class TrainingJob {
  private TrainingJob() {}

  public static List<Outcome> run(SparkSession spark, List<RunConfig> runs, PrintStream console)
      throws IOException {
    executorMemoryWarning(spark.sparkContext().getConf(), spark.sparkContext().master(), runs)
        .ifPresent(console::println);
    List<String> names = runs.stream().map(RunConfig::name).toList();
    Location root = Location.of(runs.get(0).output());
    SweepState sweep = SweepState.scan(root, names);
    List<Outcome> out = new ArrayList<>();
    for (RunConfig conf : runs) {
      String name = conf.name();
      if (sweep.finished().contains(name)) {
        console.println(
            name
                + ": already "
                + sweep
                    .status(name)
                    .map(s -> s.state().name().toLowerCase(java.util.Locale.ROOT))
                    .orElse("finished")
                + ", skipped");
        // the Parquet copy is written after the final status: a process that died in between left
        // none
        if (!MetricsParquet.isCommitted(root.resolve(name)))
          writeMetricsParquet(spark, root.resolve(name));
        continue;
      }
      spark.sparkContext().setJobDescription("optimbench train " + name);
      try {
        Outcome o = runOne(spark, conf, console);
        writeMetricsParquet(spark, root.resolve(name));
        out.add(o);
      } catch (SpecException e) {
        throw e; // the conf or its data is wrong: every run would fail alike
      } catch (
          Exception e) { // SparkException is checked; a failed run is recorded, the sweep goes on
        String why = Errors.oneLine(e);
        console.println(name + ": FAILED: " + why);
        Errors.log(TrainingJob.class, name + " failed", e);
        out.add(new Outcome(name, Outcome.FAILED, -1, why));
      }
    }
    return out;
  }

  /**
   * One line when Spark's {@code spark.executor.memory} is set, the workers run on executors (a
   * distributed mode on a master other than {@code local}) and it is smaller than the largest
   * {@code executor_memory} a run of the sweep states: the size the run's conf was checked against
   * (docs/DATA.md, "Memory"). Empty otherwise.
   */
  static Optional<String> executorMemoryWarning(
      SparkConf spark, String master, List<RunConfig> runs) {
    if (!spark.contains("spark.executor.memory") || master.startsWith("local"))
      return Optional.empty();
    long given = spark.getSizeAsMb("spark.executor.memory") << 20;
    RunConfig largest = null;
    for (RunConfig r : runs) {
      if (r.parallelism().mode() == Mode.SINGLE || !r.resources().stated()) continue;
      if (largest == null
          || r.resources().executorMemoryBytes() > largest.resources().executorMemoryBytes())
        largest = r;
    }
    if (largest == null || given >= largest.resources().executorMemoryBytes())
      return Optional.empty();
    return Optional.of(
        String.format(
            java.util.Locale.ROOT,
            "warning: spark.executor.memory is %s, less than the executor_memory %s that %s is"
                + " sized for: its workers may run out of memory (docs/DATA.md, \"Memory\")",
            spark.get("spark.executor.memory"),
            RunConfig.Resources.format(largest.resources().executorMemoryBytes()),
            largest.name()));
  }

  /**
   * Whether the validation row {@code id} is among the {@code fraction} of rows that evaluations
   * during training use: a stable hash of the id (data-prep's {@link StableHash}, under a seed of
   * its own so the subset is independent of data-prep's split assignment) below the fraction. The
   * same rows for every run, worker count and resume.
   */
  static boolean inEvaluationSubset(long id, double fraction) {
    return fraction >= 1.0 || StableHash.unit(StableHash.hash(EVAL_SUBSET_SEED, id)) < fraction;
  }

  private static final long EVAL_SUBSET_SEED = 0x6576616c5f737562L; // "eval_sub"

  static Outcome runOne(SparkSession spark, RunConfig conf, PrintStream console)
      throws IOException {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Location train = Location.of(conf.data().train(), hadoop);
    String source = conf.data().source();
    if (!train.exists() && !source.isEmpty())
      conf.workload().prepare(spark, source, train.uri(), console);
    PreparedData data = PreparedData.open(train, "data.train");
    Workload workload = conf.workload().bind(data);
    conf.checkBound(workload);
    String validDir = conf.data().valid();
    if (!validDir.isEmpty()) conf.workload().bind(PreparedData.open(validDir, "data.valid"));
    // The driver lists the splits' row groups from the Parquet footers (no data read); each worker
    // then reads only its own rows, so no training row passes through Spark or the driver.
    SplitIndex trainSplit = SplitIndex.load(train.uri(), "train", hadoop);
    SplitIndex validSplit =
        SplitIndex.load(validDir.isEmpty() ? train.uri() : validDir, "valid", hadoop);
    ParquetRangeReader.checkColumns(trainSplit, workload.schema(), hadoop);
    ParquetRangeReader.checkColumns(validSplit, workload.schema(), hadoop);
    if (conf.evaluation().finalOnSpark()) {
      // Killed (or failed) after the final checkpoint but before the evaluation after training
      // completed the run: evaluate from that checkpoint without relaunching the workers.
      long steps = conf.totalSteps(trainSplit.rows());
      Location runDir = Location.of(conf.output(), hadoop).resolve(conf.name());
      Optional<Long> last = new Checkpoints(runDir, Checkpoints.DEFAULT_KEEP).latestStep();
      if (last.isPresent() && last.get() == steps) {
        console.printf(
            java.util.Locale.ROOT,
            "%s: trained already (checkpoint at step %d); evaluating after training only%n",
            conf.name(),
            steps);
        return FinalEvaluation.complete(
            spark,
            conf,
            workload,
            validSplit,
            new Outcome(conf.name(), Outcome.TRAINED, steps, ""),
            console);
      }
    }
    Outcome trained =
        switch (conf.parallelism().mode()) {
          case SINGLE ->
              WorkerTraining.run(
                  conf,
                  workload,
                  trainSplit,
                  validSplit,
                  0,
                  AllReduce.single(),
                  hadoop,
                  console,
                  0);
          case DL4J_AVERAGING ->
              Dl4jAveraging.train(spark, conf, workload, trainSplit, validSplit, console);
          default -> Launcher.train(spark, conf, workload, trainSplit, validSplit, console);
        };
    if (!trained.state().equals(Outcome.TRAINED)) return trained;
    return FinalEvaluation.complete(spark, conf, workload, validSplit, trained, console);
  }

  /** {@link MetricsParquet#write} of a local run directory. */
  public static void writeMetricsParquet(SparkSession spark, Path runDir) throws IOException {
    MetricsParquet.write(spark, Location.local(runDir));
  }

  /** {@link MetricsParquet#write}. */
  public static void writeMetricsParquet(SparkSession spark, Location runDir) throws IOException {
    MetricsParquet.write(spark, runDir);
  }
}
