package org.optimbench.jobs.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.data.SplitIndex;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.run.Checkpoint;
import org.optimbench.jobs.run.Checkpoints;
import org.optimbench.jobs.run.RunDirectory;
import org.optimbench.jobs.workload.BroadcastModel;
import org.optimbench.jobs.workload.Workload;

/**
 * {@code eval.final: spark}: the evaluation after training, on the driver, once the workers have
 * committed the final checkpoint and ended with status RUNNING ({@link RunDirectory#endTraining}).
 * It reads that checkpoint, takes the optimizer's evaluation point from it (the parameters the
 * evaluations during training use: Schedule-Free's averaged iterate, for instance), broadcasts it,
 * lets the workload score the whole validation split with Spark ({@link Workload#evaluateOnSpark}),
 * and completes the run with the values in the {@code final.<metric>} columns of the last metrics
 * row ({@link RunDirectory#completeWithFinal}). A failure marks the run FAILED; a re-run finds the
 * final checkpoint and evaluates again from it, without relaunching the workers ({@code
 * TrainingJob.runOne}).
 */
final class FinalEvaluation {
  private FinalEvaluation() {}

  static Outcome complete(
      SparkSession spark,
      RunConfig conf,
      Workload workload,
      SplitIndex valid,
      Outcome trained,
      PrintStream console)
      throws IOException {
    String name = conf.name();
    long steps = trained.step();
    RunDirectory dir = RunDirectory.open(conf.output(), conf.name(), conf.resolvedTree(), false);
    try {
      long t0 = System.nanoTime();
      Map<String, Double> finals = evaluate(spark, conf, workload, dir, valid, steps);
      dir.completeWithFinal(steps, finals);
      StringBuilder b = new StringBuilder();
      finals.forEach((k, v) -> b.append(String.format(Locale.ROOT, "  final.%s %.5f", k, v)));
      console.printf(
          Locale.ROOT,
          "%s: completed %d steps, evaluated after training in %.1f s:%s -> %s%n",
          name,
          steps,
          (System.nanoTime() - t0) / 1e9,
          b,
          dir.dir());
      return new Outcome(name, Outcome.COMPLETED, steps, "");
    } catch (
        Exception
            e) { // Spark's exceptions are checked but undeclared: catch them too, rethrown as they
      // are
      dir.fail(
          steps,
          "evaluation after training: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      throw e;
    }
  }

  /**
   * The workload's metrics over {@code valid} at the evaluation point of the final checkpoint
   * (after {@code steps} steps).
   */
  static Map<String, Double> evaluate(
      SparkSession spark,
      RunConfig conf,
      Workload workload,
      RunDirectory dir,
      SplitIndex valid,
      long steps)
      throws IOException {
    Checkpoint ck =
        new Checkpoints(dir.dir(), Checkpoints.DEFAULT_KEEP)
            .latest()
            .orElseThrow(
                () ->
                    new IllegalStateException(dir.dir() + ": no committed checkpoint to evaluate"));
    if (ck.step() != steps)
      throw new IllegalStateException(
          dir.dir()
              + ": the last checkpoint is at step "
              + ck.step()
              + ", training ended at "
              + steps);
    DataType dtype = conf.training().dataType();
    long seed = conf.training().seed();
    NetworkModel model = workload.build(dtype, seed);
    CheckpointListener.checkLayout(ck, model);
    model.view().params().assign(ck.params());
    INDArray at = conf.newOptimizer().evalParams(model.view(), ck.state());
    spark
        .sparkContext()
        .setJobDescription("optimbench evaluate " + conf.name() + " after training");
    BroadcastModel params = BroadcastModel.of(spark, at, dtype, seed);
    try {
      return workload.evaluateOnSpark(spark, valid, params);
    } finally {
      params.destroy();
    }
  }
}
