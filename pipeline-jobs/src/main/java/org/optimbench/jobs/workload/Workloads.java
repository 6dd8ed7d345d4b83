package org.optimbench.jobs.workload;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.conf.ConfException;
import org.optimbench.jobs.workload.dlrm.Dlrm;
import org.optimbench.jobs.workload.gpt.GptWorkload;

/**
 * The one registry from workload name to definition, used by the training job, the CLI's conf check
 * and the tests. A definition parses and checks the {@code workload:} spec without any data ({@link
 * Definition#parse}, run before Spark starts), then binds it to data-prep's manifest ({@link
 * Definition#bind}: input sizes, classes, table sizes).
 */
public final class Workloads {
  /** How a workload is made from its spec and its data. {@code S} is its parsed, checked spec. */
  public interface Definition<S> {
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
    default void prepare(SparkSession spark, String source, Path target, PrintStream console)
        throws IOException {
      throw new ConfException(
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
  }

  private static final Map<String, Definition<?>> DEFINITIONS = new LinkedHashMap<>();

  static {
    DEFINITIONS.put("logreg", Classifier.LOGREG);
    DEFINITIONS.put("mlp", Classifier.MLP);
    DEFINITIONS.put("dlrm", Dlrm.DEFINITION);
    DEFINITIONS.put("gpt", GptWorkload.DEFINITION);
  }

  private Workloads() {}

  public static Map<String, Definition<?>> definitions() {
    return java.util.Collections.unmodifiableMap(DEFINITIONS);
  }

  public static Definition<?> definition(Map<String, Object> spec) {
    String name = new WorkloadSpec(spec).name();
    Definition<?> d = DEFINITIONS.get(name);
    if (d == null)
      throw new ConfException(
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

  private static <S> Workload bind(Definition<S> d, Map<String, Object> spec, PreparedData data) {
    return d.bind(d.parse(new WorkloadSpec(spec)), data);
  }
}
