package org.optimbench.jobs.workload;

import java.io.IOException;
import java.io.PrintStream;
import org.apache.spark.sql.SparkSession;
import org.optimbench.optim.spec.SpecException;

/**
 * How a workload is made from its {@code workload:} spec and its data. {@code S} is its parsed,
 * checked spec. Definitions register in {@code workload.registry.Workloads}; a conf resolves its
 * spec there at load time ({@link #parse}, no data read), and the trainer binds it to the data
 * ({@link #bind}).
 */
public interface WorkloadDefinition<S> {
  /** Reads and checks every key of the spec (call {@link WorkloadSpec#finish()} at the end). */
  S parse(WorkloadSpec spec);

  /**
   * The workload for this data (sizes from the manifest; wrong data kind is an error naming the
   * manifest).
   */
  Workload bind(S spec, PreparedData data);

  /**
   * Prepares {@code data.train} ({@code target}) from the conf's {@code data.source} when it does
   * not exist yet (logreg/mlp: data-prep's LIBSVM job; dlrm: {@code CriteoSource}). Default: the
   * workload cannot, and says so.
   */
  default void prepare(SparkSession spark, String source, String target, PrintStream console)
      throws IOException {
    throw new SpecException(
        "data.source",
        "this workload does not prepare its data from data.source; run scripts/prepare and set data.train to its output ("
            + target
            + " does not exist)");
  }

  /**
   * Whether the bound workload implements {@link Workload#evaluateOnSpark} ({@code eval.final:
   * spark}).
   */
  default boolean evaluatesOnSpark() {
    return false;
  }

  /**
   * Whether a network of this spec can have embedding tables ({@code NetworkModel.embeddingTables},
   * what the optimizer {@code row_sparse} updates), so that a conf asking for row-sparse updates of
   * a workload without tables is refused at load time. Default: it cannot.
   */
  default boolean mayHaveEmbeddingTables(S spec) {
    return false;
  }
}
