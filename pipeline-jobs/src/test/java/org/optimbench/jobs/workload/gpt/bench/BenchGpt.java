package org.optimbench.jobs.workload.gpt.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.optimbench.jobs.model.NativeSetup;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.workload.gpt.GptBatch;
import org.optimbench.jobs.workload.gpt.GptConfig;
import org.optimbench.jobs.workload.gpt.GptModel;

/**
 * Throughput of one forward+backward ({@code NetworkModel.lossAndGradient}) of the GPT at a small
 * laptop size, float32, random tokens. Arguments (all optional): vocab seqLen dModel heads layers
 * batch iterations; defaults 50257 64 128 4 4 8 10.
 */
public final class BenchGpt {
  private BenchGpt() {}

  /** CPU time of the whole process: on a shared machine, wall time measures the neighbours too. */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  public static void main(String[] args) {
    NativeSetup.install(); // as Train: before ND4J loads
    int[] a = {50257, 64, 128, 4, 4, 8, 10};
    for (int i = 0; i < args.length; i++) a[i] = Integer.parseInt(args[i]);
    GptConfig c = new GptConfig(a[0], a[1], a[2], a[3], a[4]);
    int batchSize = a[5];
    int iterations = a[6];
    NetworkModel model = GptModel.build(c, DataType.FLOAT, 1);
    Random r = new Random(1);
    List<int[]> blocks = new ArrayList<>();
    for (int b = 0; b < batchSize; b++) blocks.add(r.ints(c.seqLen() + 1, 0, c.vocab()).toArray());
    GptBatch batch = GptBatch.of(blocks, c, DataType.FLOAT);
    MultiDataSet mds = batch.toMultiDataSet();
    MultiLayerNetwork net = (MultiLayerNetwork) model.network();
    for (int i = 0; i < 3; i++) model.lossAndGradient(mds);
    long c0 = cpuNanos();
    long t0 = System.nanoTime();
    for (int i = 0; i < iterations; i++) model.lossAndGradient(mds);
    double step = (System.nanoTime() - t0) / 1e9 / iterations;
    double stepCpu = (cpuNanos() - c0) / 1e9 / iterations;
    for (int i = 0; i < 2; i++) net.output(batch.features());
    t0 = System.nanoTime();
    for (int i = 0; i < iterations; i++) net.output(batch.features());
    double forward = (System.nanoTime() - t0) / 1e9 / iterations;
    // DL4J copies each SameDiff gradient into the flat gradient view once per step
    var from = model.view().grads().dup();
    t0 = System.nanoTime();
    for (int i = 0; i < iterations; i++) model.view().grads().assign(from);
    double copy = (System.nanoTime() - t0) / 1e9 / iterations;
    System.out.printf(
        "GPT %s: %,d parameters, batch %d x %d tokens, float32, OMP_NUM_THREADS=%s%n",
        c, GptModel.parameterCount(c), batchSize, c.seqLen(), System.getenv("OMP_NUM_THREADS"));
    System.out.printf(
        "forward+backward: %.1f ms/step wall, %,.0f tokens/s; %.1f ms/step process CPU, %,.0f tokens per CPU-second%n",
        step * 1e3, batch.tokens() / step, stepCpu * 1e3, batch.tokens() / stepCpu);
    System.out.printf(
        "forward only (output): %.1f ms wall; copying the flat gradient once: %.2f ms wall%n",
        forward * 1e3, copy * 1e3);
  }
}
