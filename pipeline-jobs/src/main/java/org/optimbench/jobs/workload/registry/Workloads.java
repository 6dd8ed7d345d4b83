package org.optimbench.jobs.workload.registry;

import java.util.LinkedHashMap;
import java.util.Map;
import org.optimbench.jobs.workload.PreparedData;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.jobs.workload.WorkloadDefinition;
import org.optimbench.jobs.workload.WorkloadSpec;
import org.optimbench.jobs.workload.classifier.Classifier;
import org.optimbench.jobs.workload.dlrm.Dlrm;
import org.optimbench.jobs.workload.gpt.GptWorkload;
import org.optimbench.optim.spec.SpecException;

/**
 * The one registry from workload name to definition, used by the training job, the CLI's conf check
 * and the tests. A definition parses and checks the {@code workload:} spec without any data ({@link
 * WorkloadDefinition#parse}, run before Spark starts), then binds it to data-prep's manifest
 * ({@link WorkloadDefinition#bind}: input sizes, classes, table sizes).
 */
public final class Workloads {
  private static final Map<String, WorkloadDefinition<?>> DEFINITIONS = new LinkedHashMap<>();

  static {
    DEFINITIONS.put("logreg", Classifier.LOGREG);
    DEFINITIONS.put("mlp", Classifier.MLP);
    DEFINITIONS.put("dlrm", Dlrm.DEFINITION);
    DEFINITIONS.put("gpt", GptWorkload.DEFINITION);
  }

  private Workloads() {}

  public static Map<String, WorkloadDefinition<?>> definitions() {
    return java.util.Collections.unmodifiableMap(DEFINITIONS);
  }

  public static WorkloadDefinition<?> definition(Map<String, Object> spec) {
    String name = new WorkloadSpec(spec).name();
    WorkloadDefinition<?> d = DEFINITIONS.get(name);
    if (d == null)
      throw new SpecException(
          "workload.name",
          "unknown workload '"
              + name
              + "' (known: "
              + String.join(", ", DEFINITIONS.keySet())
              + ")");
    return d;
  }

  /**
   * Checks the spec without data (names, keys, types): what {@code scripts/train} does before
   * starting Spark.
   */
  public static void check(Map<String, Object> spec) {
    definition(spec).parse(new WorkloadSpec(spec));
  }

  /** The workload of this spec bound to this data. */
  public static Workload create(Map<String, Object> spec, PreparedData data) {
    return bind(definition(spec), spec, data);
  }

  private static <S> Workload bind(
      WorkloadDefinition<S> d, Map<String, Object> spec, PreparedData data) {
    return d.bind(d.parse(new WorkloadSpec(spec)), data);
  }
}
