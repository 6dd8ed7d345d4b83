package org.optimbench.optim.schedule;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.optimbench.optim.spec.Checks;
import org.optimbench.optim.spec.Hparams;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.spec.SpecException;

/**
 * The schedule registry. Spec hyperparameters (all schedules): {@code total_steps} T, {@code
 * warmup_steps} w (default 0). During warm-up ({@code t < w}) the factor is {@code (t+1)/w}; after
 * it, with {@code u = (t - w) / (T - w)} clamped to [0, 1]:
 *
 * <ul>
 *   <li>{@code constant}: 1
 *   <li>{@code linear_decay}: 1 - u (Defazio et al., "Optimal linear decay learning rate
 *       schedules")
 *   <li>{@code cosine}: 0.5 (1 + cos(pi u))
 *   <li>{@code exponential}: gamma^t
 *   <li>{@code step}: gamma^floor(t / step_size); or, with {@code milestones} (fractions of T,
 *       strictly increasing, in (0, 1)) instead of {@code step_size}, gamma^k where k counts the
 *       milestones m with {@code t >= round(m T)}: PyTorch's {@code MultiStepLR} with milestones
 *       relative to the run's length, so {@code [0.6, 0.8]} of a run given in epochs drops at 60%
 *       and 80% of its steps whatever the data's size
 *   <li>{@code refined}: the factors of a schedule file written by the refinement tool ({@code
 *       path}), resampled linearly to {@code total_steps} when that is given and differs from the
 *       file's length
 * </ul>
 *
 * These are exactly the formulas of the optimizer-trace contract.
 */
public final class Schedules {
  /**
   * Reads the content of a schedule file named by a spec ({@code refined}'s {@code path}); a
   * trainer whose files may live on HDFS or an object store supplies its own.
   */
  @FunctionalInterface
  public interface ScheduleFiles {
    String read(String path) throws IOException;
  }

  /** Local files, read as UTF-8. */
  public static final ScheduleFiles LOCAL_FILES =
      path -> Files.readString(Path.of(path), StandardCharsets.UTF_8);

  private interface Factory {
    Schedule create(Hparams hp, ScheduleFiles files);
  }

  private static final Map<String, Factory> FACTORIES = new TreeMap<>();

  static {
    FACTORIES.put("constant", (hp, files) -> warmup(hp, optionalTotal(hp), u -> 1.0));
    FACTORIES.put("linear_decay", (hp, files) -> warmup(hp, requiredTotal(hp), u -> 1 - u));
    FACTORIES.put(
        "cosine",
        (hp, files) -> warmup(hp, requiredTotal(hp), u -> 0.5 * (1 + Math.cos(Math.PI * u))));
    FACTORIES.put(
        "exponential",
        (hp, files) -> {
          double gamma = Checks.nonNegative("gamma", hp.real("gamma", 0.99));
          return withWarmup(hp, optionalTotal(hp), t -> Math.pow(gamma, t));
        });
    FACTORIES.put(
        "step",
        (hp, files) -> {
          double gamma = Checks.nonNegative("gamma", hp.real("gamma", 0.1));
          if (hp.has("milestones")) {
            if (hp.has("step_size"))
              throw new SpecException("step_size", "give step_size or milestones, not both");
            long total = requiredTotal(hp);
            long[] at = milestoneSteps(hp.reals("milestones"), total);
            return withWarmup(hp, total, t -> Math.pow(gamma, passed(at, t)));
          }
          long size = Checks.positive("step_size", hp.integer("step_size", 1));
          return withWarmup(hp, optionalTotal(hp), t -> Math.pow(gamma, Math.floorDiv(t, size)));
        });
    FACTORIES.put(
        "refined",
        (hp, files) -> {
          String path = hp.string("path", null);
          long total = optionalTotal(hp);
          RefinedSchedule r;
          try {
            r = RefinedSchedule.parse(files.read(path), path);
          } catch (IOException | IllegalArgumentException e) {
            throw new SpecException(
                "path", "cannot read schedule file " + path + ": " + e.getMessage());
          }
          RefinedSchedule s = total > 0 && total != r.length() ? r.resample((int) total) : r;
          return withWarmup(hp, total, s::factor);
        });
  }

  private Schedules() {}

  public static java.util.Set<String> names() {
    return Collections.unmodifiableSet(FACTORIES.keySet());
  }

  /**
   * Creates the schedule of {@code spec}, reading a schedule file from the local disk; errors name
   * fields under {@code path} (e.g. "schedule").
   */
  public static Schedule create(Spec spec, String path) {
    return create(spec, path, LOCAL_FILES);
  }

  /** {@link #create(Spec, String)} with schedule files read by {@code files}. */
  public static Schedule create(Spec spec, String path, ScheduleFiles files) {
    Factory f = FACTORIES.get(spec.name());
    if (f == null)
      throw new SpecException(
          path + ".name",
          "unknown schedule '"
              + spec.name()
              + "' (known: "
              + String.join(", ", FACTORIES.keySet())
              + ")");
    Hparams hp = new Hparams(path, spec.hparams());
    Schedule s;
    try {
      s = f.create(hp, files);
    } catch (SpecException e) {
      throw e.field().startsWith(path) ? e : e.under(path);
    }
    hp.finish();
    return s;
  }

  /**
   * The steps at which a {@code step} schedule with {@code milestones} (fractions of the run's
   * {@code total} steps, strictly increasing, each in (0, 1)) drops: {@code round(m * total)}.
   */
  private static long[] milestoneSteps(double[] milestones, long total) {
    if (milestones.length == 0)
      throw new SpecException(
          "milestones", "empty (give fractions of total_steps, e.g. [0.6, 0.8])");
    long[] at = new long[milestones.length];
    for (int i = 0; i < milestones.length; i++) {
      double m = milestones[i];
      if (!(m > 0 && m < 1))
        throw new SpecException(
            "milestones[" + i + "]", m + " must be a fraction of total_steps in (0, 1)");
      if (i > 0 && !(m > milestones[i - 1]))
        throw new SpecException(
            "milestones[" + i + "]",
            m + " must exceed the milestone before it, " + milestones[i - 1]);
      at[i] = Math.round(m * total);
    }
    return at;
  }

  /** How many of the (ascending) milestone steps {@code at} step {@code t} has reached. */
  private static int passed(long[] at, long t) {
    int n = 0;
    while (n < at.length && t >= at[n]) n++;
    return n;
  }

  private static long requiredTotal(Hparams hp) {
    long t = hp.integer("total_steps", -1);
    if (t <= 0) throw new SpecException("total_steps", t < 0 ? "missing" : t + " must be > 0");
    return t;
  }

  private static long optionalTotal(Hparams hp) {
    long t = hp.integer("total_steps", 0);
    return Checks.nonNegative("total_steps", t);
  }

  /** A schedule of the warm-up-relative progress u in [0, 1]. */
  private static Schedule warmup(
      Hparams hp, long total, java.util.function.DoubleUnaryOperator ofProgress) {
    long w = Checks.nonNegative("warmup_steps", hp.integer("warmup_steps", 0));
    if (total > 0 && w >= total)
      throw new SpecException("warmup_steps", w + " must be < total_steps " + total);
    return t -> {
      if (t < w) return (t + 1.0) / w;
      if (total <= 0) return ofProgress.applyAsDouble(0);
      double u = Math.min(1.0, Math.max(0.0, (t - w) / (double) (total - w)));
      return ofProgress.applyAsDouble(u);
    };
  }

  /** A schedule of the raw step t, after warm-up. */
  private static Schedule withWarmup(
      Hparams hp, long total, java.util.function.LongToDoubleFunction ofStep) {
    long w = Checks.nonNegative("warmup_steps", hp.integer("warmup_steps", 0));
    if (total > 0 && w >= total)
      throw new SpecException("warmup_steps", w + " must be < total_steps " + total);
    return t -> t < w ? (t + 1.0) / w : ofStep.applyAsDouble(t);
  }
}
