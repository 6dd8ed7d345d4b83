package org.optimbench.jobs.workload.registry;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.workload.PreparedData;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.jobs.workload.WorkloadDefinition;
import org.optimbench.jobs.workload.WorkloadSpec;

/**
 * A {@code workload:} spec checked against its definition ({@link Workloads}): the name and the
 * spec as written, serializable, and what the trainer does with it before any data is open (prepare
 * the data, know whether it evaluates on Spark) and once it is ({@link #bind}). Parsing is cheap
 * and deterministic, so the parsed form is recomputed instead of shipped.
 */
public record WorkloadChoice(String name, Map<String, Object> spec) implements Serializable {
  public WorkloadChoice {
    spec = Collections.unmodifiableMap(new LinkedHashMap<>(spec));
  }

  /** Checks {@code spec} (names, keys, types, no data); errors name the key under workload. */
  public static WorkloadChoice of(Map<String, Object> spec) {
    Workloads.check(spec);
    return new WorkloadChoice(new WorkloadSpec(spec).name(), spec);
  }

  /** The workload bound to this data (sizes from its manifest). */
  public Workload bind(PreparedData data) {
    return Workloads.create(spec, data);
  }

  /** Prepares {@code target} from {@code source} with the workload's data-prep job. */
  public void prepare(SparkSession spark, String source, String target, PrintStream console)
      throws IOException {
    definition().prepare(spark, source, target, console);
  }

  /** Whether the workload evaluates a whole split with Spark after training. */
  public boolean evaluatesOnSpark() {
    return definition().evaluatesOnSpark();
  }

  /**
   * Whether the network can have embedding tables ({@link
   * WorkloadDefinition#mayHaveEmbeddingTables}).
   */
  public boolean mayHaveEmbeddingTables() {
    return mayHave(definition());
  }

  private <S> boolean mayHave(WorkloadDefinition<S> d) {
    return d.mayHaveEmbeddingTables(d.parse(new WorkloadSpec(spec)));
  }

  private WorkloadDefinition<?> definition() {
    return Workloads.definition(spec);
  }
}
