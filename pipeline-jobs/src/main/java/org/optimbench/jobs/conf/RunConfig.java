package org.optimbench.jobs.conf;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.collective.CollectiveOptions;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.workload.registry.WorkloadChoice;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.schedule.Schedule;
import org.optimbench.optim.schedule.Schedules;
import org.optimbench.optim.spec.Spec;

/**
 * One run's configuration, typed and checked: every key of {@link RunConf#KEYS} read into the
 * section it belongs to, with the optimizer, schedule and workload specs already resolved through
 * their registries. Built only by {@link RunConf#load}, which reports every error of every run of a
 * sweep before anything starts; so code that holds a {@code RunConfig} can trust it. Immutable and
 * serializable: the driver ships it to the Spark tasks as it is.
 *
 * @param name the run's name, the directory under {@link #output}
 * @param tree the resolved conf (defaults filled, no {@code compare}), written as the run's {@code
 *     conf.yaml}; a resume requires the same tree
 */
public record RunConfig(
    String name,
    Data data,
    WorkloadChoice workload,
    Spec optimizer,
    Spec schedule,
    Parallelism parallelism,
    Training training,
    Evaluation evaluation,
    Checkpointing checkpointing,
    Recovery recovery,
    Collective collective,
    Resources resources,
    String output,
    String sparkMaster,
    Map<String, Object> compare,
    Map<String, Object> tree)
    implements Serializable {

  /**
   * Where the data comes from: {@code train}, a data-prep output; {@code source}, the raw data it
   * is prepared from when missing (empty: none); {@code valid}, another output whose 'valid' split
   * the evaluations use (empty: data.train's). How each worker reads it (the {@code reader} keys):
   * windows of {@code shuffleBuffer} rows served in a seeded order, {@code prefetch} windows
   * decoded ahead.
   */
  public record Data(String train, String source, String valid, int shuffleBuffer, int prefetch)
      implements Serializable {}

  /**
   * How the workers stay consistent: the mode, the worker count, parameter averaging's round
   * length, and whether gradient sharing sums embedding tables as sparse rows.
   */
  public record Parallelism(
      Mode mode, int workers, int averagingFrequency, boolean sparseEmbeddings)
      implements Serializable {}

  /**
   * The optimization: examples per micro-batch per worker, micro-batches per step, length ({@code
   * steps}, or {@code epochs} when steps is 0), seed, arithmetic dtype, the divergence threshold
   * and the metric log's interval.
   */
  public record Training(
      int batchSize,
      int accumulationSteps,
      long steps,
      double epochs,
      long seed,
      String dtype,
      double divergenceFactor,
      long logEvery)
      implements Serializable {
    /** The ND4J data type of parameters, gradients and optimizer state. */
    public DataType dataType() {
      return dtype.equals("float64") ? DataType.DOUBLE : DataType.FLOAT;
    }
  }

  /**
   * Evaluations: every {@code every} steps (0: only at the end) over the {@code validFraction} of
   * the validation rows; {@code finalOnSpark}: the whole split once more with Spark after training.
   */
  public record Evaluation(long every, double validFraction, boolean finalOnSpark)
      implements Serializable {}

  /**
   * Checkpoints every {@code every} steps (0: only at the end); the other workers wait up to {@code
   * timeoutMillis} for rank 0 to commit one (or to open the run directory).
   */
  public record Checkpointing(long every, long timeoutMillis) implements Serializable {}

  /**
   * What the driver does when a training attempt fails: starts it again from the last committed
   * checkpoint up to {@code maxRestarts} times, the first after {@code backoffMillis}, each further
   * one after twice the previous wait; before each attempt it waits up to {@code slotWaitMillis}
   * for a task slot per worker.
   */
  public record Recovery(int maxRestarts, long backoffMillis, long slotWaitMillis)
      implements Serializable {}

  /** The ring's timeouts and whether it encrypts ({@code collective.*} keys). */
  public record Collective(
      long rendezvousTimeoutMillis,
      long stepTimeoutMillis,
      long handshakeTimeoutMillis,
      boolean encryption)
      implements Serializable {
    /**
     * The ring's settings with a fresh per-run secret: make them once per attempt, on the driver.
     */
    public CollectiveOptions options() {
      return CollectiveOptions.defaults()
          .withRendezvousTimeoutMillis(rendezvousTimeoutMillis)
          .withStepTimeoutMillis(stepTimeoutMillis)
          .withHandshakeTimeoutMillis(handshakeTimeoutMillis)
          .withEncryption(encryption);
    }
  }

  /**
   * What the run is sized for: {@code executorMemoryBytes}, the memory of each executor ({@code
   * executor_memory}, binary units as Spark reads {@code spark.executor.memory}), 0 when the conf
   * does not state it.
   */
  public record Resources(long executorMemoryBytes) implements Serializable {
    private static final java.util.regex.Pattern SIZE =
        java.util.regex.Pattern.compile(
            "(\\d+)\\s*([kmgt])b?", java.util.regex.Pattern.CASE_INSENSITIVE);

    /** Whether the conf states an executor size. */
    public boolean stated() {
      return executorMemoryBytes > 0;
    }

    /**
     * Bytes of a size with a unit ({@code 512m}, {@code 16g}, {@code 1t}; k, m, g, t are powers of
     * 1024, an optional trailing b allowed), as {@code spark.executor.memory} reads it; a number
     * without a unit is refused, since Spark reads it as mebibytes and most readers as bytes.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code text}
     */
    public static long parseSize(String text) {
      java.util.regex.Matcher m = SIZE.matcher(text.strip());
      if (!m.matches())
        throw new IllegalArgumentException(
            "'" + text + "' is not a size with a unit (k, m, g or t: 512m, 16g)");
      int shift =
          switch (Character.toLowerCase(m.group(2).charAt(0))) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 40;
          };
      long n;
      try {
        n = Long.parseLong(m.group(1));
      } catch (NumberFormatException e) {
        n = Long.MAX_VALUE;
      }
      if (n == 0 || n > (Long.MAX_VALUE >> shift))
        throw new IllegalArgumentException("'" + text + "' is not a positive size in range");
      return n << shift;
    }

    /** A size in the largest binary unit that shows it exactly, as a conf would write it. */
    public static String format(long bytes) {
      String[] units = {"k", "m", "g", "t"};
      String out = bytes + "b";
      for (int i = 0; i < units.length; i++) {
        long unit = 1L << (10 * (i + 1));
        if (bytes % unit == 0) out = (bytes / unit) + units[i];
      }
      return out;
    }
  }

  /** A fresh optimizer of this run's spec (optimizers are immutable configs: cheap to make). */
  public Optimizer newOptimizer() {
    return OptimizerRegistry.resolve(optimizer, "optimizer").optimizer();
  }

  /**
   * The run's schedule; its {@code total_steps} defaults to the run's {@code totalSteps}. A refined
   * schedule's file is read through Hadoop's file systems, so its {@code path} may be a URI ({@code
   * hdfs://...}, {@code s3a://...}) as well as a local path.
   */
  public Schedule newSchedule(long totalSteps) {
    return Schedules.create(scheduleSpec(schedule, totalSteps), "schedule", SCHEDULE_FILES);
  }

  private static final Schedules.ScheduleFiles SCHEDULE_FILES =
      path -> Location.of(path).readString();

  /**
   * The run's length in optimizer steps: {@code steps}, or {@code epochs} over {@code trainRows} at
   * the global batch (workers x accumulation steps x batch size), rounded up.
   */
  public long totalSteps(long trainRows) {
    if (training.steps() > 0) return training.steps();
    long global =
        (long) training.batchSize() * training.accumulationSteps() * parallelism.workers();
    return Math.max(1, (long) Math.ceil(training.epochs() * trainRows / (double) global));
  }

  /**
   * This run with every path it names (data.train, data.source, data.valid, output, a refined
   * schedule's path) fully qualified on the driver ({@link DriverPaths}), so that executors, whose
   * working folders and default file systems differ, read and write where the user meant; the run's
   * identity ({@link #resolvedTree}) keeps the paths as written. Every error is added to {@code
   * problems}; null when there was one.
   */
  public RunConfig qualified(String master, Configuration hadoop, List<ConfException> problems) {
    int before = problems.size();
    String train = qualify("data.train", data.train(), master, hadoop, problems, false);
    String source = qualify("data.source", data.source(), master, hadoop, problems, true);
    String valid = qualify("data.valid", data.valid(), master, hadoop, problems, false);
    String out = qualify("output", output, master, hadoop, problems, false);
    Spec sched = schedule;
    if (schedule.hparams().get("path") instanceof String p) {
      Map<String, Object> hp = new LinkedHashMap<>(schedule.hparams());
      hp.put("path", qualify("schedule.path", p, master, hadoop, problems, false));
      sched = new Spec(schedule.name(), hp);
    }
    if (problems.size() > before) return null;
    return new RunConfig(
        name,
        new Data(train, source, valid, data.shuffleBuffer(), data.prefetch()),
        workload,
        optimizer,
        sched,
        parallelism,
        training,
        evaluation,
        checkpointing,
        recovery,
        collective,
        resources,
        out,
        sparkMaster,
        compare,
        tree);
  }

  private static String qualify(
      String key,
      String path,
      String master,
      Configuration hadoop,
      List<ConfException> problems,
      boolean source) {
    try {
      return source
          ? DriverPaths.qualifySource(key, path, master, hadoop)
          : DriverPaths.qualify(key, path, master, hadoop);
    } catch (ConfException e) {
      problems.add(e);
      return path;
    }
  }

  /** The run's conf as a nested tree for {@code conf.yaml}, defaults included. */
  public Map<String, Object> resolvedTree() {
    return tree;
  }

  /** The schedule spec with {@code total_steps} filled in where the spec leaves it out. */
  static Spec scheduleSpec(Spec spec, long totalSteps) {
    if (spec.hparams().containsKey("total_steps") || spec.name().equals("constant")) return spec;
    Map<String, Object> hp = new LinkedHashMap<>(spec.hparams());
    hp.put("total_steps", totalSteps);
    return new Spec(spec.name(), hp);
  }

  /**
   * Reads the typed sections out of a checked {@link RunConf}, resolving the specs; every error is
   * added to {@code problems} (nothing is thrown), and null is returned when there was one, in this
   * run or before ({@code problems} not empty). Checks that involve a key whose value was already
   * wrong are skipped, so one mistake is reported once.
   */
  static RunConfig of(RunConf c, List<ConfException> problems) {
    Mode mode = Mode.of(c.string("mode"));
    Parallelism parallelism =
        new Parallelism(
            mode,
            intValue(c, "workers", problems),
            intValue(c, "averaging_frequency", problems),
            c.string("embedding_exchange").equals("sparse"));
    Training training =
        new Training(
            intValue(c, "batch_size", problems),
            intValue(c, "accumulation_steps", problems),
            c.integer("steps"),
            c.real("epochs"),
            c.integer("seed"),
            c.string("dtype"),
            c.real("divergence_factor"),
            Math.max(1, c.integer("log_every")));
    Evaluation evaluation =
        new Evaluation(
            c.integer("eval_every"),
            c.real("eval.valid_fraction"),
            c.string("eval.final").equals("spark"));
    Checkpointing checkpointing =
        new Checkpointing(
            c.integer("checkpoint_every"), seconds(c, "checkpoint_timeout_s", problems));
    Recovery recovery =
        new Recovery(
            nonNegative(c, "max_restarts", problems),
            1000L * nonNegative(c, "restart_backoff_s", problems),
            1000L * nonNegative(c, "slot_wait_s", problems));
    Collective collective =
        new Collective(
            seconds(c, "collective.rendezvous_timeout_s", problems),
            seconds(c, "collective.step_timeout_s", problems),
            seconds(c, "collective.handshake_timeout_s", problems),
            (Boolean) c.get("collective.encryption"));

    Resources resources = new Resources(0);
    if (c.ok("executor_memory") && !c.string("executor_memory").isBlank()) {
      try {
        resources = new Resources(Resources.parseSize(c.string("executor_memory")));
      } catch (IllegalArgumentException e) {
        problems.add(new ConfException("executor_memory", e.getMessage()));
      }
    }

    if (mode == Mode.SINGLE && parallelism.workers() != 1 && c.ok("workers")) {
      problems.add(
          new ConfException(
              "workers", "mode single runs one worker, got " + parallelism.workers()));
    }
    if ((mode == Mode.PARAM_AVERAGING || mode == Mode.DL4J_AVERAGING)
        && c.ok("averaging_frequency")) {
      long k = parallelism.averagingFrequency();
      for (String key : List.of("eval_every", "checkpoint_every")) {
        if (c.ok(key) && c.integer(key) % k != 0) {
          problems.add(
              new ConfException(
                  key,
                  c.integer(key)
                      + " must be a multiple of averaging_frequency "
                      + k
                      + " (workers agree only after averaging)"));
        }
      }
    }
    for (String key : List.of("eval_every", "checkpoint_every", "log_every")) {
      if (c.ok(key) && c.integer(key) < 0)
        problems.add(new ConfException(key, c.integer(key) + " must be >= 0"));
    }
    double factor = c.real("divergence_factor");
    if ((!(factor >= 1) || Double.isInfinite(factor)) && c.ok("divergence_factor")) {
      problems.add(new ConfException("divergence_factor", factor + " must be finite and >= 1"));
    }

    Spec optimizer = null;
    if (c.ok("optimizer") && c.object("optimizer") != null)
      try {
        optimizer = spec(c.object("optimizer"), "optimizer", false);
        OptimizerRegistry.resolve(optimizer, "optimizer");
      } catch (org.optimbench.optim.spec.SpecException e) {
        problems.add(ConfException.of(e));
      }
    Spec schedule = null;
    if (c.ok("schedule"))
      try {
        schedule = spec(c.object("schedule"), "schedule", true);
        // The length is known only once the data is (epochs): any positive length checks the spec.
        // A refined schedule's file may be written by an earlier stage of the experiment, so it is
        // read when the run starts (scripts/train checks it then, before Spark starts).
        long length = training.steps() > 0 ? training.steps() : Integer.MAX_VALUE;
        if (!writtenLater(schedule))
          Schedules.create(scheduleSpec(schedule, length), "schedule", SCHEDULE_FILES);
      } catch (org.optimbench.optim.spec.SpecException e) {
        problems.add(ConfException.of(e));
      }
    WorkloadChoice workload = null;
    if (c.ok("workload"))
      try {
        workload = WorkloadChoice.of(c.object("workload"));
        if (evaluation.finalOnSpark() && !workload.evaluatesOnSpark() && c.ok("eval.final")) {
          problems.add(
              new ConfException(
                  "eval.final",
                  "workload "
                      + workload.name()
                      + " has no evaluation on Spark; use none (dlrm has one)"));
        }
      } catch (org.optimbench.optim.spec.SpecException e) {
        problems.add(ConfException.of(e));
      }
    if (optimizer != null
        && workload != null
        && uses(optimizer, "row_sparse")
        && !workload.mayHaveEmbeddingTables()) {
      problems.add(
          new ConfException(
              "optimizer.name",
              "row_sparse updates embedding tables, and workload "
                  + workload.name()
                  + (workload.name().equals("gpt") ? "" : " with input: dense")
                  + " has none"));
    }
    if (mode == Mode.DL4J_AVERAGING) dl4jLimits(c, optimizer, workload, problems);
    if (!problems.isEmpty()) return null;
    return new RunConfig(
        c.string("name"),
        new Data(
            c.string("data.train"),
            c.string("data.source"),
            c.string("data.valid"),
            intValue(c, "reader.shuffle_buffer", problems),
            nonNegative(c, "reader.prefetch", problems)),
        workload,
        optimizer,
        schedule,
        parallelism,
        training,
        evaluation,
        checkpointing,
        recovery,
        collective,
        resources,
        c.string("output"),
        c.string("spark.master"),
        c.object("compare"),
        c.resolvedTree());
  }

  /**
   * The checks that need the workload bound to its data: {@code row_sparse} needs a network with
   * embedding tables ({@code input: auto} decides from the data whether a classifier has one).
   */
  public void checkBound(org.optimbench.jobs.workload.Workload w) {
    if (optimizer != null && uses(optimizer, "row_sparse") && !w.hasEmbeddingTables())
      throw new ConfException(
          "optimizer.name",
          "row_sparse updates embedding tables, and workload "
              + w.name()
              + " has none on this data (a classifier has one with input: sparse)");
  }

  /** Whether {@code spec} or an optimizer nested in it (a wrapper's base) is {@code name}. */
  static boolean uses(Spec spec, String name) {
    return spec.name().equals(name) || nests(spec.hparams(), name);
  }

  /** Nested specs come as {@link Spec}s or as {name, hparams} maps. */
  private static boolean nests(Object v, String name) {
    if (v instanceof Spec s) return uses(s, name);
    if (v instanceof Map<?, ?> m) {
      if (name.equals(m.get("name"))) return true;
      for (Object x : m.values()) if (nests(x, name)) return true;
    }
    return false;
  }

  /**
   * What {@link Mode#DL4J_AVERAGING} cannot run: optimizers and hyperparameters without a DL4J
   * updater ({@link Dl4jUpdaters}), workloads it does not train ({@link Dl4jUpdaters#WORKLOADS}:
   * DL4J cannot step GPT's SameDiff layer), and accumulated micro-batches, which DL4J's Spark
   * master has no notion of.
   */
  private static void dl4jLimits(
      RunConf c, Spec optimizer, WorkloadChoice workload, List<ConfException> problems) {
    if (optimizer != null)
      try {
        Dl4jUpdaters.check(optimizer);
      } catch (ConfException e) {
        problems.add(e);
      }
    if (workload != null && !Dl4jUpdaters.WORKLOADS.contains(workload.name())) {
      problems.add(
          new ConfException(
              "workload",
              "dl4j_averaging supports workloads "
                  + String.join(", ", Dl4jUpdaters.WORKLOADS)
                  + ", got "
                  + workload.name()
                  + (workload.name().equals("gpt") ? ": " + Dl4jUpdaters.GPT_REFUSED : "")));
    }
    if (c.ok("accumulation_steps") && c.integer("accumulation_steps") != 1) {
      problems.add(
          new ConfException(
              "accumulation_steps",
              "dl4j_averaging takes one micro-batch per step (DL4J's master does not accumulate)"));
    }
  }

  /**
   * A refined schedule whose file does not exist yet. A path that cannot be looked up counts as
   * existing, so that reading it reports why.
   */
  private static boolean writtenLater(Spec schedule) {
    if (!(schedule.name().equals("refined")
        && schedule.hparams().get("path") instanceof String path)) return false;
    try {
      return !Location.of(path).exists();
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  /** A positive number of seconds, in milliseconds. */
  private static long seconds(RunConf c, String key, List<ConfException> problems) {
    long v = c.integer(key);
    if ((v <= 0 || v > Long.MAX_VALUE / 1000) && c.ok(key)) {
      problems.add(new ConfException(key, v + " must be a positive number of seconds"));
      return 1;
    }
    return v * 1000;
  }

  private static int nonNegative(RunConf c, String key, List<ConfException> problems) {
    long v = c.integer(key);
    if ((v < 0 || v > Integer.MAX_VALUE) && c.ok(key)) {
      problems.add(new ConfException(key, v + " must be in [0, " + Integer.MAX_VALUE + "]"));
      return 0;
    }
    return (int) v;
  }

  private static int intValue(RunConf c, String key, List<ConfException> problems) {
    long v = c.integer(key);
    if ((v <= 0 || v > Integer.MAX_VALUE) && c.ok(key)) {
      problems.add(new ConfException(key, v + " must be in [1, " + Integer.MAX_VALUE + "]"));
      return 1;
    }
    return (int) v;
  }

  private static Spec spec(Map<String, Object> tree, String key, boolean flat) {
    return Spec.fromJson(new ObjectMapper().valueToTree(tree), key, flat);
  }
}
