package org.optimbench.jobs.workload;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.model.NetworkModel;

/**
 * Everything the training engine needs to know about one workload (model plus data kind), so the
 * engine ({@code train.WorkerTraining}, {@code train.LocalData}, {@code train.TrainingJob}) has no
 * workload-specific code. An instance is bound to a validated {@code workload:} spec and the sizes
 * read from data-prep's manifest ({@link Workloads#create}); it is built on the driver and
 * serialized to the Spark tasks, so it holds only sizes and settings, never arrays.
 *
 * <p>The engine's contract: {@link #read} gives every row a stable id; each worker keeps its rows
 * sorted by id and asks {@link #encode} for their network inputs once; a step's batch is a pure
 * function of (seed, worker, step) selecting row positions, so resumed runs are bit-exact; {@link
 * #evaluate} is called by every worker at the same steps with its own validation rows and must
 * return the same values on every worker (combine through {@code comm}, see {@link Metrics}).
 * {@link #evaluateOnSpark}, where a workload has it, computes the same metrics over a whole split
 * with Spark jobs after training.
 */
public interface Workload extends Serializable {
  /** The registry name ({@code logreg}, {@code mlp}, {@code dlrm}, ...). */
  String name();

  /** A freshly initialized network for this dtype and seed (same seed, same parameters). */
  NetworkModel build(DataType dtype, long seed);

  /**
   * The rows of one split of a data-prep output (see {@link PreparedRows} for each data kind), each
   * marked {@code valid} as given. Missing columns are errors naming the directory and column.
   */
  JavaRDD<Example> read(SparkSession spark, Path dataDir, String split, boolean valid);

  /**
   * The network inputs and labels of {@code rows} (in this order), from which batches are pulled by
   * position.
   */
  EncodedRows encode(List<Example> rows, DataType dtype);

  /**
   * The evaluation metrics {@link #evaluate} returns, in log column order ({@code eval.<name>}).
   */
  List<String> metricNames();

  /**
   * The metrics over every worker's validation rows at the model's current parameters. Every worker
   * calls it (with possibly zero rows) and gets identical values; an empty map when the validation
   * split is empty everywhere.
   */
  Map<String, Double> evaluate(NetworkModel model, EncodedRows valid, AllReduce comm);

  /**
   * The metrics of {@link #metricNames} over every row of {@code rows} (a whole validation split)
   * at the broadcast parameters, computed by Spark jobs from the driver ({@code eval.final: spark},
   * after training): for splits too large to evaluate inside the training tasks. Implemented by the
   * workloads whose definition says {@link WorkloadDefinition#evaluatesOnSpark}; an empty map when
   * {@code rows} is empty.
   */
  default Map<String, Double> evaluateOnSpark(
      SparkSession spark, JavaRDD<Example> rows, BroadcastModel params) {
    throw new UnsupportedOperationException("workload " + name() + " has no Spark evaluation");
  }
}
