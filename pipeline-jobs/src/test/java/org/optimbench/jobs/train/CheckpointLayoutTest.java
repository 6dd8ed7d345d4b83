package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.run.Checkpoint;
import org.optimbench.jobs.run.RunFileException;
import org.optimbench.jobs.workload.classifier.Classifier;
import org.optimbench.jobs.workload.dlrm.Dlrm;
import org.optimbench.optim.OptimizerState;

/**
 * A resume reads a checkpoint's flat vectors in the model's layout, so a checkpoint in another
 * layout (another model, or DLRM tables written column-major by an earlier version) is refused by
 * name rather than trained on scrambled.
 */
class CheckpointLayoutTest {
  private static final Location DIR = Location.local(Path.of("/runs/r/checkpoints/step-10"));

  private static Checkpoint checkpoint(NetworkModel m, Map<String, Object> extra) {
    return new Checkpoint(10, m.view().params(), new OptimizerState(), extra, DIR);
  }

  @Test
  void aCheckpointIsResumedOnlyIntoTheLayoutItWasWrittenIn() {
    NetworkModel dlrm =
        new Dlrm(3, List.of(5, 4), 4, List.of(8, 4), List.of(6, 1), 0).build(DataType.FLOAT, 1);
    NetworkModel mlp =
        new Classifier(4, List.of(3), 2, org.nd4j.linalg.activations.Activation.TANH)
            .build(DataType.FLOAT, 1);
    String dlrmLayout = CheckpointListener.layoutOf(dlrm.layout());
    assertTrue(dlrmLayout.contains("emb_C1_W[5,4]"), "tables are [rows, width]: " + dlrmLayout);

    assertDoesNotThrow(
        () ->
            CheckpointListener.checkLayout(
                checkpoint(dlrm, Map.of(CheckpointListener.LAYOUT, dlrmLayout)), dlrm));
    RunFileException old =
        assertThrows(
            RunFileException.class,
            () -> CheckpointListener.checkLayout(checkpoint(dlrm, Map.of()), dlrm));
    assertTrue(
        old.getMessage().startsWith(DIR.resolve("meta.json").toString())
            && old.getMessage().contains("column-major"),
        old.getMessage());
    RunFileException other =
        assertThrows(
            RunFileException.class,
            () ->
                CheckpointListener.checkLayout(
                    checkpoint(
                        dlrm,
                        Map.of(
                            CheckpointListener.LAYOUT, CheckpointListener.layoutOf(mlp.layout()))),
                    dlrm));
    assertTrue(other.getMessage().contains("not a checkpoint of this model"), other.getMessage());
    // a model without tables kept its layout: checkpoints from before layouts were recorded resume
    assertDoesNotThrow(() -> CheckpointListener.checkLayout(checkpoint(mlp, Map.of()), mlp));
  }
}
