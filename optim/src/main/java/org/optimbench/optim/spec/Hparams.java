package org.optimbench.optim.spec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.optimbench.optim.Optimizer;

/**
 * Typed, checked access to a spec's hyperparameters. Factories read each hyperparameter once with
 * its default (the reference implementation's default); {@link #finish()} then rejects any name the
 * factory did not read. Every error names the field by its dotted path. The values actually used,
 * defaults included, are available from {@link #resolved()} for run manifests.
 *
 * <p>Numbers may be given as JSON numbers or as the strings {@code "inf"}/{@code "-inf"} where the
 * reference accepts infinity.
 */
public final class Hparams {
  private final String path;
  private final Map<String, Object> raw;
  private final NestedOptimizers nested;
  private final Map<String, Object> resolved = new LinkedHashMap<>();

  /** Hyperparameters that hold no nested optimizer spec (schedules). */
  public Hparams(String path, Map<String, Object> raw) {
    this(path, raw, null);
  }

  /** Hyperparameters whose nested optimizer specs {@code nested} resolves ({@link #optimizer}). */
  public Hparams(String path, Map<String, Object> raw, NestedOptimizers nested) {
    this.path = path;
    this.raw = raw;
    this.nested = nested;
  }

  public String path() {
    return path;
  }

  public String field(String key) {
    return path + "." + key;
  }

  /** Whether the spec gives {@code key} (a null value counts as absent). */
  public boolean has(String key) {
    return present(key);
  }

  private boolean present(String key) {
    return raw.containsKey(key) && raw.get(key) != null;
  }

  public double real(String key, double def) {
    double v = present(key) ? toDouble(key, raw.get(key)) : def;
    resolved.put(key, v);
    return v;
  }

  /** A number that may be absent ({@code null} in JSON, {@code None} in the reference). */
  public Double optionalReal(String key) {
    Double v = present(key) ? toDouble(key, raw.get(key)) : null;
    resolved.put(key, v);
    return v;
  }

  public long integer(String key, long def) {
    long v = def;
    if (present(key)) {
      Object o = raw.get(key);
      if (o instanceof Long l) v = l;
      else if (o instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) v = d.longValue();
      else throw new SpecException(field(key), "expected an integer, got " + describe(o));
    }
    resolved.put(key, v);
    return v;
  }

  public boolean bool(String key, boolean def) {
    boolean v = def;
    if (present(key)) {
      Object o = raw.get(key);
      if (!(o instanceof Boolean b))
        throw new SpecException(field(key), "expected true or false, got " + describe(o));
      v = b;
    }
    resolved.put(key, v);
    return v;
  }

  public String string(String key, String def) {
    String v = def;
    if (present(key)) {
      Object o = raw.get(key);
      if (!(o instanceof String s))
        throw new SpecException(field(key), "expected a string, got " + describe(o));
      v = s;
    }
    if (v == null) throw new SpecException(field(key), "missing");
    resolved.put(key, v);
    return v;
  }

  /** One of {@code allowed}. */
  public String choice(String key, String def, String... allowed) {
    String v = string(key, def);
    for (String a : allowed) if (a.equals(v)) return v;
    throw new SpecException(field(key), "'" + v + "' is not one of " + String.join(", ", allowed));
  }

  public double[] reals(String key, double... def) {
    double[] v = def;
    if (present(key)) {
      Object o = raw.get(key);
      if (!(o instanceof List<?> l))
        throw new SpecException(field(key), "expected a list of numbers, got " + describe(o));
      v = new double[l.size()];
      for (int i = 0; i < v.length; i++) v[i] = toDouble(key + "[" + i + "]", l.get(i));
    }
    resolved.put(key, toList(v));
    return v.clone();
  }

  /**
   * A mapping of names to numbers ({@code {"W1": 0.3, "b1": 1.2}}); required when {@code def} is
   * null; errors name {@code key.name}.
   */
  public Map<String, Double> realMap(String key, Map<String, Double> def) {
    if (def == null && !present(key))
      throw new SpecException(field(key), "missing (a mapping of names to numbers)");
    Map<String, Double> v = def == null ? new LinkedHashMap<>() : new LinkedHashMap<>(def);
    if (present(key)) {
      Object o = raw.get(key);
      if (!(o instanceof Map<?, ?> m))
        throw new SpecException(
            field(key), "expected a mapping of names to numbers, got " + describe(o));
      v.clear();
      for (Map.Entry<?, ?> e : m.entrySet())
        v.put(String.valueOf(e.getKey()), toDouble(key + "." + e.getKey(), e.getValue()));
    }
    resolved.put(key, Collections.unmodifiableMap(new LinkedHashMap<>(v)));
    return v;
  }

  /** A nested spec (for wrappers: Mechanic's base, grafting's magnitude and direction). */
  @SuppressWarnings("unchecked")
  public Spec spec(String key) {
    if (!present(key))
      throw new SpecException(
          field(key), "missing (expected a nested spec {\"name\": ..., \"hparams\": {...}})");
    Object o = raw.get(key);
    Spec s;
    if (o instanceof Spec sp) s = sp;
    else if (o instanceof Map<?, ?> m) s = fromMap(field(key), (Map<String, Object>) m);
    else throw new SpecException(field(key), "expected a nested spec object, got " + describe(o));
    resolved.put(key, s);
    return s;
  }

  /**
   * The optimizer of the nested spec under {@code key} (a wrapper's base), resolved by the registry
   * that resolved this spec, with errors named under {@code <path>.<key>}.
   */
  public Optimizer optimizer(String key) {
    if (nested == null) throw new IllegalStateException(path + ": no registry to resolve " + key);
    return nested.resolve(spec(key), field(key));
  }

  @SuppressWarnings("unchecked")
  static Spec fromMap(String path, Map<String, Object> m) {
    Object name = m.get("name");
    if (!(name instanceof String n))
      throw new SpecException(path + ".name", "missing or not a string");
    Map<String, Object> hp = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : m.entrySet()) {
      if (e.getKey().equals("name")) continue;
      if (e.getKey().equals("hparams")) {
        if (!(e.getValue() instanceof Map<?, ?> h))
          throw new SpecException(path + ".hparams", "expected an object");
        hp.putAll((Map<String, Object>) h);
      } else {
        throw new SpecException(
            path + "." + e.getKey(), "unknown key (expected \"name\" and \"hparams\")");
      }
    }
    return new Spec(n, hp);
  }

  /** Rejects hyperparameters the factory did not read. */
  public void finish() {
    Set<String> unknown = new TreeSet<>(raw.keySet());
    unknown.removeAll(resolved.keySet());
    if (!unknown.isEmpty()) {
      String k = unknown.iterator().next();
      throw new SpecException(
          field(k),
          "unknown hyperparameter (known: "
              + String.join(", ", new TreeSet<>(resolved.keySet()))
              + ")");
    }
  }

  /** The hyperparameters as used, defaults included, in reading order. */
  public Map<String, Object> resolved() {
    return Collections.unmodifiableMap(resolved);
  }

  private double toDouble(String key, Object o) {
    if (o instanceof Number n) return n.doubleValue();
    if (o instanceof String s) {
      switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "inf", "+inf", "infinity" -> {
          return Double.POSITIVE_INFINITY;
        }
        case "-inf", "-infinity" -> {
          return Double.NEGATIVE_INFINITY;
        }
        default -> {}
      }
    }
    throw new SpecException(field(key), "expected a number, got " + describe(o));
  }

  private static String describe(Object o) {
    if (o == null) return "null";
    if (o instanceof String s) return "the string \"" + s + "\"";
    if (o instanceof Map) return "an object";
    if (o instanceof List) return "a list";
    return o.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + " " + o;
  }

  private static List<Double> toList(double[] v) {
    Double[] b = new Double[v.length];
    for (int i = 0; i < v.length; i++) b[i] = v[i];
    return List.of(b);
  }
}
