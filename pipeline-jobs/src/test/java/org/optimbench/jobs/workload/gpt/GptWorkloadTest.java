package org.optimbench.jobs.workload.gpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.collective.CollectiveOptions;
import org.optimbench.jobs.collective.LoopbackRing;
import org.optimbench.jobs.conf.Mode;
import org.optimbench.jobs.data.RowChunk;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.train.SplitBatch;
import org.optimbench.jobs.train.WorkerLoop;
import org.optimbench.jobs.workload.Example;
import org.optimbench.jobs.workload.InMemory;
import org.optimbench.jobs.workload.PreparedData;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.jobs.workload.registry.Workloads;
import org.optimbench.optim.HashExampleStore;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.schedule.Schedule;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.spec.SpecException;

/**
 * The GPT workload without Spark: its evaluation is exp(mean token cross-entropy) computed directly
 * from the logits, token-weighted across workers holding different numbers of blocks; 2 workers
 * with batch b follow 1 worker with batch 2b under gradient sharing (workers are threads joined by
 * the loopback ring, as in DlrmDataParallelTest); spec and manifest errors name the key.
 */
class GptWorkloadTest {
  /** vocab 50, seq_len 8, d_model 16, 2 heads, 1 layer. */
  static final GptWorkload TINY = new GptWorkload(50, 8, 16, 2, 1, 4);

  private static final List<Example> ROWS = rows(TINY, 40, 3);
  private static final ExecutorService POOL = Executors.newFixedThreadPool(2);
  @TempDir static Path tmp;

  @AfterAll
  static void shutdown() {
    POOL.shutdownNow();
  }

  static List<Example> rows(GptWorkload w, int n, long seed) {
    List<Example> out = new ArrayList<>();
    List<int[]> blocks = GptFixtures.blocks(w.config(), n, seed);
    for (int i = 0; i < n; i++)
      out.add(new Example(1000L + 7 * i, 0, blocks.get(i), new double[0], true));
    return out;
  }

  /**
   * exp(mean over every position of -log softmax(logits)[next token]), in plain Java from the
   * logits of one block at a time.
   */
  private static double directPerplexity(NetworkModel model, List<Example> rows) {
    GptConfig c = TINY.config();
    double sum = 0;
    long tokens = 0;
    for (Example e : rows) {
      double[] z =
          model
              .output(GptBatch.of(List.of(e.indices()), c, DataType.DOUBLE).toMultiDataSet())
              .castTo(DataType.DOUBLE)
              .reshape(-1)
              .toDoubleVector();
      for (int t = 0; t < c.seqLen(); t++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < c.vocab(); k++) max = Math.max(max, z[t * c.vocab() + k]);
        double s = 0;
        for (int k = 0; k < c.vocab(); k++) s += Math.exp(z[t * c.vocab() + k] - max);
        sum += max + Math.log(s) - z[t * c.vocab() + e.indices()[t + 1]];
        tokens++;
      }
    }
    return Math.exp(sum / tokens);
  }

  @Test
  void evaluationIsExpOfTheMeanTokenCrossEntropyTokenWeightedAcrossWorkers() throws Exception {
    NetworkModel trained = TINY.build(DataType.DOUBLE, 5);
    // move off the initialization so the logits are not near-uniform
    trained
        .view()
        .params()
        .addi(
            org.nd4j.linalg.factory.Nd4j.rand(DataType.DOUBLE, trained.view().params().shape())
                .subi(0.5)
                .muli(0.5));
    double direct = directPerplexity(trained, ROWS);
    Map<String, Double> single =
        TINY.evaluate(trained, InMemory.valid(TINY, ROWS), AllReduce.single());
    assertEquals(List.of("valid_loss", "valid_perplexity"), List.copyOf(single.keySet()));
    assertEquals(direct, single.get("valid_perplexity"), 1e-9 * direct);
    assertEquals(Math.log(direct), single.get("valid_loss"), 1e-9);
    assertTrue(direct > 1.5 && direct < 500, "perplexity " + direct);

    // 7 and 33 blocks: a mean of the two workers' means would be wrong; token weighting is not
    double[] params = trained.view().params().toDoubleVector();
    List<AllReduce> comms = LoopbackRing.open(2, CollectiveOptions.defaults());
    List<Future<Map<String, Double>>> f = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      List<Example> mine = w == 0 ? ROWS.subList(0, 7) : ROWS.subList(7, ROWS.size());
      AllReduce comm = comms.get(w);
      f.add(
          POOL.submit(
              () -> {
                NetworkModel m = TINY.build(DataType.DOUBLE, 5);
                m.view().params().assign(org.nd4j.linalg.factory.Nd4j.createFromArray(params));
                return TINY.evaluate(m, InMemory.valid(TINY, mine), comm);
              }));
    }
    for (Future<Map<String, Double>> r : f) {
      assertEquals(single.get("valid_loss"), r.get().get("valid_loss"), 1e-12);
      assertEquals(single.get("valid_perplexity"), r.get().get("valid_perplexity"), 1e-9 * direct);
    }
    for (AllReduce c : comms) c.close();
    assertEquals(
        Map.of(), TINY.evaluate(trained, InMemory.valid(TINY, List.of()), AllReduce.single()));
  }

  private static final int PER_WORKER = 3;

  private static List<double[]> train(Spec spec, int workers, int steps) throws Exception {
    List<AllReduce> comms =
        workers == 1
            ? List.of(AllReduce.single())
            : LoopbackRing.open(workers, CollectiveOptions.defaults());
    List<Future<double[]>> futures = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      int worker = w;
      futures.add(
          POOL.submit(
              () -> {
                RowChunk rows = InMemory.chunk(TINY, ROWS);
                NetworkModel model = TINY.build(DataType.DOUBLE, 5);
                Optimizer opt = OptimizerRegistry.create(spec);
                WorkerLoop loop =
                    new WorkerLoop(
                        model,
                        opt,
                        null,
                        Schedule.CONSTANT,
                        comms.get(worker),
                        new HashExampleStore(),
                        workers == 1 ? Mode.SINGLE : Mode.GRADIENT_SHARING,
                        1);
                for (int t = 0; t < steps; t++)
                  loop.step(
                      t,
                      SplitBatch.of(
                          TINY, rows, DataType.DOUBLE, ROWS, PER_WORKER, t, worker, workers),
                      null);
                return opt.evalParams(model.view(), loop.state()).toDoubleVector();
              }));
    }
    List<double[]> out = new ArrayList<>();
    for (Future<double[]> f : futures) out.add(f.get());
    for (AllReduce c : comms) c.close();
    return out;
  }

  @Test
  void twoWorkersWithBatchBFollowOneWorkerWithBatch2B() throws Exception {
    double[] init = TINY.build(DataType.DOUBLE, 5).view().params().toDoubleVector();
    // clip's global norm and Prodigy's d estimate are both cross-worker sums
    for (Spec spec :
        List.of(
            Spec.parse(
                "{name: clip, hparams: {max_norm: 1.0, base: {name: adam, hparams: {lr: 0.01}}}}",
                "optimizer"),
            Spec.of("prodigy"))) {
      double[] single = train(spec, 1, 5).get(0);
      List<double[]> shared = train(spec, 2, 5);
      double scale = 0;
      double moved = 0;
      for (int i = 0; i < single.length; i++) {
        scale = Math.max(scale, Math.abs(single[i]));
        moved = Math.max(moved, Math.abs(single[i] - init[i]));
      }
      for (int i = 0; i < single.length; i++) {
        assertEquals(
            shared.get(0)[i], shared.get(1)[i], 0.0, spec + ": replicas differ at parameter " + i);
        if (!(Math.abs(single[i] - shared.get(0)[i])
            <= 1e-8 * Math.abs(single[i]) + 1e-10 * scale)) {
          fail(spec + ": parameter " + i + " is " + shared.get(0)[i] + ", expected " + single[i]);
        }
      }
      assertTrue(moved > 0, spec + " did not move the parameters");
    }
  }

  @Test
  void encodedBatchesAreTheBlocksShiftedByOne() {
    org.nd4j.linalg.dataset.api.MultiDataSet b =
        InMemory.encode(TINY, ROWS, new int[] {3, 0}, DataType.FLOAT);
    GptBatch expected =
        GptBatch.of(
            List.of(ROWS.get(3).indices(), ROWS.get(0).indices()), TINY.config(), DataType.FLOAT);
    assertEquals(expected.features(), b.getFeatures(0));
    assertEquals(expected.labels(), b.getLabels(0));
    Example bad = new Example(77, 0, new int[] {1, 2, 3, 4, 5, 6, 7, 8, 50}, new double[0], false);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> InMemory.encode(TINY, List.of(bad), DataType.FLOAT));
    assertTrue(e.getMessage().contains("block 77, position 8: token 50"), e.getMessage());
  }

  @Test
  void specErrorsNameTheKey() {
    assertEquals(
        "workload.dmodel",
        assertThrows(
                SpecException.class, () -> Workloads.check(Map.of("name", "gpt", "dmodel", 64)))
            .field());
    assertEquals(
        "workload.heads",
        assertThrows(
                SpecException.class,
                () -> Workloads.check(Map.of("name", "gpt", "d_model", 30, "heads", 4)))
            .field());
    assertEquals(
        "workload.layers",
        assertThrows(SpecException.class, () -> Workloads.check(Map.of("name", "gpt", "layers", 0)))
            .field());
    assertEquals(
        "workload.seq_len",
        assertThrows(
                SpecException.class,
                () -> Workloads.check(Map.of("name", "gpt", "seq_len", "long")))
            .field());
    assertEquals(
        "workload.vocab",
        assertThrows(SpecException.class, () -> Workloads.check(Map.of("name", "gpt", "vocab", 1)))
            .field());
  }

  private static PreparedData manifest(String name, String json) throws Exception {
    Path d = tmp.resolve(name);
    Files.createDirectories(d);
    Files.writeString(d.resolve("manifest.json"), json);
    Files.writeString(d.resolve("_SUCCESS"), "");
    return PreparedData.open(d, "data.train");
  }

  @Test
  void sizesComeFromTheTextManifestAndMismatchesNameTheKeyAndTheManifest() throws Exception {
    PreparedData text =
        manifest(
            "text",
            "{\"job\": \"text\", \"seq_len\": 32, \"block_length\": 33, \"tokenizer\": {\"encoding\": \"r50k_base\", \"end_of_document\": 50256}}");
    Workload w =
        Workloads.create(Map.of("name", "gpt", "d_model", 16, "heads", 2, "layers", 1), text);
    assertEquals(new GptWorkload(50257, 32, 16, 2, 1, 4), w);
    assertEquals(
        new GptWorkload(50304, 32, 16, 2, 1, 4),
        Workloads.create(
            Map.of(
                "name", "gpt", "seq_len", 32, "d_model", 16, "heads", 2, "layers", 1, "vocab",
                50304),
            text));
    SpecException seq =
        assertThrows(
            SpecException.class,
            () -> Workloads.create(Map.of("name", "gpt", "seq_len", 64), text));
    assertEquals("workload.seq_len", seq.field());
    assertTrue(
        seq.getMessage().contains(text.dir().resolve("manifest.json").toString())
            && seq.getMessage().contains("33"),
        seq.getMessage());
    SpecException vocab =
        assertThrows(
            SpecException.class,
            () -> Workloads.create(Map.of("name", "gpt", "vocab", 50000), text));
    assertEquals("workload.vocab", vocab.field());
    PreparedData libsvm =
        manifest("libsvm", "{\"job\": \"libsvm\", \"num_features\": 4, \"num_classes\": 2}");
    SpecException kind =
        assertThrows(SpecException.class, () -> Workloads.create(Map.of("name", "gpt"), libsvm));
    assertTrue(
        kind.getMessage().startsWith("data.train: ") && kind.getMessage().contains("prepare text"),
        kind.getMessage());
  }
}
