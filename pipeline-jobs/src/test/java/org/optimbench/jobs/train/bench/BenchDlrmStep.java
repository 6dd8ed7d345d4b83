package org.optimbench.jobs.train.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.conf.Mode;
import org.optimbench.jobs.model.NativeSetup;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.train.Batch;
import org.optimbench.jobs.train.MemoryData;
import org.optimbench.jobs.train.WorkerLoop;
import org.optimbench.jobs.workload.dlrm.Dlrm;
import org.optimbench.jobs.workload.dlrm.ReferenceDlrm;
import org.optimbench.optim.HashExampleStore;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.schedule.Schedule;
import org.optimbench.optim.spec.Spec;

/**
 * {@code BenchDlrmStep}: DLRM laptop's training step (batch 128, Adam, float32, one thread) with
 * the network {@link Dlrm} builds against the same network on DL4J's stock embedding layers and the
 * ND4J-op interaction ({@link ReferenceDlrm}), in one JVM, interleaved rounds: per side the whole
 * {@code WorkerLoop.step}, and its parts timed apart on the same batches (building the batch,
 * {@code NetworkModel.lossAndGradient}; the optimizer is the rest). Milliseconds per step, median
 * [min-max] over the rounds, and the ratio of step times within a round. {@code -Dbench.rounds}
 * (7), {@code -Dbench.steps} (40 per round and side), {@code -Dbench.warmupSeconds} (15 per side);
 * {@code -Dbench.sides=after} (or {@code before}) runs one side alone, for a profiler.
 * BENCHMARKS.md, "Peers: PyTorch on the same CPU".
 */
public final class BenchDlrmStep {
  /** One side: its model, loop and data. */
  private static final class Side {
    final String name;
    final NetworkModel model;
    final WorkerLoop loop;
    final MemoryData data;
    final int batch;
    long t;

    Side(String name, NetworkModel model, BenchTrain.Case w) {
      this.name = name;
      this.model = model;
      this.batch = w.batch();
      data = new MemoryData(w.workload(), DataType.FLOAT, w.rows(), List.of(), 1);
      loop =
          new WorkerLoop(
              model,
              OptimizerRegistry.create(Spec.of("adam")),
              null,
              Schedule.CONSTANT,
              AllReduce.single(),
              new HashExampleStore(),
              Mode.SINGLE,
              4,
              true);
    }

    /** ms per step of {step, batch, lossAndGradient} over {@code n} steps. */
    double[] round(int n) {
      double[] ms = new double[3];
      Nd4j.getExecutioner().commit();
      long a = System.nanoTime();
      for (int i = 0; i < n; i++, t++) loop.step(t, data.batchAt(t, batch), null);
      long b = System.nanoTime();
      ms[0] = (b - a) / 1e6 / n;
      long enc = 0;
      long grad = 0;
      for (int i = 0; i < n; i++) {
        long c0 = System.nanoTime();
        Batch x = data.batchAt(t - n + i, batch);
        long c1 = System.nanoTime();
        model.lossAndGradient(x.data());
        long c2 = System.nanoTime();
        x.close();
        enc += c1 - c0;
        grad += c2 - c1;
      }
      ms[1] = enc / 1e6 / n;
      ms[2] = grad / 1e6 / n;
      return ms;
    }
  }

  public static void main(String[] args) {
    NativeSetup.install(); // as Train: before ND4J loads
    int rounds = Integer.getInteger("bench.rounds", 7);
    int steps = Integer.getInteger("bench.steps", 40);
    double warm = Double.parseDouble(System.getProperty("bench.warmupSeconds", "15"));
    BenchTrain.Case w = BenchTrain.dlrm(128, 0, steps);
    Dlrm d = (Dlrm) w.workload();
    // -Dbench.sides=after times one side alone (for a profiler)
    List<String> which = List.of(System.getProperty("bench.sides", "before,after").split(","));
    List<Side> sides = new ArrayList<>();
    if (which.contains("before"))
      sides.add(
          new Side("before (stock DL4J layers)", ReferenceDlrm.build(d, DataType.FLOAT, 1), w));
    if (which.contains("after"))
      sides.add(new Side("after (Dlrm.build)", d.build(DataType.FLOAT, 1), w));
    System.out.printf(
        Locale.ROOT,
        "%s; OMP_NUM_THREADS=%s; %d rounds of %d steps per side after %.0f s warm-up each; load"
            + " average %s%n",
        w.name(),
        System.getenv("OMP_NUM_THREADS"),
        rounds,
        steps,
        warm,
        BenchPeers.loadAverage());
    for (Side s : sides) {
      long end = System.nanoTime() + (long) (warm * 1e9);
      while (System.nanoTime() < end) s.round(10);
    }
    double[][][] ms = new double[sides.size()][3][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < sides.size(); k++) {
        int i = r % 2 == 0 ? k : sides.size() - 1 - k; // alternate who goes first
        double[] m = sides.get(i).round(steps);
        for (int j = 0; j < 3; j++) ms[i][j][r] = m[j];
      }
    }
    for (int i = 0; i < sides.size(); i++) {
      double[] rest = new double[rounds];
      for (int r = 0; r < rounds; r++) rest[r] = ms[i][0][r] - ms[i][1][r] - ms[i][2][r];
      System.out.printf(
          Locale.ROOT,
          "  %-28s step %s ms; batch %s, lossAndGradient %s, optimizer and the rest %s%n",
          sides.get(i).name,
          BenchTrain.spread(ms[i][0], "%.2f"),
          BenchTrain.spread(ms[i][1], "%.2f"),
          BenchTrain.spread(ms[i][2], "%.2f"),
          BenchTrain.spread(rest, "%.2f"));
    }
    if (sides.size() == 2) {
      double[] ratio = new double[rounds];
      for (int r = 0; r < rounds; r++) ratio[r] = ms[0][0][r] / ms[1][0][r];
      System.out.printf(
          Locale.ROOT, "  step time before/after per round %s%n", BenchTrain.spread(ratio, "%.2f"));
    }
    System.out.printf(Locale.ROOT, "  load average after %s%n", BenchPeers.loadAverage());
    System.exit(0);
  }
}
