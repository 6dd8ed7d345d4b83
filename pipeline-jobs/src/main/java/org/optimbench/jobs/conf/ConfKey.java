package org.optimbench.jobs.conf;

import java.util.List;
import java.util.Map;

/**
 * One key of the run configuration: its dotted name, type, default and meaning. The table of keys
 * ({@link RunConf#KEYS}) is the single source for parsing, type checks, overrides, sweeps and
 * {@code --help}.
 */
public record ConfKey(
    String name, Type type, Object defaultValue, String description, List<String> choices) {
  /**
   * Value types. {@code OBJECT} holds a nested spec (optimizer, schedule, workload) free-form below
   * the key.
   */
  public enum Type {
    STRING,
    INT,
    DOUBLE,
    BOOL,
    CHOICE,
    OBJECT,
    PATH
  }

  public static ConfKey of(String name, Type type, Object def, String description) {
    return new ConfKey(name, type, def, description, List.of());
  }

  public static ConfKey choice(String name, String def, String description, String... choices) {
    return new ConfKey(name, Type.CHOICE, def, description, List.of(choices));
  }

  /** Checks and normalizes a value read from YAML or from a {@code key=value} override. */
  public Object check(Object v) {
    if (v == null) {
      if (defaultValue == null && type != Type.OBJECT)
        throw new ConfException(name, "missing (required)");
      return defaultValue;
    }
    switch (type) {
      case STRING, PATH -> {
        if (!(v instanceof String)) throw new ConfException(name, "expected a string, got " + v);
        return v;
      }
      case INT -> {
        if (v instanceof Integer || v instanceof Long) return ((Number) v).longValue();
        throw new ConfException(name, "expected an integer, got " + v);
      }
      case DOUBLE -> {
        if (v instanceof Number n) return n.doubleValue();
        throw new ConfException(name, "expected a number, got " + v);
      }
      case BOOL -> {
        if (v instanceof Boolean) return v;
        throw new ConfException(name, "expected true or false, got " + v);
      }
      case CHOICE -> {
        if (v instanceof String s && choices.contains(s)) return s;
        throw new ConfException(name, "'" + v + "' is not one of " + String.join(", ", choices));
      }
      case OBJECT -> {
        if (v instanceof Map) return v;
        throw new ConfException(name, "expected a mapping, got " + v);
      }
      default -> throw new IllegalStateException();
    }
  }
}
