package org.optimbench.jobs.workload.gpt;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.Optimizers;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;

/**
 * The optim library trains the GPT unchanged: its Adam, through NetworkModel, memorizes a small
 * batch.
 */
class GptTrainingTest {
  @Test
  void adamDrivesTheLossDownOnARepeatedBatchInFloat32() {
    GptConfig c = GptFixtures.TINY;
    NetworkModel model = GptModel.build(c, DataType.FLOAT, 5);
    MultiDataSet batch =
        GptBatch.of(GptFixtures.blocks(c, 4, 3), c, DataType.FLOAT).toMultiDataSet();
    Optimizer adam = OptimizerRegistry.create(Spec.of("adam", "lr", 1e-2));
    OptimizerState state = adam.init(model.view());
    double first = Double.NaN;
    double last = Double.NaN;
    for (int t = 0; t < 40; t++) {
      last = model.lossAndGradient(batch);
      if (t == 0) first = last;
      Optimizers.step(adam, model.view(), state, StepContext.builder().step(t).loss(last).build());
    }
    // 32 random next tokens from 50: memorizing them takes the loss from ln 50 = 3.91 towards 0
    // (measured: 3.90 -> 0.14 after 40 steps)
    assertTrue(first > 3.8 && last < 0.5, "loss " + first + " -> " + last);
  }
}
