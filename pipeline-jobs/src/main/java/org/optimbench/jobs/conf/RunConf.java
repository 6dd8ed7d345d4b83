package org.optimbench.jobs.conf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.optimbench.jobs.conf.ConfKey.Type;

/**
 * How a conf file becomes runs ({@link #load}, returning typed {@link RunConfig}s): the table of
 * keys ({@link #KEYS}, the single source for parsing, type checks, overrides, sweeps and {@code
 * --help}), the check of each key's value with defaults filled in, {@code dotted.key=value}
 * overrides, and the expansion of a {@code sweep} block (dotted key to list of values) into one run
 * per point of the cartesian product. A {@code RunConf} itself is one run's checked tree of values,
 * read only by {@link RunConfig}.
 *
 * <p>Keys of type OBJECT (optimizer, schedule, workload) hold a nested spec checked by its own
 * registry; overrides may reach inside them ({@code optimizer.hparams.lr=0.1}).
 */
public final class RunConf {
  public static final List<ConfKey> KEYS =
      List.of(
          ConfKey.of(
              "name",
              Type.STRING,
              "",
              "run name; default: the conf file name plus the sweep values"),
          ConfKey.of(
              "workload",
              Type.OBJECT,
              Map.of("name", "logreg"),
              "workload spec: {name: logreg}, {name: mlp, hidden: [64]}, {name: dlrm, embedding_dim, bottom, top, max_table_size} or {name: gpt, seq_len, d_model, heads, layers, mlp_ratio, vocab}; sizes not given come from the data's manifest"),
          ConfKey.of(
              "data.train",
              Type.PATH,
              null,
              "training data: a data-prep output directory (Parquet + manifest.json)"),
          ConfKey.of(
              "data.source",
              Type.PATH,
              "",
              "raw data that data.train is prepared from when it does not exist yet, by the workload's data-prep job: a LIBSVM file or directory (logreg, mlp); Criteo day files PATH[?hash-range=M&categorical=hash|vocab&frequency-threshold=N&days=K] or generate-criteo?days=D&rows-per-day=N[&seed=S][&hash-range=M] (dlrm); a raw text directory (gpt)"),
          ConfKey.of(
              "data.valid",
              Type.PATH,
              "",
              "validation data directory; default: the 'valid' split of data.train"),
          ConfKey.of(
              "reader.shuffle_buffer",
              Type.INT,
              65536L,
              "rows per shuffle window of each worker's stream: a window's rows are read together and"
                  + " served in a seeded random order; larger mixes more row groups into every batch,"
                  + " at (reader.prefetch + 1) windows of memory per worker (docs/DATA.md)"),
          ConfKey.of(
              "reader.prefetch",
              Type.INT,
              1L,
              "windows each worker decodes ahead in a background thread while it computes (0: none);"
                  + " changes no batch (docs/DATA.md)"),
          ConfKey.of(
              "optimizer",
              Type.OBJECT,
              null,
              "optimizer spec {name, hparams} exactly as in scripts/optim-trace"),
          ConfKey.of(
              "schedule",
              Type.OBJECT,
              Map.of("name", "constant"),
              "schedule spec {name, total_steps, warmup_steps, ...}; total_steps defaults to the run's steps"),
          ConfKey.choice(
              "mode",
              "single",
              "single: one process; param_averaging: workers average parameters and optimizer state every averaging_frequency steps; gradient_sharing: workers all-reduce gradients every step; dl4j_averaging: stock DL4J Spark (ParameterAveragingTrainingMaster with DL4J's sgd, nesterov, adam, adagrad updaters) as a peer, logreg, mlp and dlrm only (docs/PEERS.md)",
              "single",
              "param_averaging",
              "gradient_sharing",
              "dl4j_averaging"),
          ConfKey.of("workers", Type.INT, 1L, "number of data-parallel workers (Spark tasks)"),
          ConfKey.of(
              "averaging_frequency",
              Type.INT,
              5L,
              "param_averaging, dl4j_averaging: local steps between averaging rounds"),
          ConfKey.choice(
              "embedding_exchange",
              "sparse",
              "gradient_sharing: how embedding tables' gradients are summed; sparse: only the rows some worker touched (dense when that would move more bytes); dense: whole tables",
              "sparse",
              "dense"),
          ConfKey.of(
              "batch_size",
              Type.INT,
              32L,
              "examples per micro-batch per worker (a step takes accumulation_steps of them)"),
          ConfKey.of(
              "accumulation_steps",
              Type.INT,
              1L,
              "micro-batches whose gradients are summed into one optimizer step on each worker: a"
                  + " step's batch is workers x accumulation_steps x batch_size examples, and its"
                  + " micro-batches hold the rows one batch of accumulation_steps x batch_size would"
                  + " (docs/DATA.md)"),
          ConfKey.of("steps", Type.INT, 0L, "optimizer steps (set steps or epochs)"),
          ConfKey.of(
              "epochs", Type.DOUBLE, 0.0, "passes over the training data (set steps or epochs)"),
          ConfKey.of(
              "eval_every",
              Type.INT,
              100L,
              "steps between evaluations on the validation data (0: only at the end)"),
          ConfKey.of(
              "eval.valid_fraction",
              Type.DOUBLE,
              1.0,
              "share of the validation rows that the evaluations during training use: the rows whose"
                  + " hashed id falls below it, the same rows at every evaluation and for any worker"
                  + " count; for splits too large to evaluate every eval_every steps (each worker"
                  + " still reads its whole slice; docs/DATA.md)"),
          ConfKey.choice(
              "eval.final",
              "none",
              "after training, spark: evaluate the workload's metrics over the whole validation split with a Spark job at the final parameters and record them as final.<metric> in the last metrics row before the run is COMPLETED (dlrm); none: only the evaluations during training",
              "none",
              "spark"),
          ConfKey.of(
              "checkpoint_every", Type.INT, 500L, "steps between checkpoints (0: only at the end)"),
          ConfKey.of(
              "checkpoint_timeout_s",
              Type.INT,
              3600L,
              "how long the other workers wait for rank 0 to open the run directory or commit a"
                  + " checkpoint (a large model's checkpoint on an object store takes minutes)"),
          ConfKey.of(
              "max_restarts",
              Type.INT,
              3L,
              "times a failed training attempt (a lost executor, a failed task) is started again"
                  + " from the run's last committed checkpoint before the run is FAILED"),
          ConfKey.of(
              "restart_backoff_s",
              Type.INT,
              10L,
              "seconds before the first restart; each further restart waits twice as long"),
          ConfKey.of(
              "slot_wait_s",
              Type.INT,
              120L,
              "how long the driver waits for the cluster to offer a task slot per worker before"
                  + " it fails the run (executors still starting or being replaced)"),
          ConfKey.of(
              "executor_memory",
              Type.STRING,
              "",
              "memory of each executor the run is sized for, with a unit as spark.executor.memory"
                  + " takes it (16g, 512m): a worker's parameters, gradient, optimizer state,"
                  + " activations and reader buffers must fit (docs/DATA.md, \"Memory\"); the"
                  + " trainer warns when Spark's spark.executor.memory is smaller; empty: not"
                  + " stated, not checked"),
          ConfKey.of(
              "collective.rendezvous_timeout_s",
              Type.INT,
              600L,
              "how long a worker waits for its ring neighbours to connect at the start of an"
                  + " attempt"),
          ConfKey.of(
              "collective.step_timeout_s",
              Type.INT,
              1800L,
              "the longest a worker waits in one collective call with no byte moving before it"
                  + " fails naming the rank and phase it waited for"),
          ConfKey.of(
              "collective.handshake_timeout_s",
              Type.INT,
              5L,
              "how long an incoming ring connection may take to authenticate before it is dropped"),
          ConfKey.of(
              "collective.encryption",
              Type.BOOL,
              false,
              "encrypt ring traffic (AES-GCM with per-connection keys from the run's secret;"
                  + " pipeline-jobs/COLLECTIVE.md)"),
          ConfKey.of("log_every", Type.INT, 10L, "steps between metric log rows"),
          ConfKey.of("seed", Type.INT, 1L, "seed of initialization, shuffling and sampling"),
          ConfKey.choice(
              "dtype",
              "float32",
              "arithmetic dtype of parameters, gradients and optimizer state",
              "float32",
              "float64"),
          ConfKey.of(
              "divergence_factor",
              Type.DOUBLE,
              1e3,
              "a run is diverged when the loss is NaN/inf or exceeds this factor times its first loss"),
          ConfKey.of(
              "output", Type.PATH, "runs", "directory under which the run directory is created"),
          ConfKey.of(
              "spark.master",
              Type.STRING,
              "local[*]",
              "Spark master when not launched by spark-submit"),
          ConfKey.of(
              "compare",
              Type.OBJECT,
              Map.of(),
              "settings of the cross-run comparison (scripts/compare): metric, targets, curves; not part of a run's identity, so changing it never invalidates finished runs"));

  private static final Map<String, ConfKey> BY_NAME = new LinkedHashMap<>();

  static {
    for (ConfKey k : KEYS) BY_NAME.put(k.name(), k);
  }

  private final Map<String, Object> values;

  /** Keys whose value was wrong (they hold their default so that other checks can go on). */
  private final Set<String> bad;

  private RunConf(Map<String, Object> values, Set<String> bad) {
    this.values = Collections.unmodifiableMap(values);
    this.bad = Set.copyOf(bad);
  }

  /** Whether {@code key}'s value was read without error. */
  boolean ok(String key) {
    return !bad.contains(key);
  }

  /**
   * The runs of a conf file with {@code dotted.key=value} overrides: the sweep expanded, every key
   * checked, the optimizer, schedule and workload specs resolved. Every error, in the file, in an
   * override or in any run of the sweep, is collected and reported at once ({@link ConfErrors}, one
   * line per error naming the key); nothing is returned unless every run is valid.
   */
  public static List<RunConfig> load(Path file, List<String> overrides) throws IOException {
    ConfErrors.Collector errors = new ConfErrors.Collector(file.toString());
    Object root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readValue(Files.readString(file), Object.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
      throw ConfErrors.single(
          file.toString(),
          new ConfException(
              "(file)",
              "not valid YAML"
                  + where
                  + ": "
                  + e.getOriginalMessage().lines().findFirst().orElse("")));
    }
    if (!(root instanceof Map<?, ?>)) {
      throw ConfErrors.single(
          file.toString(), new ConfException("(file)", "expected a YAML mapping at the top"));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> tree = new LinkedHashMap<>((Map<String, Object>) root);
    Object sweep = tree.remove("sweep");
    for (String o : overrides) {
      try {
        applyOverride(tree, o);
      } catch (ConfException e) {
        errors.add(e);
      }
    }
    if (sweep instanceof Map<?, ?> m) {
      for (String o : overrides) {
        String k = o.substring(0, Math.max(0, o.indexOf('='))).trim();
        for (Object a : m.keySet()) {
          String axis = String.valueOf(a);
          if (k.equals(axis) || k.startsWith(axis + ".") || axis.startsWith(k + ".")) {
            errors.add(
                new ConfException(
                    k,
                    "is swept by "
                        + file
                        + " (sweep."
                        + axis
                        + "), so an override would be replaced by every sweep value; change the"
                        + " sweep instead"));
          }
        }
      }
    }
    String base = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
    List<RunConfig> runs = new ArrayList<>();
    for (Point p : points(sweep, errors)) {
      List<ConfException> problems = new ArrayList<>();
      RunConf raw = check(p.apply(tree), problems);
      String name = p.name(raw.string("name").isEmpty() ? base : raw.string("name"));
      Map<String, Object> v = new LinkedHashMap<>(raw.values);
      v.put("name", name);
      RunConfig c = RunConfig.of(new RunConf(v, raw.bad), problems);
      errors.addAll(name, problems);
      if (c != null) runs.add(c);
    }
    Set<String> names = new HashSet<>();
    for (RunConfig r : runs) {
      if (!names.add(r.name())) {
        errors.add(
            new ConfException(
                "name",
                "two runs of the sweep are both named '" + r.name() + "'; set distinct names"));
      }
    }
    errors.throwIfAny();
    return runs;
  }

  /** One point of the sweep: values for its axes, and the suffix they give the run name. */
  private record Point(Map<String, Object> values, String suffix) {
    Map<String, Object> apply(Map<String, Object> tree) {
      Map<String, Object> t = deepCopy(tree);
      for (Map.Entry<String, Object> e : values.entrySet()) set(t, e.getKey(), e.getValue());
      return t;
    }

    String name(String base) {
      return suffix.isEmpty() ? base : base + "__" + suffix.replaceAll("[^A-Za-z0-9=._,+-]", "-");
    }
  }

  /**
   * The cartesian product of the {@code sweep} axes. An axis is a conf key, a key below an object
   * key ({@code optimizer.hparams.lr}), or a group of keys ({@code data}) whose values are mappings
   * that replace the whole group, so a dataset's {@code train} and {@code source} always change
   * together. A bad axis is an error and the axis is left out.
   */
  private static List<Point> points(Object sweep, ConfErrors.Collector errors) {
    Map<String, List<Object>> axes = new LinkedHashMap<>();
    if (sweep != null) {
      if (!(sweep instanceof Map<?, ?> m)) {
        errors.add(
            new ConfException("sweep", "expected a mapping of dotted keys to lists of values"));
      } else {
        for (Map.Entry<?, ?> e : m.entrySet()) {
          String key = String.valueOf(e.getKey());
          if (!(e.getValue() instanceof List<?> l) || l.isEmpty()) {
            errors.add(new ConfException("sweep." + key, "expected a non-empty list of values"));
            continue;
          }
          try {
            if (!BY_NAME.containsKey(key) && hasKeysUnder(key)) {
              for (Object v : l) {
                if (!(v instanceof Map)) {
                  throw new ConfException(
                      "sweep." + key,
                      "'"
                          + key
                          + "' is a group of keys: each value must be a mapping of its keys, got "
                          + v);
                }
              }
            } else {
              checkKnown(key);
            }
            axes.put(key, new ArrayList<>(l));
          } catch (ConfException bad) {
            errors.add(bad);
          }
        }
      }
    }
    List<Point> points = new ArrayList<>();
    points.add(new Point(new LinkedHashMap<>(), ""));
    for (Map.Entry<String, List<Object>> axis : axes.entrySet()) {
      List<Point> next = new ArrayList<>();
      for (Point p : points) {
        for (Object v : axis.getValue()) {
          Map<String, Object> q = new LinkedHashMap<>(p.values());
          q.put(axis.getKey(), v);
          String leaf = axis.getKey().substring(axis.getKey().lastIndexOf('.') + 1);
          Object shown = v;
          if (shown instanceof Map<?, ?> group && group.get("train") instanceof String train) {
            shown =
                Path.of(train).getFileName().toString(); // a dataset reads as its directory name
          }
          String part = leaf + "=" + slug(shown);
          next.add(new Point(q, p.suffix().isEmpty() ? part : p.suffix() + "_" + part));
        }
      }
      points = next;
    }
    return points;
  }

  /**
   * A readable name part for a sweep value: a spec {name, hparams} reads as {@code name+k=v,...}.
   */
  public static String slug(Object v) {
    if (v instanceof Map<?, ?> m) {
      StringBuilder b = new StringBuilder();
      if (m.containsKey("name")) b.append(m.get("name"));
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (e.getKey().equals("name")) continue;
        if (e.getKey().equals("hparams") && e.getValue() instanceof Map<?, ?> h) {
          for (Map.Entry<?, ?> he : h.entrySet())
            b.append(b.length() == 0 ? "" : "+")
                .append(he.getKey())
                .append('=')
                .append(slug(he.getValue()));
        } else {
          b.append(b.length() == 0 ? "" : "+")
              .append(e.getKey())
              .append('=')
              .append(slug(e.getValue()));
        }
      }
      return b.toString();
    }
    if (v instanceof List<?> l) {
      return String.join(",", l.stream().map(RunConf::slug).toList());
    }
    return String.valueOf(v);
  }

  /**
   * Checks every key of {@code tree} and fills defaults; the errors go to {@code problems}, and
   * null is returned when there was one.
   */
  static RunConf check(Map<String, Object> tree, List<ConfException> problems) {
    Map<String, Object> flat = new LinkedHashMap<>();
    flatten("", tree, flat);
    Map<String, Object> values = new LinkedHashMap<>();
    Set<String> bad = new HashSet<>();
    for (ConfKey k : KEYS) {
      try {
        values.put(k.name(), k.check(flat.remove(k.name())));
      } catch (ConfException e) {
        problems.add(e);
        bad.add(k.name());
        values.put(k.name(), k.defaultValue()); // lets the other checks go on
      }
    }
    for (String k : flat.keySet()) {
      problems.add(new ConfException(k, "unknown key (see --help for the list)"));
    }
    if (!bad.contains("steps") && !bad.contains("epochs")) {
      long steps = (Long) values.get("steps");
      double epochs = (Double) values.get("epochs");
      if ((steps > 0) == (epochs > 0)) {
        problems.add(
            new ConfException(
                steps > 0 ? "epochs" : "steps", "set exactly one of steps and epochs (> 0)"));
      }
    }
    if (!bad.contains("eval.valid_fraction")) {
      double fraction = (Double) values.get("eval.valid_fraction");
      if (!(fraction > 0 && fraction <= 1)) {
        problems.add(new ConfException("eval.valid_fraction", fraction + " must be in (0, 1]"));
      }
    }
    if (values.get("optimizer") == null && !bad.contains("optimizer")) {
      problems.add(new ConfException("optimizer", "missing (required)"));
    }
    return new RunConf(values, bad);
  }

  /** The checked values of {@code tree} with defaults, or the first error. For tests. */
  static RunConf fromTree(Map<String, Object> tree) {
    List<ConfException> problems = new ArrayList<>();
    RunConf c = check(tree, problems);
    if (!problems.isEmpty()) throw problems.get(0);
    return c;
  }

  private static void flatten(String prefix, Map<?, ?> m, Map<String, Object> out) {
    for (Map.Entry<?, ?> e : m.entrySet()) {
      String k = prefix + e.getKey();
      ConfKey key = BY_NAME.get(k);
      if (e.getValue() instanceof Map<?, ?> sub
          && (key == null || key.type() != Type.OBJECT)
          && hasKeysUnder(k)) {
        flatten(k + ".", sub, out);
      } else {
        out.put(k, e.getValue());
      }
    }
  }

  private static boolean hasKeysUnder(String prefix) {
    for (String n : BY_NAME.keySet()) if (n.startsWith(prefix + ".")) return true;
    return false;
  }

  private static void checkKnown(String dotted) {
    for (String n : BY_NAME.keySet()) {
      if (dotted.equals(n)) return;
      if (BY_NAME.get(n).type() == Type.OBJECT && dotted.startsWith(n + ".")) return;
    }
    throw new ConfException(dotted, "unknown key (see --help for the list)");
  }

  /**
   * Applies {@code dotted.key=value}; the value is read as a YAML scalar or flow collection. A
   * group of keys ({@code data={train: x, source: y}}) takes a mapping that replaces the whole
   * group.
   */
  static void applyOverride(Map<String, Object> tree, String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) throw new ConfException(override, "an override must look like dotted.key=value");
    String key = override.substring(0, eq).trim();
    boolean group = !BY_NAME.containsKey(key) && hasKeysUnder(key);
    if (!group) checkKnown(key);
    Object value;
    try {
      value =
          new ObjectMapper(new YAMLFactory()).readValue(override.substring(eq + 1), Object.class);
    } catch (IOException e) {
      throw new ConfException(key, "cannot read value '" + override.substring(eq + 1) + "'");
    }
    if (group && !(value instanceof Map)) {
      throw new ConfException(
          key, "'" + key + "' is a group of keys: give a mapping of its keys, or override one key");
    }
    set(tree, key, value); // a group's mapping replaces the whole group, as in a sweep
  }

  @SuppressWarnings("unchecked")
  private static void set(Map<String, Object> tree, String dotted, Object value) {
    String[] parts = dotted.split("\\.");
    Map<String, Object> node = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      Object child = node.get(parts[i]);
      if (!(child instanceof Map)) {
        child = new LinkedHashMap<String, Object>();
        node.put(parts[i], child);
      } else {
        child = new LinkedHashMap<>((Map<String, Object>) child);
        node.put(parts[i], child);
      }
      node = (Map<String, Object>) child;
    }
    node.put(parts[parts.length - 1], value);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> deepCopy(Map<String, Object> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : m.entrySet()) {
      out.put(
          e.getKey(),
          e.getValue() instanceof Map<?, ?> sub
              ? deepCopy((Map<String, Object>) sub)
              : e.getValue());
    }
    return out;
  }

  Object get(String key) {
    if (!BY_NAME.containsKey(key)) throw new IllegalArgumentException("no conf key " + key);
    return values.get(key);
  }

  String string(String key) {
    return (String) get(key);
  }

  long integer(String key) {
    return (Long) get(key);
  }

  double real(String key) {
    return (Double) get(key);
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> object(String key) {
    return (Map<String, Object>) get(key);
  }

  /**
   * Keys that say how a run is carried out, not what it computes: left out of the run's identity
   * ({@link #resolvedTree}), so a run resumed with another timeout, restart budget, prefetch depth
   * or executor size is the same run. ({@code compare} configures the comparison of finished runs.)
   */
  static final Set<String> OPERATIONAL =
      Set.of(
          "compare",
          "reader.prefetch",
          "checkpoint_timeout_s",
          "max_restarts",
          "restart_backoff_s",
          "slot_wait_s",
          "executor_memory",
          "collective.rendezvous_timeout_s",
          "collective.step_timeout_s",
          "collective.handshake_timeout_s",
          "collective.encryption");

  /**
   * The resolved configuration (defaults included) as a nested tree, for the run directory's {@code
   * conf.yaml}, which a resume must match: every key but the {@link #OPERATIONAL} ones.
   */
  Map<String, Object> resolvedTree() {
    Map<String, Object> t = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : values.entrySet()) {
      if (!OPERATIONAL.contains(e.getKey())) set(t, e.getKey(), e.getValue());
    }
    return t;
  }

  /** The {@code --help} text: every key with its type, default and meaning. */
  public static String help() {
    StringBuilder b = new StringBuilder();
    Map<String, ConfKey> sorted = new TreeMap<>(BY_NAME);
    for (ConfKey k : sorted.values()) {
      String def = k.defaultValue() == null ? "(required)" : "default " + k.defaultValue();
      String type =
          k.type() == Type.CHOICE
              ? String.join("|", k.choices())
              : k.type().name().toLowerCase(java.util.Locale.ROOT);
      b.append(
          String.format(
              java.util.Locale.ROOT,
              "  %-20s %-10s %s%n  %20s %s%n",
              k.name(),
              type,
              def,
              "",
              k.description()));
    }
    b.append(
        "  sweep                mapping    dotted key -> list of values; the run expands to their cartesian product\n");
    return b.toString();
  }
}
