package org.optimbench.jobs.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.jobs.fs.Location;
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
 * is committed and the metrics are on disk.
 *
 * <p>The directory may be on any Hadoop file system: give the output root as a path or URI ({@code
 * runs}, {@code /data/runs}, {@code hdfs://nn/runs}, {@code s3a://bucket/runs}), a {@link
 * Location}, or a local {@link Path}. Every small file is an atomic replacement and every
 * checkpoint is committed by its marker ({@link Checkpoints}), so the protocol holds on object
 * stores too.
 *
 * <p><b>Attempts.</b> One writer at a time owns a run directory. Each writer holds an attempt
 * number, recorded as a write-once marker {@code attempts/<n>}, and before every commit (conf,
 * metrics flush, checkpoint marker, status) checks that no newer attempt has begun; a writer that
 * finds one is a zombie and gets a {@link StaleAttemptException} with nothing written. The driver
 * begins an attempt ({@link #beginAttempt}) and hands its number to the task that writes ({@link
 * #openAttempt}); it can record the run's status itself with {@link #attach} ({@link
 * #failAtLastCheckpoint}, {@link #restarting}). {@link #open} without a number begins a new attempt
 * itself, so a process that opens a run directory to write it supersedes every earlier writer. The
 * check precedes the write, so a writer superseded between the two can still land that one write;
 * what it lands is complete (a replaced file, a marked checkpoint), and the newer attempt, which
 * resumed from the commits before it, overwrites it or passes over it.
 */
public final class RunDirectory {
  public static final String CONF = "conf.yaml";
  public static final String ATTEMPTS = Attempts.DIR;
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Location dir;
  private final String name;
  private final int attempt;
  private final Checkpoints checkpoints;
  private MetricsLog metrics;

  private RunDirectory(Location dir, String name, int keep, int attempt) {
    this.dir = dir;
    this.name = name;
    this.attempt = attempt;
    this.checkpoints = new Checkpoints(dir, keep, this::fence);
  }

  public static RunDirectory open(Path outputRoot, String runName, Map<String, Object> resolvedConf)
      throws IOException {
    return open(outputRoot, runName, resolvedConf, false);
  }

  /**
   * Creates or reopens {@code <outputRoot>/<runName>/} as a new attempt, keeping the last {@link
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
    return open(Location.local(outputRoot), runName, resolvedConf, force, keepCheckpoints);
  }

  /** {@link #open(Path, String, Map, boolean)} under an output root given as a path or URI. */
  public static RunDirectory open(
      String outputRoot, String runName, Map<String, Object> resolvedConf, boolean force)
      throws IOException {
    return open(Location.of(outputRoot), runName, resolvedConf, force, Checkpoints.DEFAULT_KEEP);
  }

  /** {@link #open(Path, String, Map, boolean, int)} on any file system. */
  public static RunDirectory open(
      Location outputRoot,
      String runName,
      Map<String, Object> resolvedConf,
      boolean force,
      int keepCheckpoints)
      throws IOException {
    Objects.requireNonNull(resolvedConf, "resolvedConf");
    Location dir = runDir(outputRoot, runName);
    dir.mkdirs();
    int attempt = Attempts.begin(dir);
    return opened(dir, runName, resolvedConf, force, keepCheckpoints, attempt);
  }

  /**
   * Opens the run directory as attempt {@code attempt}, which the driver began ({@link
   * #beginAttempt}); otherwise like {@link #open(String, String, Map, boolean)}.
   *
   * @throws StaleAttemptException when a newer attempt has begun
   */
  public static RunDirectory openAttempt(
      String outputRoot,
      String runName,
      Map<String, Object> resolvedConf,
      boolean force,
      int attempt)
      throws IOException {
    return openAttempt(
        Location.of(outputRoot), runName, resolvedConf, force, Checkpoints.DEFAULT_KEEP, attempt);
  }

  public static RunDirectory openAttempt(
      Location outputRoot,
      String runName,
      Map<String, Object> resolvedConf,
      boolean force,
      int keepCheckpoints,
      int attempt)
      throws IOException {
    Objects.requireNonNull(resolvedConf, "resolvedConf");
    Location dir = runDir(outputRoot, runName);
    requireBegun(dir, runName, attempt);
    return opened(dir, runName, resolvedConf, force, keepCheckpoints, attempt);
  }

  private static RunDirectory opened(
      Location dir,
      String runName,
      Map<String, Object> resolvedConf,
      boolean force,
      int keepCheckpoints,
      int attempt)
      throws IOException {
    RunDirectory run = new RunDirectory(dir, runName, keepCheckpoints, attempt);
    run.fence();
    dir.deleteLeftovers();
    run.writeOrCheckConf(resolvedConf, force);
    return run;
  }

  /**
   * Begins a new attempt of the run {@code runName} under {@code outputRoot} (creating its
   * directory) and returns its number, which every later attempt exceeds: the driver calls this
   * before it launches the tasks of an attempt and passes them the number ({@link #openAttempt}).
   * Attempts that race get distinct numbers.
   */
  public static int beginAttempt(Location outputRoot, String runName) throws IOException {
    Location dir = runDir(outputRoot, runName);
    dir.mkdirs();
    return Attempts.begin(dir);
  }

  public static int beginAttempt(String outputRoot, String runName) throws IOException {
    return beginAttempt(Location.of(outputRoot), runName);
  }

  /**
   * The run directory as the driver sees it while attempt {@code attempt} runs elsewhere: no conf
   * check and no metrics log, for recording the run's status ({@link #failAtLastCheckpoint}, {@link
   * #restarting}), fenced like any writer.
   *
   * @throws StaleAttemptException when a newer attempt has begun
   */
  public static RunDirectory attach(Location outputRoot, String runName, int attempt)
      throws IOException {
    Location dir = runDir(outputRoot, runName);
    requireBegun(dir, runName, attempt);
    RunDirectory run = new RunDirectory(dir, runName, Checkpoints.DEFAULT_KEEP, attempt);
    run.fence();
    return run;
  }

  public static RunDirectory attach(String outputRoot, String runName, int attempt)
      throws IOException {
    return attach(Location.of(outputRoot), runName, attempt);
  }

  private static void requireBegun(Location dir, String runName, int attempt) throws IOException {
    if (attempt < 1 || !Attempts.exists(dir, attempt))
      throw new IllegalArgumentException(
          dir.resolve(Attempts.DIR).resolve(Integer.toString(attempt))
              + ": attempt "
              + attempt
              + " of run "
              + runName
              + " was never begun (see RunDirectory.beginAttempt)");
  }

  /**
   * Where the run {@code runName} lives; a name that is not a plain directory name is an error
   * naming it.
   */
  static Location runDir(Location outputRoot, String runName) {
    if (runName == null
        || runName.isEmpty()
        || runName.startsWith(".")
        || runName.contains("/")
        || runName.contains("\\")
        || runName.contains(":")
        || runName.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "run name '"
              + runName
              + "' must be a plain directory name (no '/' or ':', not starting with '.')");
    }
    return outputRoot.resolve(runName);
  }

  /**
   * @throws StaleAttemptException when a newer attempt than this writer's has begun
   */
  private void fence() throws IOException {
    Attempts.check(dir, name, attempt);
  }

  private void writeOrCheckConf(Map<String, Object> conf, boolean force) throws IOException {
    Location file = dir.resolve(CONF);
    String text = YAML.writeValueAsString(conf);
    Optional<String> found = file.readStringIfExists();
    if (found.isEmpty()) {
      file.replace(text);
      return;
    }
    String existing = found.get();
    if (existing.equals(text)) return;
    Object old;
    try {
      old = YAML.readValue(existing, Object.class);
    } catch (IOException e) {
      if (force) {
        file.replace(text);
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
    file.replace(text);
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

  public Location dir() {
    return dir;
  }

  public String name() {
    return name;
  }

  /** This writer's attempt number. */
  public int attempt() {
    return attempt;
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
   * checkpoint, cuts the metrics rows of the steps it does not cover (rows are keyed by step index,
   * so a checkpoint after S steps keeps rows 0..S-1; all rows when there is none, since the run
   * starts over), and writes status RUNNING. Returns the checkpoint to restore, if any.
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
    fence();
    MetricsLog log =
        MetricsLog.open(dir.resolve(MetricsLog.FILE), diagnostics, evals, finals, this::fence);
    Optional<Checkpoint> from = checkpoints.latest();
    long step = from.map(Checkpoint::step).orElse(-1L);
    // what lies beyond the checkpoint resumed from was cut off or is damaged: the steps are taken
    // again and written anew
    checkpoints.discardAbove(step);
    // a row is logged under its step's index (steps taken - 1): the checkpoint after S steps
    // covers rows 0..S-1, and a row S, the first step after it, is taken again
    log.truncateAfter(from.isPresent() ? step - 1 : -1);
    metrics = log;
    writeStatus(RunStatus.running(Math.max(step, 0)));
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
  public Location checkpoint(
      long step, INDArray params, OptimizerState state, Map<String, Object> extra)
      throws IOException {
    metrics().flush();
    Location p = checkpoints.write(step, params, state, extra);
    writeStatus(RunStatus.running(step));
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
    writeStatus(RunStatus.running(step));
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
    fence();
    MetricsLog.fill(dir.resolve(MetricsLog.FILE), step - 1, cells);
    writeStatus(RunStatus.completed(step));
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

  /**
   * The driver's record of a failed attempt: FAILED at the step of the last committed checkpoint (0
   * when none), with {@code reason}. A sweep re-run resumes the run from there.
   */
  public void failAtLastCheckpoint(String reason) throws IOException {
    fail(checkpoints.latestStep().orElse(0L), reason);
  }

  /**
   * The driver's record of a run being restarted after a failed attempt: RUNNING at the step of the
   * last committed checkpoint (0 when none), where the next attempt resumes.
   */
  public void restarting() throws IOException {
    finish(RunStatus.running(checkpoints.latestStep().orElse(0L)));
  }

  private void finish(RunStatus status) throws IOException {
    if (metrics != null) {
      metrics.close();
      metrics = null;
    }
    writeStatus(status);
  }

  private void writeStatus(RunStatus status) throws IOException {
    fence();
    status.write(dir);
  }
}
