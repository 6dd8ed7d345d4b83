package org.optimbench.jobs.collective;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.model.NativeSetup;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Runs a body in N long-lived Spark barrier tasks (all scheduled together, or none), each with a
 * connected {@link AllReduce}. The results come back to the driver in rank order.
 *
 * <p>Requirements: dynamic allocation off (Spark refuses barrier stages with it), at least N free
 * task slots (local[N] with N &gt;= workers; on a cluster Spark waits and retries the slot check,
 * {@code spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures}), and on Java 17 the JVM flag
 * {@code --add-exports=java.base/sun.security.action=ALL-UNNAMED}. A body that throws fails its
 * task; its all-reduce closes, so the other workers fail fast instead of waiting for the timeout.
 *
 * <p>The ring's {@link CollectiveOptions#secret() secret} travels to the tasks inside the task
 * closure, as protected as Spark's own RPC and block transfers (encrypted when the application sets
 * {@code spark.authenticate} and {@code spark.network.crypto.enabled}). Make the options on the
 * driver, once per run; the overloads without options do so.
 */
public final class BarrierRunner {
  private BarrierRunner() {}

  /**
   * {@code workers} barrier tasks, each running {@code body} with default {@link
   * CollectiveOptions}, a fresh secret included.
   */
  public static <R> List<R> run(
      JavaSparkContext sc, int workers, SerializableFunction<WorkerContext, R> body) {
    return run(sc, workers, CollectiveOptions.defaults(), body);
  }

  public static <R> List<R> run(
      JavaSparkContext sc,
      int workers,
      CollectiveOptions opts,
      SerializableFunction<WorkerContext, R> body) {
    if (workers < 1) throw new IllegalArgumentException("workers must be >= 1: " + workers);
    List<Integer> seeds = IntStream.range(0, workers).boxed().collect(Collectors.toList());
    JavaRDD<Integer> rdd = sc.parallelize(seeds, workers);
    return runOnPartitions(rdd, opts, (ctx, it) -> body.apply(ctx));
  }

  /**
   * One barrier task per partition of {@code data}: worker r gets partition r's records. The RDD
   * must not need a shuffle-free union/coalesce that Spark refuses in barrier mode.
   */
  public static <T, R> List<R> runOnPartitions(
      JavaRDD<T> data,
      CollectiveOptions opts,
      SerializableBiFunction<WorkerContext, Iterator<T>, R> body) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.context());
    int workers = data.getNumPartitions();
    checkCluster(sc, workers);
    @SuppressWarnings("unchecked")
    ClassTag<R> tag = (ClassTag<R>) ClassTag$.MODULE$.AnyRef();
    RDD<R> out = data.rdd().barrier().mapPartitions(new Task<>(opts, body), false, tag);
    return new JavaRDD<>(out, tag).collect();
  }

  /**
   * Fails early with a clear message where Spark would refuse the stage or wait for slots forever.
   */
  static void checkCluster(JavaSparkContext sc, int workers) {
    if (sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false)) {
      throw new IllegalStateException("barrier tasks need spark.dynamicAllocation.enabled=false");
    }
    Integer slots = localSlots(sc.master(), sc.getConf().getInt("spark.task.cpus", 1));
    if (slots != null && slots < workers) {
      throw new IllegalStateException(
          String.format(
              "%d barrier workers need %d concurrent task slots but master %s "
                  + "with spark.task.cpus=%s has %d; use local[%d] or more",
              workers,
              workers,
              sc.master(),
              sc.getConf().get("spark.task.cpus", "1"),
              slots,
              workers));
    }
  }

  /**
   * Waits until the cluster offers at least {@code workers} concurrent task slots (executors still
   * starting, or a lost one being replaced), up to {@code waitMillis}, and fails with a message
   * naming both numbers otherwise: Spark itself would retry its own slot check for about ten
   * minutes before failing a barrier stage that cannot be scheduled.
   */
  public static void awaitSlots(JavaSparkContext sc, int workers, long waitMillis) {
    checkCluster(sc, workers);
    long deadline = System.nanoTime() + waitMillis * 1_000_000L;
    int slots = slots(sc);
    while (slots < workers) {
      if (System.nanoTime() >= deadline) {
        throw new IllegalStateException(
            String.format(
                java.util.Locale.ROOT,
                "%d barrier workers need %d concurrent task slots, but after %d s master %s offers"
                    + " %d (executors x spark.executor.cores / spark.task.cpus); start more"
                    + " executors or use fewer workers",
                workers,
                workers,
                waitMillis / 1000,
                sc.master(),
                slots));
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for task slots", e);
      }
      slots = slots(sc);
    }
  }

  /** The task slots the cluster offers now, as Spark's own barrier check counts them. */
  static int slots(JavaSparkContext sc) {
    org.apache.spark.SparkContext c = sc.sc();
    return c.maxNumConcurrentTasks(c.resourceProfileManager().defaultResourceProfile());
  }

  /** Task slots of a local master, or null for a cluster master. */
  static Integer localSlots(String master, int taskCpus) {
    if (master.equals("local")) return 1 / Math.max(1, taskCpus);
    Matcher m = Pattern.compile("local\\[(\\*|\\d+)(,\\d+)?]").matcher(master);
    if (!m.matches()) return null;
    int cores =
        m.group(1).equals("*")
            ? Runtime.getRuntime().availableProcessors()
            : Integer.parseInt(m.group(1));
    return cores / Math.max(1, taskCpus);
  }

  /**
   * The barrier task: bind its GPU if Spark assigned one, rendezvous, run the body eagerly (the
   * ring must close before the task ends), free the thread's ND4J workspaces, return one result.
   *
   * <p>ND4J workspaces belong to a thread and outlive it: Spark's task threads come and go (a pool
   * with a 60 s keep-alive, a new one per executor), and every thread that ever trained kept its
   * workspaces, 1.6 GB of working memory for the laptop-size GPT, until the executor ran out of
   * memory (bench-train gpt was OOM-killed at 24 GB). The body's results must not live in a
   * workspace (they are serialized back to the driver anyway).
   */
  private static final class Task<T, R>
      extends AbstractFunction1<scala.collection.Iterator<T>, scala.collection.Iterator<R>>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final CollectiveOptions opts;
    private final SerializableBiFunction<WorkerContext, Iterator<T>, R> body;

    Task(CollectiveOptions opts, SerializableBiFunction<WorkerContext, Iterator<T>, R> body) {
      this.opts = opts;
      this.body = body;
    }

    @Override
    public scala.collection.Iterator<R> apply(scala.collection.Iterator<T> records) {
      // first, before anything loads ND4J in this executor (a no-op where train.ExecutorSetup ran
      // at the executor's start)
      NativeSetup.install();
      BarrierTaskContext ctx = BarrierTaskContext.get();
      GpuBinding.bindCurrentTask(); // before the body allocates anything on a device
      R result;
      try (AllReduce ar = SparkRendezvous.connect(ctx, opts)) {
        result =
            body.apply(
                new WorkerContext(ar.rank(), ar.size(), ar, ctx),
                JavaConverters.asJavaIterator(records));
      } catch (java.io.IOException e) {
        throw new CollectiveException(
            "rank " + ctx.partitionId() + ": connecting the ring failed: " + e, e);
      } finally {
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
      }
      return scala.collection.Iterator$.MODULE$.single(result);
    }
  }
}
