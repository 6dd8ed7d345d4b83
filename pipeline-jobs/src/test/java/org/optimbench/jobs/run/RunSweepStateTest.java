package org.optimbench.jobs.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunSweepStateTest {
  @TempDir Path root;

  @Test
  void classifiesRuns() throws IOException {
    for (String n : List.of("done", "diverged", "running", "failed", "bare"))
      RunDirectory.open(root, n, RunDirectoryTest.conf(0.1));
    RunStatus.completed(100).write(root.resolve("done"));
    RunStatus.diverged(7, "loss is NaN at step 7").write(root.resolve("diverged"));
    RunStatus.running(40).write(root.resolve("running"));
    RunStatus.failed(3, "executor lost").write(root.resolve("failed"));
    Files.writeString(
        root.resolve("done/.status.json.1.tmp"), "{"); // a kill's leftover changes nothing

    SweepState s =
        SweepState.scan(root, List.of("done", "diverged", "running", "failed", "bare", "new"));
    assertEquals(List.of("done", "diverged"), s.finished());
    assertEquals(List.of("running", "failed", "bare"), s.incomplete());
    assertEquals(List.of("new"), s.fresh());
    assertEquals(SweepState.Kind.NEW, s.kind("new"));
    assertEquals(40, s.status("running").orElseThrow().step());
  }

  @Test
  void duplicateRunNamesAreAnError() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> SweepState.scan(root, List.of("a", "a")));
    assertEquals("run 'a' appears twice in the sweep", e.getMessage());
  }
}
