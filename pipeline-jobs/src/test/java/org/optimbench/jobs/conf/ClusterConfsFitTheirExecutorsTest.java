package org.optimbench.jobs.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.workload.PreparedData;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.jobs.workload.registry.Workloads;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;

/**
 * The shipped cluster confs ({@code conf/experiments/*-cluster.yaml}) fit the executors they state:
 * for every run, one worker's memory ({@link WorkerMemory}: parameters, gradient, optimizer state,
 * the step's workspace, exchange buffers, activations, reader buffers, runtime) on stand-in
 * manifests with the real datasets' dimensions is at most the conf's {@code executor_memory}.
 */
class ClusterConfsFitTheirExecutorsTest {
  static final Path ROOT = ExperimentConfsTest.ROOT;

  /**
   * The LIBSVM sets the cluster confs train on: features, classes and rows (train, valid and test
   * together, so a bound on the train split), from the LIBSVM multiclass data page.
   */
  static final Map<String, long[]> LIBSVM =
      Map.ofEntries(
          Map.entry("mnist", new long[] {784, 10, 70_000}),
          Map.entry("aloi", new long[] {128, 1_000, 108_000}),
          Map.entry("sensorless", new long[] {48, 11, 58_509}),
          Map.entry("letter", new long[] {16, 26, 20_000}),
          Map.entry("pendigits", new long[] {16, 10, 10_992}),
          Map.entry("usps", new long[] {256, 10, 9_298}),
          Map.entry("dna", new long[] {180, 3, 3_186}),
          Map.entry("vehicle", new long[] {18, 4, 846}),
          Map.entry("vowel", new long[] {10, 11, 990}),
          Map.entry("glass", new long[] {9, 6, 214}),
          Map.entry("smallNORB", new long[] {18_432, 5, 48_600}));

  /**
   * A manifest with the dimensions of the data {@code run} is meant for: Criteo 1TB hashed to the
   * conf's 40M ids (days 0-22 about 4.2 billion training rows), BookWiki in GPT-2 BPE blocks of the
   * conf's seq_len + 1 (about 4.4 million blocks of 1,025 tokens), or the LIBSVM set named by the
   * last part of {@code dataset}.
   */
  static PreparedData standIn(RunConfig run, String dataset) {
    String json =
        switch (run.workload().name()) {
          case "dlrm" ->
              "{\"job\": \"criteo\", \"num_dense\": 13, \"num_categorical\": 26,"
                  + " \"categorical\": {\"mode\": \"hash\", \"hash_range\": 40000000},"
                  + " \"rows\": {\"train\": 4200000000, \"valid\": 89000000}}";
          case "gpt" ->
              "{\"job\": \"text\", \"block_length\": "
                  + (((Number) run.workload().spec().get("seq_len")).intValue() + 1)
                  + ", \"tokenizer\": {\"encoding\": \"r50k_base\", \"end_of_document\": 50256},"
                  + " \"rows\": {\"train\": 4400000, \"valid\": 2200}}";
          default -> {
            String name = Path.of(dataset).getFileName().toString();
            long[] d = LIBSVM.get(name);
            if (d == null) throw new AssertionError("no LIBSVM dimensions for " + dataset);
            yield String.format(
                Locale.ROOT,
                "{\"job\": \"libsvm\", \"num_features\": %d, \"num_classes\": %d,"
                    + " \"rows\": {\"train\": %d}}",
                d[0],
                d[1],
                d[2]);
          }
        };
    try {
      return new PreparedData(
          Location.local(Path.of("stand-in")), new ObjectMapper().readTree(json), "data.train");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static List<Path> clusterConfs() throws IOException {
    try (Stream<Path> s = Files.list(ROOT.resolve("conf/experiments"))) {
      return s.filter(p -> p.getFileName().toString().endsWith("-cluster.yaml")).sorted().toList();
    }
  }

  /** The run of the conf that needs the most, its estimate, and the executor it must fit. */
  static WorkerMemory.Estimate largest(List<RunConfig> runs, String dataset) {
    WorkerMemory.Estimate max = null;
    for (RunConfig r : runs) {
      WorkerMemory.Estimate e = WorkerMemory.of(r, standIn(r, dataset));
      if (max == null || e.total() > max.total()) max = e;
    }
    return max;
  }

  @TestFactory
  Stream<DynamicTest> everyClusterConfFitsTheExecutorItStates() throws IOException {
    List<Path> confs = clusterConfs();
    assertFalse(confs.isEmpty(), "no conf/experiments/*-cluster.yaml");
    return confs.stream()
        .map(
            p ->
                DynamicTest.dynamicTest(
                    p.getFileName().toString(),
                    () -> {
                      List<RunConfig> runs = RunConf.load(p, List.of());
                      for (RunConfig r : runs)
                        assertTrue(
                            r.resources().stated(),
                            p.getFileName() + ": " + r.name() + " states no executor_memory");
                      WorkerMemory.Estimate max = largest(runs, runs.get(0).data().train());
                      long executor = runs.get(0).resources().executorMemoryBytes();
                      System.out.printf(
                          Locale.ROOT,
                          "%s (executor_memory %s): %s%n",
                          p.getFileName(),
                          RunConfig.Resources.format(executor),
                          max.summary());
                      assertTrue(
                          max.total() <= executor,
                          p.getFileName()
                              + ": a worker needs "
                              + WorkerMemory.gib(max.total())
                              + ", more than executor_memory "
                              + RunConfig.Resources.format(executor)
                              + ": "
                              + max.summary());
                    }));
  }

  /** One dataset per submission: the LIBSVM conf must fit with each set its header names. */
  @Test
  void theLibsvmClusterConfFitsWithEverySetItsHeaderNames() throws IOException {
    Path conf = ROOT.resolve("conf/experiments/lrfree-libsvm-cluster.yaml");
    String header = Files.readString(conf);
    List<RunConfig> runs = RunConf.load(conf, List.of());
    long executor = runs.get(0).resources().executorMemoryBytes();
    for (String set : LIBSVM.keySet()) {
      if (set.equals("mnist")) continue; // the MLP confs' set
      assertTrue(header.contains(set), "the header no longer names " + set);
      WorkerMemory.Estimate max = largest(runs, "/shared/optimbench/prep/libsvm/" + set);
      System.out.println(set + ": " + max.summary());
      assertTrue(
          max.total() <= executor,
          set + ": " + max.summary() + " > " + RunConfig.Resources.format(executor));
    }
  }

  @Test
  void theCheckFailsForAnExecutorTooSmallForTheOptimizersState() throws IOException {
    Path conf = ROOT.resolve("conf/experiments/dlrm-cluster.yaml");
    RunConfig prodigy = RunConf.load(conf, List.of()).get(0);
    assertEquals("prodigy", prodigy.optimizer().name());
    WorkerMemory.Estimate e = WorkerMemory.of(prodigy, standIn(prodigy, ""));
    long tables = 26L * 250_000 * 64 * 4;
    // parameters, gradient and Prodigy's four copies of them: six times the 1.66 GB of tables
    assertTrue(e.total() > 6 * tables, e.summary());
    assertTrue(e.total() < 6 * tables + (3L << 30), e.summary());
  }

  @Test
  void theStateCountIsTheOptimizersOwn() {
    Workload w = Workloads.create(Map.of("name", "logreg"), standInLibsvm(16, 3));
    for (Map.Entry<String, Long> e :
        Map.of(
                "{\"name\": \"sgd\", \"hparams\": {\"lr\": 0.1}}",
                0L,
                "{\"name\": \"sgd\", \"hparams\": {\"lr\": 0.1, \"momentum\": 0.9}}",
                1L,
                "{\"name\": \"adam\"}",
                2L,
                "{\"name\": \"prodigy\"}",
                4L,
                "{\"name\": \"graft\", \"hparams\": {\"magnitude\": {\"name\": \"adam\"},"
                    + " \"direction\": {\"name\": \"adam\"}}}",
                4L)
            .entrySet()) {
      Spec spec = Spec.fromJson(json(e.getKey()), "optimizer", false);
      WorkerMemory.Probe p =
          WorkerMemory.probe(
              w, OptimizerRegistry.resolve(spec, "optimizer").optimizer(), DataType.FLOAT);
      assertEquals(e.getValue(), p.stateCopies(), e.getKey());
    }
  }

  @Test
  void parameterAndTableCountsAreThoseOfTheBuiltNetworks() throws IOException {
    for (Path p : clusterConfs()) {
      RunConfig r = RunConf.load(p, List.of()).get(0);
      Workload full = r.workload().bind(standIn(r, r.data().train()));
      Workload small = WorkerMemory.small(full);
      NetworkModel built = small.build(DataType.FLOAT, 1);
      assertEquals(
          built.view().params().length(), WorkerMemory.parameters(small), p.getFileName() + "");
      List<long[]> expected = WorkerMemory.tablesOf(built);
      List<long[]> counted = WorkerMemory.tables(small);
      assertEquals(expected.size(), counted.size(), p.getFileName() + "");
      for (int i = 0; i < expected.size(); i++)
        assertEquals(
            List.of(expected.get(i)[0], expected.get(i)[1]),
            List.of(counted.get(i)[0], counted.get(i)[1]));
    }
    Workload sparse =
        Workloads.create(Map.of("name", "logreg", "input", "sparse"), standInLibsvm(40, 3));
    NetworkModel built = sparse.build(DataType.FLOAT, 1);
    assertEquals(built.view().params().length(), WorkerMemory.parameters(sparse));
    assertEquals(1, WorkerMemory.tables(sparse).size());
    assertEquals(
        List.of(40L, 3L),
        List.of(WorkerMemory.tablesOf(built).get(0)[0], WorkerMemory.tablesOf(built).get(0)[1]));
  }

  private static PreparedData standInLibsvm(int features, int classes) {
    try {
      return new PreparedData(
          Location.local(Path.of("stand-in")),
          new ObjectMapper()
              .readTree(
                  "{\"job\": \"libsvm\", \"num_features\": "
                      + features
                      + ", \"num_classes\": "
                      + classes
                      + "}"),
          "data.train");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static com.fasterxml.jackson.databind.JsonNode json(String s) {
    try {
      return new ObjectMapper().readTree(s);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
