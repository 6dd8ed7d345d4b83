package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.conf.ConfException;
import org.optimbench.jobs.conf.RunConf;

/** eval.valid_fraction's row subset and eval.final's workload check, without Spark. */
class EvaluationSubsetTest {
  @Test
  void theSubsetIsAStableShareOfTheIds() {
    int kept = 0;
    for (long id = 0; id < 20_000; id++) {
      boolean in = TrainingJob.inEvaluationSubset(id, 0.1);
      assertEquals(in, TrainingJob.inEvaluationSubset(id, 0.1), "the same answer every time");
      if (in) {
        kept++;
        assertTrue(TrainingJob.inEvaluationSubset(id, 0.5), "a larger fraction keeps a superset");
      }
      assertTrue(TrainingJob.inEvaluationSubset(id, 1.0));
    }
    assertTrue(kept > 1800 && kept < 2200, kept + " of 20,000 ids kept at 0.1");
    // data-prep's Criteo ids are (file ordinal << 40) | line: consecutive lines of one file spread
    // too
    int fromFile = 0;
    for (long line = 1; line <= 10_000; line++)
      if (TrainingJob.inEvaluationSubset((3L << 40) | line, 0.25)) fromFile++;
    assertTrue(fromFile > 2300 && fromFile < 2700, fromFile + " of 10,000 lines kept at 0.25");
  }

  @Test
  void evaluationAfterTrainingNeedsAWorkloadThatHasIt(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("final.yaml");
    Files.writeString(
        f, "data: {train: /d}\noptimizer: {name: adam}\nsteps: 10\neval: {final: spark}\n");
    ConfException e = assertThrows(ConfException.class, () -> RunConf.load(f, List.of()));
    assertEquals("eval.final", e.key());
    assertTrue(
        e.getMessage().contains("workload logreg has no evaluation on Spark"), e.getMessage());
    assertTrue(
        RunConf.load(f, List.of("workload={name: dlrm}")).get(0).evaluation().finalOnSpark(),
        "dlrm has one");
  }
}
