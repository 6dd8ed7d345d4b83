package org.optimbench.jobs.train;

import java.io.IOException;
import java.io.PrintStream;
import org.apache.hadoop.conf.Configuration;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.data.SplitIndex;
import org.optimbench.jobs.workload.ValidationRows;
import org.optimbench.jobs.workload.Workload;

/**
 * One training worker as the trainer runs it ({@link WorkerTraining}: run directory, throwaway
 * diagnostic step, training loop, evaluation, checkpoint) on its own stream of the splits, rank 0
 * of 1, timed: for benchmarks outside this package.
 */
public final class StreamedWorker {
  private StreamedWorker() {}

  /**
   * What the worker did: its outcome and steps, the seconds from its first batch request to the
   * start of its last evaluation (the training steps, with the run directory's opening and the
   * diagnostic step before them), the seconds its batches waited for their rows, how many batches
   * waited, the windows decoded, and the process's peak resident memory (VmHWM, kB) when the last
   * evaluation began. {@code firstWaitSeconds} is the part of the wait spent on the first batch
   * (its whole window read before any step), the rest is the steady state's.
   */
  public record Result(
      String outcome,
      long steps,
      double stepSeconds,
      double waitSeconds,
      double firstWaitSeconds,
      long waits,
      long windows,
      long trainingPeakKb) {
    /** The share of the step time spent waiting for rows. */
    public double waitFraction() {
      return waitSeconds / stepSeconds;
    }
  }

  /** Trains {@code conf} (its mode and workers as given: run it as {@code single}). */
  public static Result train(
      RunConfig conf,
      Workload workload,
      SplitIndex train,
      SplitIndex valid,
      Configuration hadoop,
      PrintStream console)
      throws IOException {
    try (StreamData data = WorkerTraining.streamData(conf, workload, train, valid, 0, 1, hadoop)) {
      Timed timed = new Timed(data, data::inputWaitNanos);
      Outcome o =
          WorkerTraining.run(
              conf, workload, train.rows(), 0, AllReduce.single(), timed, console, 0);
      long end = timed.end != 0 ? timed.end : System.nanoTime();
      return new Result(
          o.state(),
          conf.totalSteps(train.rows()),
          (end - timed.start) / 1e9,
          data.inputWaitNanos() / 1e9,
          timed.firstWaitNanos / 1e9,
          data.inputWaits(),
          data.windowsDecoded(),
          timed.peakKb);
    }
  }

  /** The process's peak resident memory so far: VmHWM of /proc/self/status, in kB (0 elsewhere). */
  public static long peakResidentKb() {
    try {
      for (String l : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")))
        if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return 0;
  }

  /** The worker's data, noting its first batch request and its first evaluation. */
  private static final class Timed implements WorkerData {
    private final WorkerData data;
    private final java.util.function.LongSupplier waited;
    long start;
    long end;
    long peakKb;
    long firstWaitNanos = -1;

    Timed(WorkerData data, java.util.function.LongSupplier waited) {
      this.data = data;
      this.waited = waited;
    }

    @Override
    public Batch batchAt(long index, int batchSize) {
      if (start == 0) start = System.nanoTime();
      Batch b = data.batchAt(index, batchSize);
      if (firstWaitNanos < 0) firstWaitNanos = waited.getAsLong();
      return b;
    }

    @Override
    public Batch validBatchAt(long t, int batchSize) {
      return data.validBatchAt(t, batchSize);
    }

    @Override
    public ValidationRows valid() {
      if (end == 0) {
        end = System.nanoTime();
        peakKb = peakResidentKb();
      }
      return data.valid();
    }

    @Override
    public void close() {
      data.close();
    }
  }
}
