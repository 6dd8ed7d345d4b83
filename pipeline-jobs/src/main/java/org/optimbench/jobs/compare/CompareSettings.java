package org.optimbench.jobs.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.optimbench.jobs.conf.ConfException;

/**
 * The {@code compare:} section of an experiment conf: which metric decides, in which direction, the
 * target per workload, the reference method for speedups, the curves to plot and the
 * performance-profile range. Unknown keys and wrong types are errors naming {@code compare.<key>}.
 *
 * @param metric metrics column for final/best values, targets and ranking
 * @param maximize true for metrics where larger is better
 * @param targets target per workload id; {@code "*"} for the workloads not named; empty: the
 *     default rule
 * @param reference method label for geometric-mean speedups, or empty
 * @param curves columns to plot; empty: train_loss, the metric, lr and every diag.* present
 * @param tauMax upper end of the performance-profile range [1, tauMax]
 * @param timeCol what "time" to target means for ranking, profiles and speedups: {@code
 *     wall_time_s} (seconds, AlgoPerf's submission time) or {@code step} (optimizer steps,
 *     AlgoPerf's {@code time_col='global_step'}), which is immune to shared-core timing noise
 */
public record CompareSettings(
    String metric,
    boolean maximize,
    Map<String, Double> targets,
    Optional<String> reference,
    List<String> curves,
    double tauMax,
    String timeCol) {
  public static final String DEFAULT_METRIC = "eval.valid_loss";

  /**
   * AlgoPerf's range: ratios above 4x the fastest count as misses, the profile is integrated over
   * [1, 4].
   */
  public static final double DEFAULT_TAU_MAX = 4.0;

  public static final String ANY_WORKLOAD = "*";
  private static final Set<String> KEYS =
      Set.of("metric", "mode", "targets", "reference", "curves", "tau_max", "time_col");
  public static final String WALL_TIME = "wall_time_s";
  public static final String STEP = "step";
  private static final Pattern COLUMN = Pattern.compile("[A-Za-z0-9_.\\-]+");

  public CompareSettings {
    targets = Map.copyOf(targets);
    curves = List.copyOf(curves);
  }

  public static CompareSettings defaults() {
    return parse(Map.of());
  }

  /**
   * The default direction: maximize metrics whose name says accuracy or AUC, minimize the rest
   * (losses, error rates).
   */
  public static boolean maximizedByDefault(String metric) {
    String m = metric.toLowerCase(Locale.ROOT);
    return m.contains("accuracy") || m.contains("auc");
  }

  /** Reads a compare section (the map under {@code compare:}; null or empty: every default). */
  public static CompareSettings parse(Map<?, ?> section) {
    if (section == null) section = Map.of();
    for (Object k : section.keySet()) {
      if (!KEYS.contains(String.valueOf(k))) {
        throw new ConfException(
            "compare." + k,
            "unknown key (known: metric, mode, targets, reference, curves, tau_max, time_col)");
      }
    }
    String metric = string(section, "metric", DEFAULT_METRIC);
    if (!COLUMN.matcher(metric).matches())
      throw new ConfException("compare.metric", "'" + metric + "' is not a metrics column name");
    String mode = string(section, "mode", maximizedByDefault(metric) ? "max" : "min");
    if (!mode.equals("min") && !mode.equals("max"))
      throw new ConfException("compare.mode", "'" + mode + "' is not one of min, max");
    Map<String, Double> targets = new LinkedHashMap<>();
    Object t = section.get("targets");
    if (t != null) {
      if (!(t instanceof Map<?, ?> tm))
        throw new ConfException(
            "compare.targets",
            "expected a mapping of workload id (or \"*\") to a number, got " + t);
      for (Map.Entry<?, ?> e : tm.entrySet()) {
        String key = "compare.targets." + e.getKey();
        if (!(e.getValue() instanceof Number n) || !Double.isFinite(n.doubleValue()))
          throw new ConfException(key, "expected a finite number, got " + e.getValue());
        targets.put(String.valueOf(e.getKey()), n.doubleValue());
      }
    }
    Optional<String> reference =
        Optional.ofNullable(
            section.get("reference") == null ? null : string(section, "reference", null));
    List<String> curves = new ArrayList<>();
    Object c = section.get("curves");
    if (c != null) {
      if (!(c instanceof List<?> cl) || cl.isEmpty())
        throw new ConfException(
            "compare.curves", "expected a non-empty list of metrics columns, got " + c);
      for (int i = 0; i < cl.size(); i++) {
        Object v = cl.get(i);
        if (!(v instanceof String s) || !COLUMN.matcher(s).matches())
          throw new ConfException(
              "compare.curves[" + i + "]", "'" + v + "' is not a metrics column name");
        if (!curves.contains(s)) curves.add(s);
      }
    }
    double tauMax = DEFAULT_TAU_MAX;
    Object tm = section.get("tau_max");
    if (tm != null) {
      if (!(tm instanceof Number n)
          || !(n.doubleValue() > 1)
          || !Double.isFinite(n.doubleValue())) {
        throw new ConfException("compare.tau_max", "expected a finite number > 1, got " + tm);
      }
      tauMax = n.doubleValue();
    }
    String timeCol = string(section, "time_col", WALL_TIME);
    if (!timeCol.equals(WALL_TIME) && !timeCol.equals(STEP))
      throw new ConfException(
          "compare.time_col", "'" + timeCol + "' is not one of wall_time_s, step");
    return new CompareSettings(
        metric, mode.equals("max"), targets, reference, curves, tauMax, timeCol);
  }

  private static String string(Map<?, ?> m, String key, String def) {
    Object v = m.get(key);
    if (v == null) return def;
    if (!(v instanceof String s) || s.isBlank())
      throw new ConfException("compare." + key, "expected a non-empty string, got " + v);
    return s;
  }

  /** True when time to target is counted in optimizer steps rather than seconds. */
  public boolean bySteps() {
    return timeCol.equals(STEP);
  }

  public String mode() {
    return maximize ? "max" : "min";
  }

  /**
   * The configured target for {@code workload} (its own, else "*"), empty when the default rule
   * applies.
   */
  public Optional<Double> targetFor(String workload) {
    Double v = targets.get(workload);
    if (v == null) v = targets.get(ANY_WORKLOAD);
    return Optional.ofNullable(v);
  }

  /** True when {@code value} meets {@code target} in this direction. */
  public boolean meets(double value, double target) {
    return maximize ? value >= target : value <= target;
  }

  /** True when {@code a} is strictly better than {@code b}. */
  public boolean better(double a, double b) {
    return maximize ? a > b : a < b;
  }
}
