package org.optimbench.jobs.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.collective.BarrierRunner;
import org.optimbench.jobs.collective.CollectiveOptions;
import org.optimbench.jobs.conf.ConfException;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.run.AtomicFiles;
import org.optimbench.jobs.run.Checkpoints;
import org.optimbench.jobs.run.SweepState;
import org.optimbench.jobs.workload.Example;
import org.optimbench.jobs.workload.PreparedData;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.jobs.workload.registry.Workloads;
import org.optimbench.prep.common.StableHash;
import scala.Tuple2;

/**
 * Runs a sweep: every run of the expanded conf that is not already completed or diverged, one after
 * another. A run reads data-prep's output (manifest + Parquet) through its {@link Workload}, gives
 * each worker a fixed partition (rows hashed by their stable id), and trains in {@link Mode#SINGLE}
 * on the driver or in N Spark barrier tasks joined by the ring all-reduce. A run that fails is
 * recorded as failed and the sweep goes on.
 *
 * <p>Validation rows: the evaluations during training see the rows kept by {@code
 * eval.valid_fraction} ({@link #inEvaluationSubset}); with {@code eval.final: spark}, once the
 * workers are done, {@link FinalEvaluation} scores the whole split with a Spark job and completes
 * the run.
 */
public final class TrainingJob {
  private TrainingJob() {}

  public static List<WorkerTraining.Outcome> run(
      SparkSession spark, List<RunConf> runs, PrintStream console) throws IOException {
    List<String> names = runs.stream().map(r -> r.string("name")).toList();
    Path root = Path.of(runs.get(0).string("output"));
    SweepState sweep = SweepState.scan(root, names);
    List<WorkerTraining.Outcome> out = new ArrayList<>();
    for (RunConf conf : runs) {
      String name = conf.string("name");
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
        if (!Files.exists(root.resolve(name).resolve("metrics.parquet").resolve("_SUCCESS")))
          writeMetricsParquet(spark, root.resolve(name));
        continue;
      }
      check(conf);
      spark.sparkContext().setJobDescription("optimbench train " + name);
      try {
        WorkerTraining.Outcome o = runOne(spark, conf, console);
        writeMetricsParquet(spark, root.resolve(name));
        out.add(o);
      } catch (ConfException e) {
        throw e;
      } catch (
          Exception
              e) { // SparkException is checked; a failed run is recorded and the sweep goes on
        console.println(name + ": FAILED: " + e.getMessage());
        out.add(new WorkerTraining.Outcome(name, "failed", -1, String.valueOf(e.getMessage())));
      }
    }
    return out;
  }

  /** Checks that need the whole conf (mode-dependent rules, the workload spec); no data is read. */
  static void check(RunConf conf) {
    Mode mode = Mode.of(conf.string("mode"));
    long k = conf.integer("averaging_frequency");
    if (mode == Mode.SINGLE && conf.integer("workers") != 1)
      throw new ConfException(
          "workers", "mode single runs one worker, got " + conf.integer("workers"));
    if (mode == Mode.PARAM_AVERAGING) {
      for (String key : List.of("eval_every", "checkpoint_every")) {
        if (conf.integer(key) % k != 0)
          throw new ConfException(
              key,
              conf.integer(key)
                  + " must be a multiple of averaging_frequency "
                  + k
                  + " (workers agree only after averaging)");
      }
    }
    Workloads.check(conf.object("workload"));
    if (!conf.string("eval.final").equals("none")
        && !Workloads.definition(conf.object("workload")).evaluatesOnSpark()) {
      throw new ConfException(
          "eval.final",
          "workload "
              + conf.object("workload").get("name")
              + " has no evaluation on Spark; use none (dlrm has one)");
    }
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

  static WorkerTraining.Outcome runOne(SparkSession spark, RunConf conf, PrintStream console)
      throws IOException {
    Path train = Path.of(conf.string("data.train"));
    String source = conf.string("data.source");
    if (!Files.exists(train) && !source.isEmpty())
      Workloads.definition(conf.object("workload")).prepare(spark, source, train, console);
    PreparedData data = PreparedData.open(train, "data.train");
    Workload workload = Workloads.create(conf.object("workload"), data);
    long trainRows = data.rows("train");
    String validDir = conf.string("data.valid");
    JavaRDD<Example> valid =
        validDir.isEmpty()
            ? workload.read(spark, train, "valid", true)
            : workload.read(
                spark, PreparedData.open(Path.of(validDir), "data.valid").dir(), "valid", true);
    if (!conf.string("eval.final").equals("none")) {
      // Killed (or failed) after the final checkpoint but before the evaluation after training
      // completed the run: evaluate from that checkpoint without relaunching the workers, which
      // would load every training row only to take no step.
      long steps = WorkerTraining.totalSteps(conf, trainRows);
      Path runDir = Path.of(conf.string("output")).resolve(conf.string("name"));
      Optional<Long> last = new Checkpoints(runDir, Checkpoints.DEFAULT_KEEP).latestStep();
      if (last.isPresent() && last.get() == steps) {
        console.printf(
            java.util.Locale.ROOT,
            "%s: trained already (checkpoint at step %d); evaluating after training only%n",
            conf.string("name"),
            steps);
        return FinalEvaluation.complete(
            spark,
            conf,
            workload,
            valid,
            new WorkerTraining.Outcome(conf.string("name"), WorkerTraining.TRAINED, steps, ""),
            console);
      }
    }
    double fraction = conf.real("eval.valid_fraction");
    JavaRDD<Example> rows =
        workload
            .read(spark, train, "train", false)
            .union(
                fraction >= 1.0 ? valid : valid.filter(e -> inEvaluationSubset(e.id(), fraction)));
    WorkerTraining.Outcome trained = train(spark, conf, workload, trainRows, rows, console);
    if (!trained.state().equals(WorkerTraining.TRAINED)) return trained;
    return FinalEvaluation.complete(spark, conf, workload, valid, trained, console);
  }

  private static WorkerTraining.Outcome train(
      SparkSession spark,
      RunConf conf,
      Workload workload,
      long trainRows,
      JavaRDD<Example> rows,
      PrintStream console)
      throws IOException {
    int workers = (int) conf.integer("workers");
    if (Mode.of(conf.string("mode")) == Mode.SINGLE) {
      return WorkerTraining.run(
          conf, workload, trainRows, 0, AllReduce.single(), rows.collect(), console);
    }
    Map<String, Object> tree = conf.resolvedTree();
    JavaRDD<Example> parts =
        rows.mapToPair(e -> new Tuple2<>(e.id(), e))
            .partitionBy(new HashPartitioner(workers))
            .values();
    List<WorkerTraining.Outcome> results =
        BarrierRunner.runOnPartitions(
            parts,
            CollectiveOptions.defaults(),
            (ctx, it) -> {
              List<Example> local = new ArrayList<>();
              it.forEachRemaining(local::add);
              try {
                return WorkerTraining.run(
                    RunConf.fromTree(tree),
                    workload,
                    trainRows,
                    ctx.rank(),
                    ctx.allReduce(),
                    local,
                    System.out);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    return results.get(0);
  }

  /**
   * Writes {@code metrics.parquet} next to {@code metrics.csv} (same columns: step and samples as
   * longs, the rest doubles), through a temporary directory renamed into place, so a reader never
   * sees a partial copy.
   */
  public static void writeMetricsParquet(SparkSession spark, Path runDir) throws IOException {
    Path csv = runDir.resolve(org.optimbench.jobs.run.MetricsLog.FILE);
    if (!Files.exists(csv)) return;
    List<Map<String, Object>> rows = org.optimbench.jobs.run.MetricsLog.read(csv);
    if (rows.isEmpty()) return;
    List<String> cols = new ArrayList<>(rows.get(0).keySet());
    org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType();
    for (String c : cols) {
      boolean isLong = c.equals("step") || c.equals("samples");
      schema =
          schema.add(
              c,
              isLong
                  ? org.apache.spark.sql.types.DataTypes.LongType
                  : org.apache.spark.sql.types.DataTypes.DoubleType,
              true);
    }
    List<Row> data = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      Object[] v = new Object[cols.size()];
      for (int i = 0; i < v.length; i++) v[i] = r.get(cols.get(i));
      data.add(org.apache.spark.sql.RowFactory.create(v));
    }
    Path tmp = runDir.resolve(".metrics.parquet.tmp");
    Path target = runDir.resolve("metrics.parquet");
    AtomicFiles.deleteTree(tmp);
    spark.createDataFrame(data, schema).coalesce(1).write().parquet(tmp.toString());
    AtomicFiles.deleteTree(target);
    Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
