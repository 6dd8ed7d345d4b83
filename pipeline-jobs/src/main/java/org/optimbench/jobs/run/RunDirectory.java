package org.optimbench.jobs.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.OptimizerState;

/**
 * The directory {@code <output root>/<run name>/} of one run, and the order in which the trainer
 * writes to it:
 *
 * <pre>{@code
 * RunDirectory run = RunDirectory.open(root, name, tree, false);  // writes or checks conf.yaml
 * if (run.isFinal()) return;                                 // a sweep re-run skips it
 * Optional<Checkpoint> from = run.start(diagnosticNames, evalNames);  // status RUNNING, metrics cut to the checkpoint
 * ... run.metrics().append(MetricsLog.row(step)...) ...
 * run.checkpoint(step, model.params(), state, extra);       // flushes metrics, then commits the checkpoint
 * run.complete(lastStep);  // or run.diverge(step, reason) / run.fail(step, reason)
 * }</pre>
 *
 * <p>With an evaluation after training ({@code eval.final}), the trainer ends with {@link
 * #endTraining} instead of {@link #complete}: the final checkpoint is committed and the status
 * stays RUNNING. The evaluation then reads that checkpoint, and {@link #completeWithFinal} writes
 * its values into the last metrics row (one atomic rewrite) and only then COMPLETED. A kill in
 * between leaves a RUNNING run whose resume has no step left to take and goes straight to the
 * evaluation, so a COMPLETED run always has its final values.
 *
 * <p>{@code conf.yaml} is the resolved conf. Reopening a directory checks that the conf is the same
 * (a resume must continue the same run) and otherwise fails naming the first differing key, unless
 * {@code force} is given, which replaces it. COMPLETED is written only after the final checkpoint
 * is committed and the metrics are on disk. One process at a time owns a run directory: the sweep
 * driver, not its executors.
 */
public final class RunDirectory {
  public static final String CONF = "conf.yaml";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Path dir;
  private final String name;
  private final Checkpoints checkpoints;
  private MetricsLog metrics;

  private RunDirectory(Path dir, String name, int keep) {
    this.dir = dir;
    this.name = name;
    this.checkpoints = new Checkpoints(dir, keep);
  }

  public static RunDirectory open(Path outputRoot, String runName, Map<String, Object> resolvedConf)
      throws IOException {
    return open(outputRoot, runName, resolvedConf, false);
  }

  /**
   * Creates or reopens {@code <outputRoot>/<runName>/}, keeping the last {@link
   * Checkpoints#DEFAULT_KEEP} checkpoints. On reopen, an existing {@code conf.yaml} that differs
   * from {@code resolvedConf} is an error naming the key, unless {@code force}.
   */
  public static RunDirectory open(
      Path outputRoot, String runName, Map<String, Object> resolvedConf, boolean force)
      throws IOException {
    return open(outputRoot, runName, resolvedConf, force, Checkpoints.DEFAULT_KEEP);
  }

  public static RunDirectory open(
      Path outputRoot,
      String runName,
      Map<String, Object> resolvedConf,
      boolean force,
      int keepCheckpoints)
      throws IOException {
    Objects.requireNonNull(resolvedConf, "resolvedConf");
    Path dir = runDir(outputRoot, runName);
    Files.createDirectories(dir);
    AtomicFiles.deleteLeftovers(dir);
    RunDirectory run = new RunDirectory(dir, runName, keepCheckpoints);
    run.writeOrCheckConf(resolvedConf, force);
    return run;
  }

  /**
   * Where the run {@code runName} lives; a name that is not a plain directory name is an error
   * naming it.
   */
  static Path runDir(Path outputRoot, String runName) {
    if (runName == null
        || runName.isEmpty()
        || runName.startsWith(".")
        || runName.contains("/")
        || runName.contains("\\")
        || runName.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "run name '"
              + runName
              + "' must be a plain directory name (no '/', not starting with '.')");
    }
    return outputRoot.resolve(runName);
  }

  private void writeOrCheckConf(Map<String, Object> conf, boolean force) throws IOException {
    Path file = dir.resolve(CONF);
    String text = YAML.writeValueAsString(conf);
    String existing;
    try {
      existing = Files.readString(file);
    } catch (NoSuchFileException e) {
      AtomicFiles.writeString(file, text);
      return;
    }
    if (existing.equals(text)) return;
    Object old;
    try {
      old = YAML.readValue(existing, Object.class);
    } catch (IOException e) {
      if (force) {
        AtomicFiles.writeString(file, text);
        return;
      }
      throw new RunFileException(file, "unreadable conf (" + e.getMessage() + ")", e);
    }
    // compare what both confs read back as, so that formatting and number types do not count
    Optional<String> diff = difference("", old, YAML.readValue(text, Object.class));
    if (diff.isEmpty()) return;
    if (!force) {
      throw new RunFileException(
          file,
          diff.get()
              + "; a resume must use the run's conf (give a new run name, or force to replace it)");
    }
    AtomicFiles.writeString(file, text);
  }

  /**
   * The first key at which {@code a} (existing) and {@code b} (new) differ, described, or empty.
   */
  private static Optional<String> difference(String path, Object a, Object b) {
    if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
      Set<Object> keys = new LinkedHashSet<>(ma.keySet());
      keys.addAll(mb.keySet());
      for (Object k : keys) {
        String p = path.isEmpty() ? String.valueOf(k) : path + "." + k;
        if (!ma.containsKey(k)) return Optional.of("key " + p + " is new (" + mb.get(k) + ")");
        if (!mb.containsKey(k)) return Optional.of("key " + p + " is gone (was " + ma.get(k) + ")");
        Optional<String> d = difference(p, ma.get(k), mb.get(k));
        if (d.isPresent()) return d;
      }
      return Optional.empty();
    }
    if (a instanceof List<?> la && b instanceof List<?> lb && la.size() == lb.size()) {
      for (int i = 0; i < la.size(); i++) {
        Optional<String> d = difference(path + "[" + i + "]", la.get(i), lb.get(i));
        if (d.isPresent()) return d;
      }
      return Optional.empty();
    }
    if (Objects.equals(a, b)) return Optional.empty();
    return Optional.of(
        "key "
            + (path.isEmpty() ? "(root)" : path)
            + " is "
            + a
            + " in the existing conf but "
            + b
            + " now");
  }

  public Path dir() {
    return dir;
  }

  public String name() {
    return name;
  }

  public Optional<RunStatus> status() throws IOException {
    return RunStatus.read(dir);
  }

  /** True when the status is COMPLETED. */
  public boolean isCompleted() throws IOException {
    return status().map(s -> s.state() == RunStatus.State.COMPLETED).orElse(false);
  }

  /**
   * True when the status is COMPLETED or DIVERGED: a sweep re-run skips this run (see {@link
   * RunStatus#isFinal}).
   */
  public boolean isFinal() throws IOException {
    return status().map(RunStatus::isFinal).orElse(false);
  }

  public Checkpoints checkpoints() {
    return checkpoints;
  }

  /**
   * Starts or resumes the run: opens the metrics log with these columns, finds the last committed
   * checkpoint, cuts the metrics after its step (all rows when there is none, since the run starts
   * over), and writes status RUNNING. Returns the checkpoint to restore, if any.
   */
  public Optional<Checkpoint> start(Collection<String> diagnostics, Collection<String> evals)
      throws IOException {
    return start(diagnostics, evals, List.of());
  }

  /**
   * {@link #start(Collection, Collection)} with {@code final.<name>} metrics columns for the
   * evaluation after training.
   */
  public Optional<Checkpoint> start(
      Collection<String> diagnostics, Collection<String> evals, Collection<String> finals)
      throws IOException {
    if (isFinal())
      throw new IllegalStateException(
          dir + ": the run has a final status (" + status().get().state() + "); nothing to resume");
    if (metrics != null) throw new IllegalStateException(dir + ": already started");
    MetricsLog log = MetricsLog.open(dir.resolve(MetricsLog.FILE), diagnostics, evals, finals);
    Optional<Checkpoint> from = checkpoints.latest();
    log.truncateAfter(from.map(Checkpoint::step).orElse(-1L));
    metrics = log;
    RunStatus.running(from.map(Checkpoint::step).orElse(0L)).write(dir);
    return from;
  }

  /** The metrics log opened by {@link #start}. */
  public MetricsLog metrics() {
    if (metrics == null)
      throw new IllegalStateException(dir + ": call start() before logging metrics");
    return metrics;
  }

  /**
   * Flushes the metrics, then commits a checkpoint, so that no committed checkpoint is ahead of the
   * log.
   */
  public Path checkpoint(
      long step, INDArray params, OptimizerState state, Map<String, Object> extra)
      throws IOException {
    metrics().flush();
    Path p = checkpoints.write(step, params, state, extra);
    RunStatus.running(step).write(dir);
    return p;
  }

  /**
   * Marks the run COMPLETED at {@code step}; the final checkpoint (for {@code step}) must be
   * committed first.
   */
  public void complete(long step) throws IOException {
    requireFinalCheckpoint(step, "completing");
    finish(RunStatus.completed(step));
  }

  /**
   * Training ended after {@code step} steps and an evaluation after training follows: closes the
   * metrics log and leaves the status RUNNING at {@code step}. The final checkpoint must be
   * committed.
   */
  public void endTraining(long step) throws IOException {
    requireFinalCheckpoint(step, "ending training");
    if (metrics != null) {
      metrics.close();
      metrics = null;
    }
    RunStatus.running(step).write(dir);
  }

  /**
   * Records the evaluation after training and completes the run: {@code finals} (metric name to
   * value) go into the {@code final.<name>} columns of the row of step {@code step - 1} (the last
   * step taken) in one atomic rewrite of the log, then the status becomes COMPLETED at {@code
   * step}. The final checkpoint (for {@code step}) must be committed, and the log closed ({@link
   * #endTraining}, or a directory reopened without {@link #start}).
   */
  public void completeWithFinal(long step, Map<String, Double> finals) throws IOException {
    requireFinalCheckpoint(step, "completing");
    if (metrics != null)
      throw new IllegalStateException(dir + ": the metrics log is open; call endTraining first");
    if (step < 1)
      throw new IllegalArgumentException(
          dir + ": no step was taken, so there is no row for the final values");
    Map<String, Double> cells = new java.util.LinkedHashMap<>();
    finals.forEach((k, v) -> cells.put(MetricsLog.FINAL + k, v));
    MetricsLog.fill(dir.resolve(MetricsLog.FILE), step - 1, cells);
    RunStatus.completed(step).write(dir);
  }

  private void requireFinalCheckpoint(long step, String what) throws IOException {
    Optional<Long> last = checkpoints.latestStep();
    if (last.isEmpty() || last.get() != step) {
      throw new IllegalStateException(
          dir
              + ": write the final checkpoint (step "
              + step
              + ") before "
              + what
              + "; the last one is "
              + last.orElse(null));
    }
  }

  /** Marks the run DIVERGED at {@code step} (see {@link DivergenceCheck}). */
  public void diverge(long step, String reason) throws IOException {
    finish(RunStatus.diverged(step, reason));
  }

  /** Marks the run FAILED at {@code step}; a sweep re-run resumes it. */
  public void fail(long step, String reason) throws IOException {
    finish(RunStatus.failed(step, reason));
  }

  private void finish(RunStatus status) throws IOException {
    if (metrics != null) {
      metrics.close();
      metrics = null;
    }
    status.write(dir);
  }
}
