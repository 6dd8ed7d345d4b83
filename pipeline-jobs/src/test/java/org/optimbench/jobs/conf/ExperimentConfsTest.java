package org.optimbench.jobs.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.compare.CompareSettings;
import org.optimbench.jobs.compare.Grouping;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.workload.PreparedData;
import org.optimbench.jobs.workload.registry.Workloads;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.schedule.Schedules;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.spec.SpecException;

/**
 * Every training conf the project ships (conf/quickstart.yaml, conf/train/, conf/experiments/ and
 * any other YAML under conf/ except the data-prep and showcase confs) loads, expands its sweep, and
 * every run of it would start: the trainer's conf checks pass, the optimizer, schedule and workload
 * specs build (the optimizer is also initialised on the workload's network, which checks per-layer
 * names such as layer_scaled's multipliers), the compare section has only known keys, local raw
 * data exists, run names are unique, and confs that share an output directory (the stages of one
 * experiment) agree on the compare section.
 */
class ExperimentConfsTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  /** YAML under conf/ that is not a training conf, with the reason. */
  static final Map<String, String> NOT_TRAINING =
      Map.of("showcase.yaml", "scripts/showcase's own format (a list of optimizers)");

  /** Dimensions for building the workload network: any small values give the same layer names. */
  /**
   * Stand-in manifests, one per data kind, so every workload is bound to a manifest (its spec
   * checked against it) without preparing data: sizes small, structure real. A GPT stand-in has the
   * conf's block length and a 64-token vocabulary, so even the cluster model stays small to build.
   */
  static PreparedData standIn(Map<String, Object> workload) {
    String json =
        switch (String.valueOf(workload.get("name"))) {
          case "dlrm" ->
              "{\"job\": \"criteo\", \"num_dense\": 13, \"num_categorical\": 26, \"categorical\": {\"mode\": \"hash\", \"hash_range\": 50}}";
          case "gpt" ->
              "{\"job\": \"text\", \"block_length\": "
                  + (((Number) workload.getOrDefault("seq_len", 32)).intValue() + 1)
                  + ", \"tokenizer\": {\"encoding\": \"stand-in\", \"end_of_document\": 63}}";
          default -> "{\"job\": \"libsvm\", \"num_features\": 8, \"num_classes\": 3}";
        };
    try {
      return new PreparedData(
          Location.local(Path.of("stand-in")), new ObjectMapper().readTree(json), "data.train");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * The workload spec with the stand-in's vocabulary where the real one comes from the tokenizer.
   */
  static Map<String, Object> withStandInVocab(Map<String, Object> workload) {
    if (!"gpt".equals(workload.get("name")) || workload.containsKey("vocab")) return workload;
    Map<String, Object> w = new LinkedHashMap<>(workload);
    w.put("vocab", 64);
    return w;
  }

  @TempDir Path tmp;

  static List<Path> trainingConfs() throws IOException {
    try (Stream<Path> s = Files.walk(ROOT.resolve("conf"))) {
      return s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .filter(p -> !p.getFileName().toString().startsWith("prep-"))
          .filter(p -> !NOT_TRAINING.containsKey(ROOT.resolve("conf").relativize(p).toString()))
          .sorted()
          .toList();
    }
  }

  /**
   * The expanded runs of every shipped training conf that loads; one that does not is reported by
   * its own test.
   */
  static Map<Path, List<RunConfig>> loadable() throws IOException {
    Map<Path, List<RunConfig>> out = new TreeMap<>();
    for (Path p : trainingConfs()) {
      try {
        out.put(p, RunConf.load(p, List.of()));
      } catch (IllegalArgumentException e) {
        // reported by everyRunOfEveryTrainingConfWouldStart
      }
    }
    return out;
  }

  @Test
  void findsTheShippedConfs() throws IOException {
    List<String> names = trainingConfs().stream().map(p -> ROOT.relativize(p).toString()).toList();
    for (String expected :
        List.of(
            "conf/quickstart.yaml",
            "conf/train/digits-lrfree.yaml",
            "conf/experiments/lrfree-libsvm.yaml",
            "conf/experiments/grafting.yaml",
            "conf/experiments/marthe.yaml",
            "conf/experiments/schedules.yaml")) {
      assertTrue(names.contains(expected), expected + " not found among " + names);
    }
    assertTrue(
        names.stream().noneMatch(n -> n.contains("prep-") || n.endsWith("showcase.yaml")),
        names.toString());
  }

  @TestFactory
  Stream<DynamicTest> everyRunOfEveryTrainingConfWouldStart() throws IOException {
    return trainingConfs().stream()
        .map(
            p ->
                DynamicTest.dynamicTest(
                    ROOT.relativize(p).toString(),
                    () -> {
                      try {
                        check(p);
                      } catch (
                          IllegalArgumentException
                              e) { // ConfException, SpecException: name the file too
                        throw new AssertionError(ROOT.relativize(p) + ": " + e.getMessage(), e);
                      }
                    }));
  }

  @Test
  void confsSharingAnOutputDirectoryAgreeOnTheCompareSection() throws IOException {
    Map<String, Map<String, Object>> byOutput = new TreeMap<>();
    Map<String, Path> first = new TreeMap<>();
    for (Map.Entry<Path, List<RunConfig>> e : loadable().entrySet()) {
      Path p = e.getKey();
      RunConfig c = e.getValue().get(0);
      String out = c.output();
      Map<String, Object> cmp = c.compare();
      if (!byOutput.containsKey(out)) {
        byOutput.put(out, cmp);
        first.put(out, p);
      } else {
        assertEquals(
            byOutput.get(out),
            cmp,
            ROOT.relativize(p)
                + " writes to "
                + out
                + " like "
                + ROOT.relativize(first.get(out))
                + " (one experiment, compared together) but has another compare section");
      }
    }
  }

  // The checker itself: each of these confs must be rejected, naming what is wrong.

  /** A valid conf; each rejection test changes one thing of it. */
  static final String BASE =
      """
      data: {source: data/libsvm/digits, train: work/prep/digits}
      workload: {name: mlp, hidden: [8]}
      optimizer: {name: sgd, hparams: {lr: 0.1, momentum: 0.9}}
      schedule: {name: linear_decay}
      mode: gradient_sharing
      workers: 2
      batch_size: 16
      steps: 10
      output: work/runs/confs-test
      compare: {metric: eval.valid_loss, mode: min, targets: {"mlp@digits": 0.2}, reference: sgd+lr=0.1+momentum=0.9, tau_max: 4}
      sweep:
        optimizer:
          - {name: sgd, hparams: {lr: 0.1, momentum: 0.9}}
          - {name: momo}
      """;

  private Path variant(String from, String to) throws IOException {
    assertTrue(BASE.contains(from), "BASE does not contain '" + from + "'");
    Path f = tmp.resolve("variant.yaml");
    Files.writeString(f, BASE.replace(from, to));
    return f;
  }

  @Test
  void acceptsTheBaseOfTheRejectionTests() throws IOException {
    check(variant("steps: 10", "steps: 10"));
  }

  @Test
  void rejectsATypoInAKey() throws IOException {
    ConfException e =
        assertThrows(ConfException.class, () -> check(variant("batch_size:", "batchsize:")));
    assertEquals("batchsize", e.key());
  }

  @Test
  void rejectsAnUnknownOptimizer() throws IOException {
    SpecException e =
        assertThrows(
            SpecException.class, () -> check(variant("- {name: momo}", "- {name: momoo}")));
    assertTrue(e.getMessage().contains("momoo"), e.getMessage());
  }

  @Test
  void rejectsAWrongHyperparameterAndAnUnknownSchedule() throws IOException {
    assertThrows(
        SpecException.class,
        () -> check(variant("{lr: 0.1, momentum: 0.9}", "{lr: 0.1, momentun: 0.9}")));
    assertThrows(
        SpecException.class,
        () -> check(variant("schedule: {name: linear_decay}", "schedule: {name: linear}")));
  }

  @Test
  void rejectsAnUnknownCompareKeyAndMissingRawData() throws IOException {
    AssertionError e =
        assertThrows(AssertionError.class, () -> check(variant("tau_max: 4", "tau: 4")));
    assertTrue(e.getMessage().contains("compare.tau:"), e.getMessage());
    e =
        assertThrows(
            AssertionError.class,
            () -> check(variant("reference: sgd+lr=0.1+momentum=0.9", "reference: sgd+lr=0.1")));
    assertTrue(e.getMessage().contains("compare.reference"), e.getMessage());
    e =
        assertThrows(
            AssertionError.class,
            () -> check(variant("source: data/libsvm/digits", "source: data/libsvm/digitz")));
    assertTrue(e.getMessage().contains("data/libsvm/digitz"), e.getMessage());
  }

  @Test
  void rejectsAModeRuleViolationAndALayerNameTheNetworkDoesNotHave() throws IOException {
    ConfException e =
        assertThrows(
            ConfException.class, () -> check(variant("mode: gradient_sharing", "mode: single")));
    assertEquals("workers", e.key());
    assertThrows(
        SpecException.class,
        () ->
            check(
                variant(
                    "- {name: momo}",
                    "- {name: layer_scaled, hparams: {base: {name: sgd, hparams: {lr: 0.1}}, multipliers: {9_W: 2.0}}}")));
  }

  /** Loads, expands and checks one conf; throws on the first problem. */
  void check(Path file) throws IOException {
    String where = ROOT.relativize(file.toAbsolutePath()).toString();
    List<RunConfig> runs = RunConf.load(file, List.of());
    assertFalse(runs.isEmpty(), where + ": no runs");
    Set<String> names = new HashSet<>();
    for (RunConfig run : runs) {
      String name = run.name();
      assertTrue(
          names.add(name),
          where
              + ": two runs named "
              + name
              + " (the second would reuse the first's run directory)");
      checkData(where, run);
      Optimizer opt = run.newOptimizer();
      Map<String, Object> workload = run.workload().spec();
      NetworkModel model =
          Workloads.create(withStandInVocab(workload), standIn(workload)).build(DataType.FLOAT, 1);
      opt.init(model.view());
      Schedules.create(
          RunConfig.scheduleSpec(
              buildableSchedule(where, run), Math.max(2, run.training().steps())),
          "schedule");
    }
    checkCompare(where, runs.get(0), experiment(runs.get(0).output(), runs));
  }

  /**
   * The runs of every shipped conf that writes to {@code output} (the stages of one experiment),
   * plus {@code own}.
   */
  static List<RunConfig> experiment(String output, List<RunConfig> own) throws IOException {
    List<RunConfig> all = new ArrayList<>(own);
    for (List<RunConfig> runs : loadable().values()) {
      if (runs.get(0).output().equals(output)) all.addAll(runs);
    }
    return all;
  }

  /**
   * Raw data a laptop conf prepares on first use must ship with the repository: a relative {@code
   * data.source} path (options after {@code ?} stripped) must exist. Generated sources ({@code
   * generate-criteo?...}) need no files, and absolute paths are a cluster's placeholders.
   */
  private static void checkData(String where, RunConfig run) {
    String source = run.data().source();
    String train = run.data().train();
    String path = source.replaceFirst("\\?.*$", "");
    if (!path.isEmpty() && !path.equals("generate-criteo") && !Path.of(path).isAbsolute()) {
      assertTrue(
          Files.exists(ROOT.resolve(path)), where + ": data.source " + source + " does not exist");
    }
    if (train.contains("://")) {
      assertTrue(
          source.isEmpty(),
          where
              + ": data.train "
              + train
              + " is remote, so data.source (a local raw file to prepare from) must be empty");
    }
  }

  /**
   * A refined schedule reads a file an earlier stage of the experiment writes under the output
   * directory. Paths in confs are relative to the repository root (where the scripts run), so an
   * existing file is read from there; a file not written yet must be under the output directory and
   * the schedule is built from a stand-in file, so its other fields are still checked.
   */
  private Spec buildableSchedule(String where, RunConfig run) throws IOException {
    Spec s = run.schedule();
    if (!"refined".equals(s.name()) || !(s.hparams().get("path") instanceof String path)) return s;
    Path file = ROOT.resolve(path);
    if (!Files.exists(file)) {
      Path out = Path.of(run.output()).normalize();
      assertTrue(
          Path.of(path).normalize().startsWith(out),
          where
              + ": schedule.path "
              + path
              + " does not exist and is not under the output directory "
              + out
              + " (where an earlier stage would write it)");
      file = tmp.resolve("stand-in-schedule.csv");
      Files.writeString(file, "step,factor\n0,1.0\n1,0.5\n2,0.0\n");
    }
    Map<String, Object> hp = new LinkedHashMap<>(s.hparams());
    hp.put("path", file.toString());
    return new Spec(s.name(), hp);
  }

  /**
   * The compare section, read by the comparison job's own parser ({@link CompareSettings}), and its
   * reference and target keys named as the job labels this experiment's runs ({@link Grouping}).
   */
  private static void checkCompare(String where, RunConfig run, List<RunConfig> all) {
    CompareSettings c;
    try {
      c = CompareSettings.parse(run.compare());
    } catch (ConfException e) {
      throw new AssertionError(where + ": " + e.getMessage(), e);
    }
    Map<String, Map<String, Object>> confs = new LinkedHashMap<>();
    for (RunConfig r : all) confs.put(r.name(), r.resolvedTree());
    Collection<Grouping.Labels> labels = Grouping.label(confs).values();
    Set<String> workloads = new TreeSet<>();
    Set<String> methods = new TreeSet<>();
    for (Grouping.Labels l : labels) {
      workloads.add(l.workload());
      methods.add(l.method());
    }
    for (String key : c.targets().keySet()) {
      assertTrue(
          key.equals(CompareSettings.ANY_WORKLOAD) || workloads.contains(key),
          where + ": compare.targets." + key + ": none of the experiment's workloads " + workloads);
    }
    c.reference()
        .ifPresent(
            ref ->
                assertTrue(
                    methods.contains(ref),
                    where
                        + ": compare.reference '"
                        + ref
                        + "' is none of the experiment's methods "
                        + methods));
  }
}
