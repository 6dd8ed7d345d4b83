package org.optimbench.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-step scalar diagnostics an optimizer reports (the learning rate it used, D-Adaptation's d, a
 * lower-bound estimate, a hypergradient...). Metric logs and the comparison job plot them by name.
 * Wrappers give their inner optimizers a prefixed view ({@link #prefixed}).
 */
public final class Diagnostics {
  private final Map<String, Double> values;
  private final String prefix;

  public Diagnostics() {
    this(new LinkedHashMap<>(), "");
  }

  private Diagnostics(Map<String, Double> values, String prefix) {
    this.values = values;
    this.prefix = prefix;
  }

  public void put(String name, double value) {
    values.put(prefix + name, value);
  }

  /** A view that writes into the same map with {@code prefix + "."} in front of every name. */
  public Diagnostics prefixed(String childPrefix) {
    return new Diagnostics(values, prefix + childPrefix + ".");
  }

  public Map<String, Double> values() {
    return Collections.unmodifiableMap(values);
  }

  public void clear() {
    values.clear();
  }
}
