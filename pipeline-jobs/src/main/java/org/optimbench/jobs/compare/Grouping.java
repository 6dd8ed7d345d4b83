package org.optimbench.jobs.compare;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.optimbench.jobs.conf.RunConf;

/**
 * Groups runs for the statistics, from their resolved confs. The workload id is {@code
 * <workload.name>@<basename of data.train>}; runs that differ only in {@code seed} are replicates
 * of one method; the method is every other conf key whose value differs within the selection,
 * labelled readably: the optimizer spec's {@link RunConf#slug slug} first (always), then the
 * schedule's slug, then {@code key=value} for other keys ({@code adam+lr=0.01/cosine}, {@code
 * prodigy/batch_size=64}). Keys that never define a method: {@link #IGNORED} (bookkeeping and the
 * workload's own keys).
 */
public final class Grouping {
  /** Conf keys that never make two runs different methods. */
  public static final Set<String> IGNORED =
      Set.of(
          "name",
          "seed",
          "output",
          "spark.master",
          "eval_every",
          "log_every",
          "checkpoint_every",
          "eval.final",
          "data.train",
          "data.source",
          "data.valid",
          "workload.name");

  /** Conf keys whose value is a spec, kept whole and labelled by its slug. */
  private static final Set<String> SPECS = Set.of("optimizer", "schedule", "workload", "compare");

  /** A run's group and labels. */
  public record Labels(
      String workload, String method, String optimizer, String schedule, Long seed) {}

  private Grouping() {}

  /**
   * Labels every run that has a conf, keyed by run id; keys vary or not across all of {@code
   * confs}.
   */
  public static Map<String, Labels> label(Map<String, Map<String, Object>> confs) {
    Map<String, Map<String, Object>> flat = new LinkedHashMap<>();
    Set<String> keys = new LinkedHashSet<>();
    for (Map.Entry<String, Map<String, Object>> e : confs.entrySet()) {
      Map<String, Object> f = new LinkedHashMap<>();
      flatten("", e.getValue(), f);
      flat.put(e.getKey(), f);
      keys.addAll(f.keySet());
    }
    List<String> varying = new ArrayList<>();
    for (String k : keys) {
      if (IGNORED.contains(k) || k.equals("optimizer")) continue;
      Object first = null;
      boolean seen = false, differs = false;
      for (Map<String, Object> f : flat.values()) {
        Object v = f.get(k);
        if (!seen) {
          first = v;
          seen = true;
        } else if (!Objects.equals(first, v)) {
          differs = true;
          break;
        }
      }
      if (differs) varying.add(k);
    }
    Map<String, Labels> out = new LinkedHashMap<>();
    for (Map.Entry<String, Map<String, Object>> e : flat.entrySet()) {
      Map<String, Object> f = e.getValue();
      String optimizer = RunConf.slug(f.get("optimizer"));
      StringBuilder method = new StringBuilder(optimizer);
      for (String k : varying) {
        Object v = f.get(k);
        method.append('/');
        if (k.equals("schedule")) method.append(RunConf.slug(v));
        else method.append(k).append('=').append(v == null ? "(none)" : RunConf.slug(v));
      }
      Object seed = f.get("seed");
      out.put(
          e.getKey(),
          new Labels(
              workloadId(confs.get(e.getKey())),
              method.toString(),
              optimizer,
              f.get("schedule") == null ? "" : RunConf.slug(f.get("schedule")),
              seed instanceof Number n ? n.longValue() : null));
    }
    return out;
  }

  /** {@code <workload.name>@<basename of data.train>}, e.g. {@code logreg@digits}. */
  @SuppressWarnings("unchecked")
  public static String workloadId(Map<String, Object> conf) {
    Map<String, Object> w = (Map<String, Object>) conf.get("workload");
    Map<String, Object> d = (Map<String, Object>) conf.get("data");
    Path train = Path.of(String.valueOf(d.get("train")));
    Path base = train.getFileName() == null ? train : train.getFileName();
    return w.get("name") + "@" + base;
  }

  /**
   * Dotted keys to values; spec keys (optimizer, schedule) stay whole; the workload spec
   * contributes its keys other than name as {@code workload.<key>}.
   */
  private static void flatten(String prefix, Map<?, ?> m, Map<String, Object> out) {
    for (Map.Entry<?, ?> e : m.entrySet()) {
      String k = prefix + e.getKey();
      if (e.getValue() instanceof Map<?, ?> sub
          && !(prefix.isEmpty() && SPECS.contains(k) && !k.equals("workload"))) {
        flatten(k + ".", sub, out);
      } else {
        out.put(k, e.getValue());
      }
    }
  }
}
