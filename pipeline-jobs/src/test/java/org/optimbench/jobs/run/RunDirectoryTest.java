package org.optimbench.jobs.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.fs.Location;

/**
 * The run directory: conf check on reopen, atomic status, and a killed run resumed to the same end.
 */
class RunDirectoryTest {
  @TempDir Path root;

  static Map<String, Object> conf(double lr) {
    Map<String, Object> hp = new LinkedHashMap<>();
    hp.put("lr", lr);
    Map<String, Object> opt = new LinkedHashMap<>();
    opt.put("name", "adam");
    opt.put("hparams", hp);
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", "r1");
    c.put("optimizer", opt);
    c.put("steps", 100L);
    c.put("data", Map.of("train", "/data/x"));
    return c;
  }

  @Test
  void reopenWithTheSameConfIsFineAndADifferentOneNamesTheKey() throws IOException {
    RunDirectory.open(root, "r1", conf(0.1));
    assertTrue(Files.readString(root.resolve("r1/conf.yaml")).contains("lr: 0.1"));
    RunDirectory.open(root, "r1", conf(0.1));

    RunFileException e =
        assertThrows(RunFileException.class, () -> RunDirectory.open(root, "r1", conf(0.2)));
    assertTrue(
        e.getMessage().contains("conf.yaml")
            && e.getMessage().contains("optimizer.hparams.lr")
            && e.getMessage().contains("0.1")
            && e.getMessage().contains("0.2"),
        e.getMessage());
    assertTrue(
        Files.readString(root.resolve("r1/conf.yaml")).contains("lr: 0.1"),
        "unchanged after the refusal");

    RunDirectory.open(root, "r1", conf(0.2), true);
    assertTrue(
        Files.readString(root.resolve("r1/conf.yaml")).contains("lr: 0.2"), "force replaces it");
  }

  @Test
  void aRunConfsResolvedTreeReopensCleanly() throws IOException {
    Path f = root.resolve("lr.yaml");
    Files.writeString(f, "name: lr-0.1\ndata: {train: /d}\noptimizer: {name: adam}\nsteps: 10\n");
    RunConfig c = RunConf.load(f, List.of()).get(0);
    RunDirectory.open(root, c.name(), c.resolvedTree(), false);
    assertEquals("lr-0.1", RunDirectory.open(root, c.name(), c.resolvedTree(), false).name());
  }

  @Test
  void badRunNamesAreRejected() {
    for (String bad : List.of("", "..", "a/b", ".hidden")) {
      assertThrows(
          IllegalArgumentException.class, () -> RunDirectory.open(root, bad, conf(0.1)), bad);
    }
  }

  @Test
  void statusIsWrittenAtomicallyAndLeftoversAreIgnored() throws IOException {
    RunDirectory run = RunDirectory.open(root, "r1", conf(0.1));
    assertTrue(run.status().isEmpty());
    assertFalse(run.isCompleted());
    RunStatus.running(5).write(run.dir());
    // a kill during the next write leaves only a hidden tmp file with a partial body
    Path tmp = run.dir().toLocalPath().resolve(".status.json.123.tmp");
    Files.writeString(tmp, "{\"state\": \"COMPL");
    assertEquals(RunStatus.State.RUNNING, run.status().orElseThrow().state());
    assertEquals(5, run.status().orElseThrow().step());
    assertFalse(run.isCompleted());

    RunDirectory.open(root, "r1", conf(0.1)); // reopen cleans up
    assertFalse(Files.exists(tmp));
    try (Stream<Path> s = Files.list(run.dir().toLocalPath())) {
      assertEquals(List.of(), s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList());
    }
  }

  @Test
  void statusRoundTripsAndACorruptOneIsNamed() throws IOException {
    Path dir = Files.createDirectories(root.resolve("r"));
    RunStatus d = RunStatus.diverged(42, "loss is NaN at step 42");
    d.write(dir);
    assertEquals(d, RunStatus.read(dir).orElseThrow());
    Files.writeString(dir.resolve(RunStatus.FILE), "{\"state\": \"DONE\"}");
    RunFileException e = assertThrows(RunFileException.class, () -> RunStatus.read(dir));
    assertTrue(e.getMessage().contains("status.json"), e.getMessage());
  }

  @Test
  void completeNeedsTheFinalCheckpoint() throws IOException {
    RunDirectory run = RunDirectory.open(root, "r1", conf(0.1));
    TinyTraining t = new TinyTraining("adam", DataType.FLOAT);
    run.start(List.of(), List.of());
    run.checkpoint(3, t.model.params(), t.state, Map.of());
    assertThrows(IllegalStateException.class, () -> run.complete(4));
    assertFalse(run.isCompleted());
    run.complete(3);
    assertTrue(run.isCompleted());
    assertThrows(
        IllegalStateException.class,
        () -> RunDirectory.open(root, "r1", conf(0.1)).start(List.of(), List.of()));
  }

  @Test
  void theEvaluationAfterTrainingFillsTheLastRowThenCompletes() throws IOException {
    RunDirectory run = RunDirectory.open(root, "r1", conf(0.1));
    TinyTraining t = new TinyTraining("adam", DataType.FLOAT);
    run.start(List.of(), List.of("valid_auc"), List.of("valid_auc"));
    for (long s = 0; s < 4; s++)
      run.metrics()
          .append(MetricsLog.row(s).trainLoss(1.0 / (s + 1)).eval(Map.of("valid_auc", 0.6)));
    assertThrows(
        IllegalStateException.class, () -> run.endTraining(4), "the final checkpoint comes first");
    run.checkpoint(4, t.model.params(), t.state, Map.of());
    run.endTraining(4);
    assertEquals(
        RunStatus.running(4).state(),
        run.status().orElseThrow().state(),
        "not complete before the final values");
    assertEquals(4, run.status().orElseThrow().step());
    assertFalse(
        SweepState.scan(root, List.of("r1")).finished().contains("r1"), "a re-run resumes it");

    RunDirectory driver = RunDirectory.open(root, "r1", conf(0.1));
    assertThrows(
        IllegalStateException.class, () -> driver.completeWithFinal(5, Map.of("valid_auc", 0.7)));
    driver.completeWithFinal(4, Map.of("valid_auc", 0.75));
    assertTrue(driver.isCompleted());
    List<Map<String, Object>> rows =
        MetricsLog.read(run.dir().toLocalPath().resolve(MetricsLog.FILE));
    assertEquals(
        List.of(
            "step",
            "epoch",
            "wall_time_s",
            "samples",
            "train_loss",
            "lr",
            "grad_norm",
            "eval.valid_auc",
            "final.valid_auc"),
        List.copyOf(rows.get(0).keySet()));
    assertEquals(0.75, rows.get(3).get("final.valid_auc"), "in the row of the last step");
    assertEquals(0.25, rows.get(3).get("train_loss"), "the rest of the row as it was");
    for (int i = 0; i < 3; i++) assertNull(rows.get(i).get("final.valid_auc"));
  }

  @Test
  void fillingAMissingRowOrColumnIsAnErrorNamingIt() throws IOException {
    RunDirectory run = RunDirectory.open(root, "r1", conf(0.1));
    run.start(List.of(), List.of("valid_auc"), List.of("valid_auc"));
    run.metrics().append(MetricsLog.row(0).trainLoss(1.0));
    run.metrics().close();
    Path csv = run.dir().toLocalPath().resolve(MetricsLog.FILE);
    String before = Files.readString(csv);
    assertTrue(
        assertThrows(
                RunFileException.class,
                () -> MetricsLog.fill(csv, 1, Map.of("final.valid_auc", 0.5)))
            .getMessage()
            .contains("no row for step 1"));
    assertTrue(
        assertThrows(
                RunFileException.class,
                () -> MetricsLog.fill(csv, 0, Map.of("final.valid_loss", 0.5)))
            .getMessage()
            .contains("no column 'final.valid_loss'"));
    assertEquals(before, Files.readString(csv), "nothing written");
  }

  @Test
  void aKilledRunResumesToTheSameParametersAndLog() throws IOException {
    long[] uninterrupted = train("full", Long.MAX_VALUE);
    long[] killed = train("killed", 13); // dies after step 13; last checkpoint at 10
    assertNull(killed);
    assertEquals(
        13,
        MetricsLog.read(root.resolve("killed/metrics.csv")).size(),
        "rows past the checkpoint are on disk");
    assertEquals(List.of("killed"), SweepState.scan(root, List.of("full", "killed")).incomplete());
    long[] resumed = train("killed", Long.MAX_VALUE);
    assertArrayEquals(uninterrupted, resumed);
    assertEquals(
        MetricsLog.read(root.resolve("full/metrics.csv")).stream()
            .map(r -> r.get("train_loss"))
            .toList(),
        MetricsLog.read(root.resolve("killed/metrics.csv")).stream()
            .map(r -> r.get("train_loss"))
            .toList(),
        "same rows, none twice");
    assertEquals(
        List.of(15L, 20L), RunDirectory.open(root, "killed", conf(0.1)).checkpoints().steps());
  }

  private long[] train(String name, long killAfter) throws IOException {
    return TinyTraining.run(Location.local(root), name, conf(0.1), killAfter);
  }
}
