package org.optimbench.jobs.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.optim.spec.Spec;

class RunConfTest {
  @TempDir Path dir;

  private Path write(String yaml) throws Exception {
    Path f = dir.resolve("exp.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  private static final String BASE =
      """
      data: {train: prep/iris}
      optimizer: {name: prodigy}
      steps: 100
      """;

  @Test
  void fillsDefaultsAndKeepsNestedSpecsWhole() throws Exception {
    RunConfig c = RunConf.load(write(BASE), List.of()).get(0);
    assertEquals("exp", c.name());
    assertEquals(Mode.SINGLE, c.parallelism().mode());
    assertEquals(32, c.training().batchSize());
    assertEquals(Spec.of("prodigy"), c.optimizer());
    assertEquals("prep/iris", c.data().train());
  }

  @Test
  void unknownKeysAndWrongTypesNameTheKey() throws Exception {
    ConfException e =
        assertThrows(
            ConfException.class, () -> RunConf.load(write(BASE + "batchsize: 4\n"), List.of()));
    assertEquals("batchsize", e.key());
    e =
        assertThrows(
            ConfException.class,
            () -> RunConf.load(write(BASE + "data: {train: a, test: b}\n"), List.of()));
    assertEquals("data.test", e.key());
    e =
        assertThrows(
            ConfException.class, () -> RunConf.load(write(BASE + "workers: two\n"), List.of()));
    assertEquals("workers", e.key());
    e =
        assertThrows(
            ConfException.class, () -> RunConf.load(write(BASE + "mode: async\n"), List.of()));
    assertEquals("mode", e.key());
    e =
        assertThrows(
            ConfException.class, () -> RunConf.load(write(BASE + "epochs: 3\n"), List.of()));
    assertEquals("epochs", e.key());
  }

  @Test
  void evaluationKeysAreCheckedAndNamed() throws Exception {
    RunConfig c =
        RunConf.load(
                write(
                    BASE + "workload: {name: dlrm}\neval: {final: spark, valid_fraction: 0.01}\n"),
                List.of())
            .get(0);
    assertTrue(c.evaluation().finalOnSpark());
    assertEquals(0.01, c.evaluation().validFraction());
    RunConfig d =
        RunConf.load(write(BASE), List.of("eval.final=spark", "workload={name: dlrm}")).get(0);
    assertTrue(d.evaluation().finalOnSpark());
    assertEquals(1.0, d.evaluation().validFraction(), "default: every row");
    assertEquals(
        Map.of("final", "spark", "valid_fraction", 1.0),
        d.resolvedTree().get("eval"),
        "part of the run's conf.yaml");
    assertEquals(
        "eval.final",
        assertThrows(
                ConfException.class,
                () -> RunConf.load(write(BASE + "eval: {final: mllib}\n"), List.of()))
            .key());
    assertEquals(
        "eval.valid_fraction",
        assertThrows(
                ConfException.class,
                () -> RunConf.load(write(BASE + "eval: {valid_fraction: 0}\n"), List.of()))
            .key());
    assertEquals(
        "eval.valid_fraction",
        assertThrows(
                ConfException.class,
                () -> RunConf.load(write(BASE), List.of("eval.valid_fraction=1.5")))
            .key());
    assertEquals(
        "eval.rows",
        assertThrows(
                ConfException.class,
                () -> RunConf.load(write(BASE + "eval: {rows: 5}\n"), List.of()))
            .key());
  }

  @Test
  void compareSectionIsAcceptedButIsNotPartOfTheRunsIdentity() throws Exception {
    RunConfig a =
        RunConf.load(
                write(BASE + "compare: {metric: eval.valid_loss, targets: {'*': 0.5}}\n"),
                List.of())
            .get(0);
    RunConfig b = RunConf.load(write(BASE), List.of()).get(0);
    assertEquals(Map.of("metric", "eval.valid_loss", "targets", Map.of("*", 0.5)), a.compare());
    assertEquals(b.resolvedTree(), a.resolvedTree());
    assertTrue(!a.resolvedTree().containsKey("compare"));
  }

  @Test
  void howARunIsCarriedOutIsNotPartOfItsIdentity() throws Exception {
    RunConfig plain = RunConf.load(write(BASE), List.of()).get(0);
    RunConfig tuned =
        RunConf.load(
                write(BASE),
                List.of(
                    "max_restarts=7",
                    "collective.step_timeout_s=99",
                    "collective.encryption=true",
                    "reader.prefetch=3",
                    "executor_memory=16g",
                    "checkpoint_timeout_s=60"))
            .get(0);
    assertEquals(7, tuned.recovery().maxRestarts());
    assertEquals(99_000, tuned.collective().stepTimeoutMillis());
    assertTrue(tuned.collective().encryption());
    assertEquals(3, tuned.data().prefetch());
    assertEquals(60_000, tuned.checkpointing().timeoutMillis());
    assertEquals(16L << 30, tuned.resources().executorMemoryBytes());
    assertEquals(plain.resolvedTree(), tuned.resolvedTree(), "a resume may change them");
    RunConfig reshuffled = RunConf.load(write(BASE), List.of("reader.shuffle_buffer=100")).get(0);
    assertTrue(
        !plain.resolvedTree().equals(reshuffled.resolvedTree()),
        "the shuffle window decides the batches: part of the run");
  }

  @Test
  void executorMemoryIsASizeWithAUnitAsSparkReadsIt() throws Exception {
    assertTrue(!RunConf.load(write(BASE), List.of()).get(0).resources().stated(), "default");
    for (Map.Entry<String, Long> e :
        Map.of(
                "512m",
                512L << 20,
                "16g",
                16L << 30,
                "16G",
                16L << 30,
                "2gb",
                2L << 30,
                "1t",
                1L << 40)
            .entrySet()) {
      RunConfig c =
          RunConf.load(write(BASE + "executor_memory: " + e.getKey() + "\n"), List.of()).get(0);
      assertEquals(e.getValue(), c.resources().executorMemoryBytes(), e.getKey());
    }
    for (String bad : List.of("16", "sixteen", "16x", "0g", "-1g")) {
      ConfException e =
          assertThrows(
              ConfException.class,
              () -> RunConf.load(write(BASE), List.of("executor_memory=" + bad)),
              bad);
      assertEquals("executor_memory", e.key(), bad);
    }
    assertEquals("16g", RunConfig.Resources.format(16L << 30));
    assertEquals("1536m", RunConfig.Resources.format(1536L << 20));
  }

  @Test
  void aSweepOverTheDataGroupReplacesTrainAndSourceTogether() throws Exception {
    List<RunConfig> runs =
        RunConf.load(
            write(
                """
        data: {train: prep/iris, source: raw/iris}
        optimizer: {name: prodigy}
        steps: 10
        sweep:
          data:
            - {train: prep/wine, source: raw/wine}
            - {train: prep/digits}
        """),
            List.of());
    assertEquals(2, runs.size());
    assertEquals("prep/wine", runs.get(0).data().train());
    assertEquals("raw/wine", runs.get(0).data().source());
    assertEquals("prep/digits", runs.get(1).data().train());
    assertEquals(
        "",
        runs.get(1).data().source(),
        "a group value replaces the whole group, never mixing in the base's source");
    assertEquals("exp__data=wine", runs.get(0).name());
    ConfException e =
        assertThrows(
            ConfException.class,
            () -> RunConf.load(write(BASE + "sweep: {data: [prep/wine]}\n"), List.of()));
    assertEquals("sweep.data", e.key());
  }

  @Test
  void overridingASweptKeyIsAnErrorInsteadOfBeingSilentlyReplaced() throws Exception {
    Path f = write(BASE + "sweep: {seed: [1, 2], optimizer.hparams.d_coef: [0.5, 1.0]}\n");
    ConfException e = assertThrows(ConfException.class, () -> RunConf.load(f, List.of("seed=5")));
    assertEquals("seed", e.key());
    e = assertThrows(ConfException.class, () -> RunConf.load(f, List.of("optimizer={name: adam}")));
    assertEquals("optimizer", e.key());
    assertEquals(4, RunConf.load(f, List.of("steps=5")).size());
  }

  @Test
  void overridesReachIntoNestedSpecs() throws Exception {
    RunConfig c =
        RunConf.load(
                write(BASE),
                List.of("optimizer.hparams.d_coef=0.5", "workers=4", "mode=gradient_sharing"))
            .get(0);
    assertEquals(Spec.of("prodigy", "d_coef", 0.5), c.optimizer());
    assertEquals(4, c.parallelism().workers());
    ConfException e =
        assertThrows(ConfException.class, () -> RunConf.load(write(BASE), List.of("worker=4")));
    assertEquals("worker", e.key());
  }

  @Test
  void sweepExpandsToTheCartesianProductWithDistinctNames() throws Exception {
    List<RunConfig> runs =
        RunConf.load(
            write(BASE + "sweep: {optimizer.hparams.lr: [1.0, 0.5], seed: [1, 2, 3]}\n"),
            List.of());
    assertEquals(6, runs.size());
    assertEquals(6, runs.stream().map(r -> r.name()).distinct().count());
    assertTrue(
        runs.stream()
            .anyMatch(
                r ->
                    r.training().seed() == 3
                        && r.optimizer().equals(Spec.of("prodigy", "lr", 0.5))));
    ConfException e =
        assertThrows(
            ConfException.class,
            () -> RunConf.load(write(BASE + "sweep: {sed: [1, 2]}\n"), List.of()));
    assertEquals("sed", e.key());
  }

  @Test
  void sweepsOverWholeSpecsGetReadableRunNames() throws Exception {
    List<RunConfig> runs =
        RunConf.load(
            write(
                BASE
                    + "sweep: {optimizer: [{name: prodigy}, {name: mechanic, hparams: {base: {name: adam, hparams: {lr: 0.01}}}}]}\n"),
            List.of());
    assertEquals(
        List.of("exp__optimizer=prodigy", "exp__optimizer=mechanic+base=adam+lr=0.01"),
        runs.stream().map(r -> r.name()).toList());
  }

  @Test
  void stepMilestonesOfARunGivenInEpochsFallOnThoseEpochs() throws Exception {
    RunConfig c =
        RunConf.load(
                write(
                    """
                    data: {train: prep/iris}
                    optimizer: {name: adam}
                    schedule: {name: step, gamma: 0.1, milestones: [0.6, 0.8]}
                    epochs: 100
                    batch_size: 16
                    """),
                List.of())
            .get(0);
    // 120 training rows at batch 16: 7.5 steps per epoch, 750 steps in all
    long steps = c.totalSteps(120);
    assertEquals(750, steps);
    org.optimbench.optim.schedule.Schedule s = c.newSchedule(steps);
    assertEquals(1.0, s.factor(449), 0.0); // epoch 60 ends after 60 * 7.5 = 450 steps
    assertEquals(0.1, s.factor(450), 0.0);
    assertEquals(0.1, s.factor(599), 0.0); // epoch 80 ends after 600 steps
    assertEquals(Math.pow(0.1, 2), s.factor(600), 0.0);
    // the same conf on 10 times the rows drops 10 times later
    org.optimbench.optim.schedule.Schedule big = c.newSchedule(c.totalSteps(1200));
    assertEquals(1.0, big.factor(4499), 0.0);
    assertEquals(0.1, big.factor(4500), 0.0);
  }

  @Test
  void helpListsEveryKeyWithItsDefault() {
    String h = RunConf.help();
    for (ConfKey k : RunConf.KEYS) assertTrue(h.contains(k.name()), k.name());
    assertTrue(h.contains("default float32"));
    assertTrue(
        h.contains("eval.final") && h.contains("none|spark") && h.contains("default none"), h);
  }
}
