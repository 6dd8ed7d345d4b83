package org.optimbench.jobs.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.run.RunDirectory;
import org.optimbench.jobs.run.RunStatus;

/**
 * Run directories that must be left out, each with a reason naming the file (no Spark: only files
 * and footers are read).
 */
class CompareInspectorTest {
  @TempDir Path root;

  Path run(String name, RunStatus status) throws Exception {
    Path dir =
        RunDirectory.open(
                root,
                name,
                Map.of(
                    "name",
                    name,
                    "workload",
                    Map.of("name", "logreg"),
                    "data",
                    Map.of("train", "d/digits"),
                    "optimizer",
                    Map.of("name", "sgd")))
            .dir()
            .toLocalPath();
    if (status != null) status.write(dir);
    return dir;
  }

  RunInspection inspect(Path dir) {
    return RunInspector.inspect(
        Location.local(dir), dir.getFileName().toString(), "eval.valid_loss");
  }

  @Test
  void eachProblemIsReportedWithTheFileAndTheRunIsLeftOut() throws Exception {
    Path noStatus = run("no_status", null);
    RunInspection r = inspect(noStatus);
    assertEquals("NONE", r.status());
    assertFalse(r.included());
    assertTrue(r.reason().contains("status.json"), r.reason());

    Path badStatus = run("bad_status", null);
    Files.writeString(badStatus.resolve("status.json"), "{\"state\": \"DONE\"");
    r = inspect(badStatus);
    assertEquals("UNREADABLE", r.status());
    assertTrue(r.reason().contains("status.json"), r.reason());

    Path badConf = run("bad_conf", RunStatus.completed(200));
    Files.writeString(badConf.resolve("conf.yaml"), "optimizer: [unclosed\n");
    r = inspect(badConf);
    assertFalse(r.included());
    assertTrue(
        r.reason().contains("conf.yaml") && r.reason().contains("unreadable conf"), r.reason());

    Path noParquet = run("no_parquet", RunStatus.completed(200));
    Files.writeString(noParquet.resolve("metrics.csv"), "step\n");
    r = inspect(noParquet);
    assertFalse(r.included());
    assertTrue(r.reason().contains("metrics.parquet: missing (metrics.csv is there"), r.reason());

    Path uncommitted = run("uncommitted", RunStatus.diverged(10, "loss is NaN"));
    Files.createDirectories(uncommitted.resolve("metrics.parquet"));
    r = inspect(uncommitted);
    assertFalse(r.included());
    assertEquals("DIVERGED", r.status());
    assertTrue(r.reason().contains("no _SUCCESS"), r.reason());

    r = inspect(run("running", RunStatus.running(100)));
    assertFalse(r.included());
    assertTrue(r.reason().startsWith("incomplete: status RUNNING at step 100"), r.reason());

    r = inspect(run("failed", RunStatus.failed(100, "executor lost")));
    assertTrue(r.failed() && !r.included());
    assertEquals("failed at step 100: executor lost", r.reason());
  }
}
