package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.optimbench.jobs.train.TrainCli.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of conf error, in the file or in a {@code key=value} override, for every run of a
 * sweep, is reported by {@code scripts/train} before Spark starts: exit 2, one line per error on
 * stderr naming the key (no stack trace), no Spark session and no run directory written. Several
 * errors are reported together, so a user fixes them in one pass.
 */
class TrainConfErrorsTest {
  @TempDir Path tmp;
  Path conf;
  Path output;

  @BeforeEach
  void writeConf() throws Exception {
    output = tmp.resolve("runs");
    Path data = Path.of("..").toAbsolutePath().normalize().resolve("data/libsvm/iris");
    conf = tmp.resolve("exp.yaml");
    Files.writeString(
        conf,
        """
        data: {source: %s, train: %s}
        workload: {name: logreg}
        optimizer: {name: prodigy}
        schedule: {name: cosine}
        mode: gradient_sharing
        workers: 2
        steps: 100
        spark.master: local[2]
        output: %s
        """
            .formatted(data, tmp.resolve("prep"), output));
  }

  /** Runs train, requires exit 2 without Spark or output, and returns the stderr lines. */
  private List<String> refused(String... args) {
    scala.Option<SparkSession> before = SparkSession.getDefaultSession();
    TrainCli.Result r = train(args);
    assertEquals(2, r.exit(), r.out() + r.err());
    TrainCli.assertNoNewSession(before);
    assertFalse(Files.exists(output), "no run directory is written");
    assertFalse(Files.exists(tmp.resolve("prep")), "no data is prepared");
    assertTrue(r.out().isEmpty(), "nothing on stdout: " + r.out());
    List<String> lines = r.err().lines().toList();
    for (String l : lines) {
      assertTrue(
          l.startsWith("train: " + conf + ": "), "one line per error, naming the file: " + l);
      assertFalse(l.contains("Exception") || l.startsWith("\tat "), "no stack trace: " + l);
    }
    return lines;
  }

  private List<String> refusedWith(String... overrides) {
    List<String> args = new ArrayList<>(List.of(conf.toString()));
    args.addAll(List.of(overrides));
    return refused(args.toArray(String[]::new));
  }

  private static void names(List<String> lines, String key, String reason) {
    assertTrue(
        lines.stream().anyMatch(l -> l.contains(": " + key + ": ") && l.contains(reason)),
        key + " (" + reason + ") in " + lines);
  }

  @Test
  void unknownKey() throws Exception {
    names(refusedWith("stepz=10"), "stepz", "unknown key");
    Files.writeString(conf, Files.readString(conf) + "eval: {every: 5}\n");
    names(refusedWith(), "eval.every", "unknown key");
  }

  @Test
  void wrongType() {
    names(refusedWith("seed=abc"), "seed", "expected an integer, got abc");
    names(refusedWith("mode=async"), "mode", "'async' is not one of");
  }

  @Test
  void unknownOptimizer() {
    names(refusedWith("optimizer.name=prodigyy"), "optimizer.name", "unknown optimizer 'prodigyy'");
  }

  @Test
  void badHyperparameter() {
    names(refusedWith("optimizer.hparams.betaz=0.5"), "optimizer.hparams.betaz", "unknown");
    names(refusedWith("optimizer.hparams.d_coef=-1"), "optimizer.hparams.d_coef", "must be > 0");
  }

  @Test
  void badSchedule() {
    names(
        refusedWith("schedule.warmup_steps=500"), "schedule.warmup_steps", "must be < total_steps");
    names(refusedWith("schedule.name=cosinus"), "schedule.name", "unknown schedule 'cosinus'");
  }

  @Test
  void badWorkloadKey() {
    names(refusedWith("workload.hidden=[4]"), "workload.hidden", "logreg has no hidden layers");
    names(
        refusedWith("workload={name: mlp, hiden: [4]}"),
        "workload.hiden",
        "unknown key for workload");
  }

  @Test
  void modeRules() {
    names(refusedWith("mode=single"), "workers", "mode single runs one worker");
    names(
        refusedWith("mode=param_averaging", "averaging_frequency=3"),
        "eval_every",
        "must be a multiple of averaging_frequency 3");
  }

  @Test
  void rowSparseNeedsAWorkloadWithEmbeddingTables() {
    String rowSparse =
        "optimizer={name: row_sparse, hparams: {base: {name: adam},"
            + " tables: {name: lazy_adam}}}";
    names(
        refusedWith(rowSparse, "workload={name: logreg, input: dense}"),
        "optimizer.name",
        "row_sparse updates embedding tables, and workload logreg with input: dense has none");
    names(
        refusedWith(rowSparse, "workload={name: gpt}"), "optimizer.name", "workload gpt has none");
    names(
        refusedWith(
            "optimizer={name: row_sparse, hparams: {base: {name: adam}, tables: {name: adam}}}",
            "workload={name: logreg, input: sparse}"),
        "optimizer.hparams.tables.name",
        "unknown table method 'adam'");
  }

  @Test
  void dl4jAveragingRefusesWhatDl4jCannotRun() {
    // the conf's optimizer is prodigy: DL4J has no updater with its global scalars
    names(
        refusedWith("mode=dl4j_averaging", "averaging_frequency=5"),
        "optimizer",
        "prodigy cannot run in mode dl4j_averaging");
    names(
        refusedWith(
            "mode=dl4j_averaging",
            "averaging_frequency=5",
            "optimizer={name: sgd, hparams: {momentum: 0.9}}"),
        "optimizer.hparams.nesterov",
        "DL4J has no heavy-ball momentum");
    List<String> lines =
        refusedWith(
            "mode=dl4j_averaging",
            "averaging_frequency=5",
            "optimizer={name: adam}",
            "workload={name: gpt}",
            "accumulation_steps=2");
    names(
        lines,
        "workload",
        "dl4j_averaging supports workloads logreg, mlp, dlrm, got gpt: gpt is a SameDiff layer");
    names(lines, "accumulation_steps", "one micro-batch per step");
    // checkpoints are taken after DL4J's averaging rounds
    names(
        refusedWith(
            "mode=dl4j_averaging",
            "averaging_frequency=3",
            "checkpoint_every=10",
            "eval_every=0",
            "optimizer={name: adam}"),
        "checkpoint_every",
        "must be a multiple of averaging_frequency 3");
  }

  @Test
  void sweepValueErrorNamesTheRunAndTheKey() throws Exception {
    Files.writeString(
        conf,
        Files.readString(conf)
            + """
            sweep:
              optimizer:
                - {name: adam, hparams: {lr: 0.01}}
                - {name: adam, hparams: {lr: -1}}
            """);
    List<String> lines = refusedWith();
    assertEquals(1, lines.size(), lines.toString());
    names(lines, "optimizer.hparams.lr", "must be >= 0");
    assertTrue(lines.get(0).contains("run exp__optimizer=adam+lr=-1: "), lines.get(0));
    names(refusedWith("optimizer.hparams.lr=0.1"), "optimizer.hparams.lr", "is swept by");
  }

  @Test
  void everyErrorIsReportedAtOnce() {
    List<String> lines =
        refusedWith("seed=abc", "batch_size=0", "optimizer.name=prodigyy", "stepz=1");
    assertEquals(4, lines.size(), lines.toString());
    names(lines, "seed", "expected an integer");
    names(lines, "batch_size", "must be in [1,");
    names(lines, "optimizer.name", "unknown optimizer");
    names(lines, "stepz", "unknown key");
  }

  @Test
  void missingDataIsReportedBeforeSparkStarts() {
    names(
        refusedWith("data={train: " + tmp.resolve("nowhere") + "}"),
        "data.train",
        "does not exist");
    names(
        refusedWith("data.source=" + tmp.resolve("raw-nowhere")), "data.source", "does not exist");
  }
}
