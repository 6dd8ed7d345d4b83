package org.optimbench.jobs.workload;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.data.ChunkSchema;
import org.optimbench.jobs.data.RowChunk;
import org.optimbench.jobs.data.RowRefs;
import org.optimbench.jobs.data.SplitIndex;
import org.optimbench.jobs.model.NetworkModel;

/**
 * Everything the training engine needs to know about one workload (model plus data kind), so the
 * engine has no workload-specific code. An instance is bound to a validated {@code workload:} spec
 * and the sizes read from data-prep's manifest ({@link WorkloadDefinition#bind}); it is built on
 * the driver and serialized to the Spark tasks, so it holds only sizes and settings, never arrays.
 *
 * <p>The engine's contract: each worker streams its own rows of data-prep's Parquet in {@link
 * #schema}'s columns (package {@code org.optimbench.jobs.data}), a batch at a time, and asks {@link
 * #encode} for a batch's network inputs; rows carry stable ids; {@link #evaluate} is called by
 * every worker at the same steps with its own validation rows and must return the same values on
 * every worker (combine through {@code comm}, see {@link Metrics}). {@link #evaluateOnSpark}, where
 * a workload has it, computes the same metrics over a whole split with Spark jobs after training.
 */
public interface Workload extends Serializable {
  /** The registry name ({@code logreg}, {@code mlp}, {@code dlrm}, ...). */
  String name();

  /** A freshly initialized network for this dtype and seed (same seed, same parameters). */
  NetworkModel build(DataType dtype, long seed);

  /** The columns of data-prep's output this workload reads. */
  ChunkSchema schema();

  /**
   * The columns a run of {@code dtype} reads: {@link #schema()}, or columns decoded into narrower
   * arrays where {@link #encode} would round their values to {@code dtype} anyway (the same batches
   * from less memory). The training data path reads with these; {@link #encode} takes chunks of
   * either.
   */
  default ChunkSchema schema(DataType dtype) {
    return schema();
  }

  /**
   * The network inputs and labels of {@code rows} (of {@link #schema}), in their order. Values
   * outside what the network takes (a feature index beyond the input size, a class or token outside
   * the vocabulary) are errors naming the row's id.
   */
  MultiDataSet encode(RowChunk rows, DataType dtype);

  /**
   * {@link #encode(RowChunk, DataType)} of the referenced rows, gathered into one chunk (what this
   * default does); a workload that can read its rows where they lie overrides it to skip that copy,
   * with the same result.
   */
  default MultiDataSet encode(RowRefs rows, DataType dtype) {
    return encode(rows.gather(), dtype);
  }

  /**
   * Whether {@link #build} makes a network with embedding tables ({@code
   * NetworkModel.embeddingTables}), which the optimizer {@code row_sparse} needs. Default: none.
   */
  default boolean hasEmbeddingTables() {
    return false;
  }

  /**
   * The evaluation metrics {@link #evaluate} returns, in log column order ({@code eval.<name>}).
   */
  List<String> metricNames();

  /** Rows an evaluation encodes and scores at a time: bounds its memory, whatever the split. */
  default int evaluationChunkRows() {
    return 1024;
  }

  /**
   * The metrics over every worker's validation rows at the model's current parameters. Every worker
   * calls it (with possibly zero rows) and gets identical values; an empty map when the validation
   * split is empty everywhere.
   */
  Map<String, Double> evaluate(NetworkModel model, ValidationRows valid, AllReduce comm);

  /**
   * The metrics of {@link #metricNames} over every row of {@code split} (a whole validation split)
   * at the broadcast parameters, computed by Spark jobs from the driver ({@code eval.final: spark},
   * after training): for splits too large to evaluate inside the training tasks. Implemented by the
   * workloads whose definition says {@link WorkloadDefinition#evaluatesOnSpark}; an empty map when
   * the split is empty.
   */
  default Map<String, Double> evaluateOnSpark(
      SparkSession spark, SplitIndex split, BroadcastModel params) {
    throw new UnsupportedOperationException("workload " + name() + " has no Spark evaluation");
  }
}
