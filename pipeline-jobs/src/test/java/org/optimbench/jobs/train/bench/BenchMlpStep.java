package org.optimbench.jobs.train.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.conf.Mode;
import org.optimbench.jobs.data.ChunkSchema;
import org.optimbench.jobs.data.RowChunk;
import org.optimbench.jobs.data.RowRefs;
import org.optimbench.jobs.model.NativeArrays;
import org.optimbench.jobs.model.NativeSetup;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.train.Batch;
import org.optimbench.jobs.train.WorkerLoop;
import org.optimbench.jobs.workload.Examples;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.optim.HashExampleStore;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.schedule.Schedule;
import org.optimbench.optim.spec.Spec;

/**
 * {@code BenchMlpStep}: the MLP 784-256-10 training step of {@code bench-peers mlp-large} (Adam,
 * float32, one thread), part by part in thread CPU time: selecting the batch's stored rows,
 * encoding them (the classifier reads them where they lie), the whole {@code WorkerLoop.step}, and
 * {@code NetworkModel.lossAndGradient} timed apart on the same batches (the optimizer is the step's
 * rest), on two sides in one JVM, alternating: the stored values decoded as floats (what a float32
 * run reads) and as doubles. Milliseconds per step, median [min-max] over the rounds. {@code
 * -Dbench.batch} (1024), {@code -Dbench.rounds} (5), {@code -Dbench.steps} (50), {@code
 * -Dbench.warmupSeconds} (15). BENCHMARKS.md, "Peers: PyTorch on the same CPU".
 */
public final class BenchMlpStep {
  static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** One side: its workload, model, loop and stored rows. */
  static final class Side {
    final String name;
    final Workload workload;
    final NetworkModel model;
    final WorkerLoop loop;
    final RowChunk train;
    final int batch;
    final Random random = new Random(1);
    long t;

    Side(String name, Workload workload, NetworkModel model, BenchTrain.Case w, ChunkSchema s) {
      this.name = name;
      this.workload = workload;
      this.model = model;
      this.batch = w.batch();
      this.train = Examples.chunk(w.rows(), s).prepare(); // as decoding prepares it
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

    int[] positions() {
      int[] p = new int[batch];
      for (int i = 0; i < batch; i++) p[i] = random.nextInt(train.size());
      return p;
    }

    /** CPU ms per step of {gather, encode, step, lossAndGradient} over {@code n} steps. */
    double[] round(int n) {
      long gather = 0;
      long encode = 0;
      long step = 0;
      long grad = 0;
      Nd4j.getExecutioner().commit();
      for (int i = 0; i < n; i++, t++) {
        int[] p = positions();
        long c0 = THREADS.getCurrentThreadCpuTime();
        RowRefs refs = RowRefs.of(train, p); // as MemoryData and StreamData select a batch
        long c1 = THREADS.getCurrentThreadCpuTime();
        MultiDataSet x = workload.encode(refs, DataType.FLOAT);
        long c2 = THREADS.getCurrentThreadCpuTime();
        loop.step(t, new Batch(x, refs.ids()), null);
        long c3 = THREADS.getCurrentThreadCpuTime();
        gather += c1 - c0;
        encode += c2 - c1;
        step += c3 - c2;
      }
      for (int i = 0; i < n; i++) {
        MultiDataSet x = workload.encode(RowRefs.of(train, positions()), DataType.FLOAT);
        long c0 = THREADS.getCurrentThreadCpuTime();
        model.lossAndGradient(x);
        grad += THREADS.getCurrentThreadCpuTime() - c0;
        NativeArrays.release(x);
      }
      return new double[] {gather / 1e6 / n, encode / 1e6 / n, step / 1e6 / n, grad / 1e6 / n};
    }
  }

  public static void main(String[] args) {
    NativeSetup.install(); // as Train: before ND4J loads
    int batch = Integer.getInteger("bench.batch", 1024);
    int rounds = Integer.getInteger("bench.rounds", 5);
    int steps = Integer.getInteger("bench.steps", 50);
    double warm = Double.parseDouble(System.getProperty("bench.warmupSeconds", "15"));
    BenchTrain.Case w = BenchPeers.mlp(batch, 0, steps);
    List<Side> sides = new ArrayList<>();
    // the values stored as decoded for a float32 run (as floats) and as stored (doubles)
    Workload wl = w.workload();
    sides.add(new Side("floats", wl, wl.build(DataType.FLOAT, 1), w, wl.schema(DataType.FLOAT)));
    sides.add(new Side("doubles", wl, wl.build(DataType.FLOAT, 1), w, wl.schema()));
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
    double[][][] ms = new double[sides.size()][4][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < sides.size(); k++) {
        int i = r % 2 == 0 ? k : sides.size() - 1 - k; // alternate who goes first
        double[] m = sides.get(i).round(steps);
        for (int j = 0; j < 4; j++) ms[i][j][r] = m[j];
      }
    }
    for (int i = 0; i < sides.size(); i++) {
      double[] total = new double[rounds];
      double[] rest = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        total[r] = ms[i][0][r] + ms[i][1][r] + ms[i][2][r];
        rest[r] = ms[i][2][r] - ms[i][3][r];
      }
      System.out.printf(
          Locale.ROOT,
          "  %-10s CPU ms per step %s: rows %s, encode %s, step %s (lossAndGradient %s,"
              + " optimizer and the rest %s)%n",
          sides.get(i).name,
          BenchTrain.spread(total, "%.2f"),
          BenchTrain.spread(ms[i][0], "%.2f"),
          BenchTrain.spread(ms[i][1], "%.2f"),
          BenchTrain.spread(ms[i][2], "%.2f"),
          BenchTrain.spread(ms[i][3], "%.2f"),
          BenchTrain.spread(rest, "%.2f"));
    }
    System.out.printf(Locale.ROOT, "  load average after %s%n", BenchPeers.loadAverage());
    System.exit(0);
  }
}
