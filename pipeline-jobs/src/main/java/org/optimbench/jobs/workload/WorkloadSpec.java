package org.optimbench.jobs.workload;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.optimbench.optim.spec.SpecException;

/**
 * The conf's {@code workload:} mapping with typed, checked access. A definition reads every key it
 * knows (with its default), then calls {@link #finish()}, which rejects any key nobody read: errors
 * always name the key as {@code workload.<key>}.
 */
public final class WorkloadSpec {
  private final Map<String, Object> values;
  private final Set<String> known = new LinkedHashSet<>();

  public WorkloadSpec(Map<String, Object> values) {
    this.values = new LinkedHashMap<>(values);
    known.add("name");
  }

  public String name() {
    Object n = values.get("name");
    if (!(n instanceof String s) || s.isEmpty())
      throw new SpecException("workload.name", "missing (e.g. {name: logreg})");
    return s;
  }

  public boolean has(String key) {
    known.add(key);
    return values.containsKey(key);
  }

  public int positiveInt(String key, int def) {
    known.add(key);
    Object v = values.getOrDefault(key, def);
    if (!(v instanceof Integer || v instanceof Long)
        || ((Number) v).longValue() <= 0
        || ((Number) v).longValue() > Integer.MAX_VALUE) {
      throw new SpecException("workload." + key, "expected a positive integer, got " + v);
    }
    return ((Number) v).intValue();
  }

  /** A non-negative integer (0 meaning "off" where the key says so). */
  public int nonNegativeInt(String key, int def) {
    known.add(key);
    Object v = values.getOrDefault(key, def);
    if (!(v instanceof Integer || v instanceof Long)
        || ((Number) v).longValue() < 0
        || ((Number) v).longValue() > Integer.MAX_VALUE) {
      throw new SpecException("workload." + key, "expected an integer >= 0, got " + v);
    }
    return ((Number) v).intValue();
  }

  /** A list of positive integers (layer widths); {@code minSize} elements at least. */
  public List<Integer> widths(String key, List<Integer> def, int minSize) {
    known.add(key);
    Object v = values.getOrDefault(key, def);
    if (!(v instanceof List<?> l) || l.size() < minSize) {
      throw new SpecException(
          "workload." + key,
          "expected a list of at least " + minSize + " positive layer widths, got " + v);
    }
    List<Integer> out = new ArrayList<>();
    for (Object o : l) {
      if (!(o instanceof Integer || o instanceof Long)
          || ((Number) o).longValue() <= 0
          || ((Number) o).longValue() > Integer.MAX_VALUE) {
        throw new SpecException("workload." + key, o + " is not a positive width");
      }
      out.add(((Number) o).intValue());
    }
    return out;
  }

  public String choice(String key, String def, String... choices) {
    known.add(key);
    Object v = values.getOrDefault(key, def);
    for (String c : choices) if (c.equals(v)) return c;
    throw new SpecException(
        "workload." + key, "'" + v + "' is not one of " + String.join(", ", choices));
  }

  /** Rejects the keys no definition read. */
  public void finish() {
    for (String k : values.keySet()) {
      if (!known.contains(k))
        throw new SpecException(
            "workload." + k,
            "unknown key for workload "
                + values.get("name")
                + " (known: "
                + String.join(", ", known)
                + ")");
    }
  }
}
