package org.optimbench.jobs.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The Spark barrier path on local[2]: rendezvous through allGather, then the TCP ring. */
class BarrierRunnerTest {
  private static JavaSparkContext sc;

  @BeforeAll
  static void start() {
    SparkConf conf =
        new SparkConf()
            .setMaster("local[2]")
            .setAppName("collective-test")
            .set("spark.ui.enabled", "false")
            .set("spark.driver.host", "127.0.0.1")
            .set("spark.driver.bindAddress", "127.0.0.1")
            // A failed barrier task makes Spark rerun the whole stage (up to 4 attempts by
            // default); once is
            // enough to see a failure propagate.
            .set("spark.stage.maxConsecutiveAttempts", "1");
    sc = new JavaSparkContext(conf);
    sc.setLogLevel("ERROR");
  }

  @AfterAll
  static void stop() {
    if (sc != null) sc.stop();
  }

  /**
   * rank, size, per-step check failures, SHA-256 of the final replica, scalars of the last step, ms
   * per step.
   */
  record Outcome(
      int rank, int size, String problems, String digest, double[] lastScalars, double msPerStep)
      implements java.io.Serializable {}

  @Test
  void twoWorkersDoFiftyAllReducesAndEndWithIdenticalReplicas() {
    List<Outcome> out =
        BarrierRunner.run(
            sc,
            2,
            ctx -> {
              AllReduce ar = ctx.allReduce();
              INDArray params = Nd4j.zeros(DataType.FLOAT, 10_001);
              StringBuilder problems = new StringBuilder();
              double[] s = null;
              long t0 = System.nanoTime();
              for (int step = 0; step < 50; step++) {
                INDArray grad = Nd4j.ones(DataType.FLOAT, 10_001).muli(ctx.rank() + 1 + step);
                s = ar.sumInPlace(grad, new double[] {ctx.rank() + 1, 0.5 * step});
                double expect = 3 + 2.0 * step;
                if (grad.minNumber().doubleValue() != expect
                    || grad.maxNumber().doubleValue() != expect) {
                  problems
                      .append("step ")
                      .append(step)
                      .append(": got ")
                      .append(grad.minNumber())
                      .append(' ');
                }
                params.subi(grad.muli(1e-3 / s[0]));
              }
              double ms = (System.nanoTime() - t0) / 1e6 / 50;
              return new Outcome(ctx.rank(), ctx.size(), problems.toString(), sha(params), s, ms);
            });
    assertEquals(2, out.size());
    for (int r = 0; r < 2; r++) {
      Outcome o = out.get(r);
      assertEquals(r, o.rank(), "results in rank order");
      assertEquals(2, o.size());
      assertEquals("", o.problems());
      assertArrayEquals(new double[] {3, 49}, o.lastScalars());
    }
    assertEquals(out.get(0).digest(), out.get(1).digest(), "replicas drifted");
    System.out.printf(
        "spark barrier ring, 2 workers, 10k floats + 2 scalars: %.3f / %.3f ms per all-reduce%n",
        out.get(0).msPerStep(), out.get(1).msPerStep());
  }

  @Test
  void workersGetTheirPartitionsAndOneWorkerIsANoOp() {
    List<Integer> data = IntStream.range(0, 100).boxed().collect(Collectors.toList());
    List<double[]> sums =
        BarrierRunner.runOnPartitions(
            sc.parallelize(data, 2),
            CollectiveOptions.defaults(),
            (ctx, it) -> {
              double local = 0;
              while (it.hasNext()) local += it.next();
              return ctx.allReduce().sumInPlace(new double[] {local, 1});
            });
    assertArrayEquals(new double[] {4950, 2}, sums.get(0));
    assertArrayEquals(new double[] {4950, 2}, sums.get(1));

    List<Integer> single =
        BarrierRunner.run(
            sc,
            1,
            ctx -> {
              INDArray x = Nd4j.ones(DataType.DOUBLE, 5);
              ctx.allReduce().sumInPlace(x);
              return (int) x.sumNumber().doubleValue() + 10 * ctx.allReduce().size();
            });
    assertEquals(List.of(15), single);
  }

  @Test
  void anEncryptedRingGetsItsSecretThroughTheTaskClosure() {
    // the options, secret included, are made here on the driver and reach the tasks serialized in
    // the closure; several frames per message, so the encrypted stream carries real volume
    List<double[]> out =
        BarrierRunner.runOnPartitions(
            sc.parallelize(List.of(1, 2), 2),
            CollectiveOptions.defaults().withEncryption(true),
            (ctx, it) -> {
              INDArray g = Nd4j.ones(DataType.FLOAT, 300_000).muli(ctx.rank() + 1);
              double[] s = ctx.allReduce().sumInPlace(g, new double[] {ctx.rank() + 1});
              return new double[] {g.minNumber().doubleValue(), g.maxNumber().doubleValue(), s[0]};
            });
    assertArrayEquals(new double[] {3, 3, 3}, out.get(0));
    assertArrayEquals(new double[] {3, 3, 3}, out.get(1));
  }

  /** Workspaces the test bodies opened, seen from the driver (local mode: one JVM). */
  private static final Queue<MemoryWorkspace> OPENED = new ConcurrentLinkedQueue<>();

  @Test
  void aTaskFreesItsThreadsWorkspacesWhenItEnds() {
    OPENED.clear();
    WorkspaceConfiguration cfg =
        WorkspaceConfiguration.builder()
            .initialSize(8L << 20)
            .policyAllocation(AllocationPolicy.STRICT)
            .build();
    BarrierRunner.run(
        sc,
        2,
        ctx -> {
          MemoryWorkspace ws =
              Nd4j.getWorkspaceManager()
                  .getWorkspaceForCurrentThread(cfg, "barrier-test-" + ctx.rank());
          try (MemoryWorkspace open = ws.notifyScopeEntered()) {
            Nd4j.ones(DataType.FLOAT, 1 << 20);
          }
          OPENED.add(ws);
          return 0;
        });
    assertEquals(2, OPENED.size());
    for (MemoryWorkspace ws : OPENED) {
      assertEquals(
          0, ws.getCurrentSize(), ws.getId() + " still holds its 8 MB after its task ended");
    }
  }

  @Test
  void tooFewSlotsIsRefusedUpFrontAndAFailingWorkerFailsTheJobFast() {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> BarrierRunner.run(sc, 3, ctx -> 0));
    assertTrue(e.getMessage().contains("local[3]"), e.getMessage());

    long t0 = System.nanoTime();
    SparkException failed =
        assertThrows(
            SparkException.class,
            () ->
                BarrierRunner.run(
                    sc,
                    2,
                    ctx -> {
                      if (ctx.rank() == 1) throw new IllegalStateException("worker 1 gave up");
                      ctx.allReduce()
                          .sumInPlace(
                              Nd4j.ones(DataType.FLOAT, 1000)); // must not wait 120 s for rank 1
                      return 0;
                    }));
    double s = (System.nanoTime() - t0) / 1e9;
    assertTrue(s < 30, "took " + s + " s");
    assertTrue(
        String.valueOf(failed.getMessage()).contains("gave up")
            || String.valueOf(failed.getMessage()).contains("closed"),
        failed.getMessage());
  }

  static String sha(INDArray a) {
    try {
      ByteBuffer b = RingAllReduce.nativeBytes(a);
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(b);
      return HexFormat.of().formatHex(md.digest());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
