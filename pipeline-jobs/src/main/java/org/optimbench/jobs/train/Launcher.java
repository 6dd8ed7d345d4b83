package org.optimbench.jobs.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.collective.BarrierRunner;
import org.optimbench.jobs.collective.CollectiveException;
import org.optimbench.jobs.collective.CollectiveOptions;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.data.SplitIndex;
import org.optimbench.jobs.run.RunDirectory;
import org.optimbench.jobs.run.RunFileException;
import org.optimbench.jobs.run.StaleAttemptException;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.optim.spec.SpecException;
import org.optimbench.prep.common.Errors;
import org.optimbench.prep.common.HadoopConf;
import org.slf4j.LoggerFactory;

/**
 * Runs the workers of one run on the cluster, and starts them again when an attempt fails, like
 * torchrun's {@code --max-restarts}: Spark aborts a job whose barrier stage lost a task or an
 * executor and never retries it, so the driver does. Each attempt:
 *
 * <ol>
 *   <li>begins a numbered attempt in the run directory ({@link RunDirectory#beginAttempt}), which
 *       fences every earlier one: a worker of a stale attempt that is still alive can no longer
 *       write a checkpoint, a metrics row or the status;
 *   <li>waits, up to {@code slot_wait_s}, for a task slot per worker (a replacement executor may
 *       still be starting);
 *   <li>makes the ring's options with a fresh secret, opens the progress relay ({@link
 *       ProgressRelay}) and launches the barrier tasks, whose rank 0 resumes from the last
 *       committed checkpoint.
 * </ol>
 *
 * A failed attempt is started again up to {@code max_restarts} times, after {@code
 * restart_backoff_s} doubling each time; the driver records the run as RUNNING at its last
 * committed checkpoint meanwhile, and as FAILED there when it gives up. Errors that another attempt
 * would meet again (a bad conf or data, a run directory of another conf, a newer attempt that took
 * the run over) end the run at once. Since batches are a pure function of the step and a checkpoint
 * holds all state, a restarted run ends with the metrics of an uninterrupted one.
 */
final class Launcher {
  private Launcher() {}

  static Outcome train(
      SparkSession spark,
      RunConfig conf,
      Workload workload,
      SplitIndex trainSplit,
      SplitIndex validSplit,
      PrintStream console)
      throws IOException {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    HadoopConf shipped = new HadoopConf(hadoop);
    ProgressRelay.Endpoint relayAt = ProgressRelay.Endpoint.of(spark.sparkContext().getConf());
    int workers = conf.parallelism().workers();
    Restarts restarts = new Restarts(conf, console, Launcher.class);
    while (true) {
      int attempt = RunDirectory.beginAttempt(conf.output(), conf.name());
      FirstTaskFailure failure = new FirstTaskFailure();
      spark.sparkContext().addSparkListener(failure);
      try {
        BarrierRunner.awaitSlots(sc, workers, conf.recovery().slotWaitMillis());
        CollectiveOptions ring = conf.collective().options();
        ProgressRelay relay = ProgressRelay.openOrNull(relayAt, ring.secret(), console);
        try {
          ProgressRelay.Address to = relay == null ? null : relay.address();
          List<Outcome> results =
              BarrierRunner.run(
                  sc,
                  workers,
                  ring,
                  ctx -> {
                    PrintStream out =
                        ctx.rank() == 0 && to != null
                            ? ProgressRelay.connect(to, System.out)
                            : System.out;
                    try {
                      return WorkerTraining.run(
                          conf,
                          workload,
                          trainSplit,
                          validSplit,
                          ctx.rank(),
                          ctx.allReduce(),
                          shipped.get(),
                          out,
                          attempt);
                    } catch (IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    } finally {
                      if (out != System.out) out.close();
                    }
                  });
          if (relay != null) relay.drain(2_000);
          return results.get(0);
        } finally {
          if (relay != null) relay.close();
        }
      } catch (Exception e) { // Spark's job failures are checked but undeclared SparkExceptions
        // a failed barrier stage's error says only that the stage failed; the task says why
        String why = failure.await(2_000).orElse(Errors.oneLine(e));
        if (!restarts.again(attempt, e, why)) {
          recordFailure(conf, attempt, why);
          if (e instanceof IOException io) throw io;
          if (e instanceof RuntimeException r) throw r;
          // Spark's "job aborted" (checked) says only that the barrier stage failed: the run's
          // one-line error is why (Errors.oneLine reads the root cause, so e is kept as suppressed)
          IllegalStateException failed = new IllegalStateException(why);
          failed.addSuppressed(e);
          throw failed;
        }
      } finally {
        spark.sparkContext().removeSparkListener(failure);
      }
    }
  }

  /**
   * Why an attempt failed, as Spark reports it to the driver: the exception a worker threw (its
   * type and first line), or the loss of its executor. When one worker fails, its ring neighbours
   * fail too, with a collective error ("left neighbour ... closed the connection"), and Spark may
   * report theirs first: a failure that is not a collective error is preferred, waited for up to
   * {@value #CAUSE_WAIT_MILLIS} ms after the first.
   */
  static final class FirstTaskFailure extends SparkListener {
    static final long CAUSE_WAIT_MILLIS = 500;

    private String first;
    private String cause;

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
      if (end.reason() instanceof ExceptionFailure f) {
        String line =
            f.description() == null ? "" : f.description().strip().lines().findFirst().orElse("");
        String type = f.className().substring(f.className().lastIndexOf('.') + 1);
        record(
            "rank " + end.taskInfo().index() + ": " + type + ": " + line,
            f.className().startsWith(CollectiveException.class.getPackageName() + ".Collective"));
      } else if (end.reason() instanceof ExecutorLostFailure lost) {
        record(
            "rank "
                + end.taskInfo().index()
                + ": its executor "
                + lost.execId()
                + " was lost ("
                + lost.toErrorString().strip().lines().findFirst().orElse("")
                + ")",
            false);
      }
    }

    /** A task's failure; {@code collective}: a collective error, possibly another's consequence. */
    synchronized void record(String reason, boolean collective) {
      if (first == null) first = reason;
      if (cause == null && !collective) cause = reason;
      notifyAll();
    }

    /**
     * The reason, once Spark's listener bus delivered a failure (up to {@code millis}): the first
     * failure that is not a collective error, else the first.
     */
    synchronized java.util.Optional<String> await(long millis) {
      long deadline = System.nanoTime() + millis * 1_000_000L;
      try {
        while (first == null && waitUntil(deadline)) {}
        long causeDeadline = System.nanoTime() + CAUSE_WAIT_MILLIS * 1_000_000L;
        while (first != null && cause == null && waitUntil(causeDeadline)) {}
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return java.util.Optional.ofNullable(cause != null ? cause : first);
    }

    /** Waits until notified or {@code deadline}; false once the deadline has passed. */
    private boolean waitUntil(long deadline) throws InterruptedException {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0) return false;
      wait(left);
      return true;
    }
  }

  /** The run's status after a failed attempt the driver gives up on: FAILED, at its checkpoint. */
  private static void recordFailure(RunConfig conf, int attempt, String why) {
    try {
      RunDirectory.attach(conf.output(), conf.name(), attempt).failAtLastCheckpoint(why);
    } catch (StaleAttemptException stale) {
      // a newer attempt owns the run: its status is its own
    } catch (IOException | RuntimeException e) {
      Errors.log(Launcher.class, conf.name() + ": recording the failure", e);
    }
  }

  /**
   * Whether another attempt could end otherwise: not for a wrong conf or data, a run directory that
   * belongs to another conf, or a newer attempt that took the run over. An executor's exception
   * reaches the driver as the text of Spark's task failure ({@code why}) when the object itself
   * does not, so the text is read too.
   */
  static boolean restartable(Throwable e, String why) {
    for (Class<?> c :
        List.of(
            SpecException.class,
            org.optimbench.jobs.conf.ConfException.class,
            RunFileException.class,
            StaleAttemptException.class)) {
      if (why.contains(c.getSimpleName() + ":")) return false;
    }
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SpecException
          || t instanceof RunFileException
          || t instanceof StaleAttemptException) return false;
      String m = String.valueOf(t.getMessage());
      for (Class<?> c :
          List.of(SpecException.class, RunFileException.class, StaleAttemptException.class)) {
        if (m.contains(c.getName())) return false;
      }
    }
    return true;
  }

  /**
   * The restart policy of one run, shared by our barrier modes and {@code dl4j_averaging}: up to
   * {@code max_restarts} restarts of the errors {@link #restartable} admits, after {@code
   * restart_backoff_s} doubling each time (at most an hour).
   */
  static final class Restarts {
    private final RunConfig conf;
    private final PrintStream console;
    private final Class<?> logAs;
    private long backoff;
    private int done;

    Restarts(RunConfig conf, PrintStream console, Class<?> logAs) {
      this.conf = conf;
      this.console = console;
      this.logAs = logAs;
      this.backoff = conf.recovery().backoffMillis();
    }

    /**
     * Whether attempt {@code attempt}, failed with {@code e} for the reason {@code why}, is to be
     * started again. If so, it has said so on the console (the stack trace goes to the log file
     * alone), recorded the run as RUNNING at its last committed checkpoint and waited the backoff.
     */
    boolean again(int attempt, Exception e, String why) {
      if (!restartable(e, why) || done >= conf.recovery().maxRestarts()) return false;
      LoggerFactory.getLogger(logAs)
          .info(conf.name() + ": attempt " + attempt + " failed; restarting", e);
      console.printf(
          Locale.ROOT,
          "%s: attempt %d failed: %s; restarting from the last committed checkpoint in %d s"
              + " (restart %d of %d)%n",
          conf.name(),
          attempt,
          why,
          backoff / 1000,
          done + 1,
          conf.recovery().maxRestarts());
      try {
        RunDirectory.attach(conf.output(), conf.name(), attempt).restarting();
      } catch (IOException | RuntimeException statusError) {
        Errors.log(logAs, conf.name() + ": recording the restart", statusError);
      }
      try {
        Thread.sleep(backoff);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting to restart", interrupted);
      }
      backoff = Math.min(backoff * 2, 3_600_000L);
      done++;
      return true;
    }
  }
}
