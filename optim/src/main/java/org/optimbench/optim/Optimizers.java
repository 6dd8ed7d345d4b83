package org.optimbench.optim;

import java.util.Map;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The way callers (the trace command, the trainers, the benchmark) run an optimizer step.
 *
 * <p>ND4J allocates every temporary off-heap, and outside a workspace that costs more than the
 * arithmetic: a large temporary measured several times slower than the same op in a workspace
 * (BENCHMARKS.md, "Measurements behind code choices"). So each step runs inside one reused
 * workspace, which the first step sizes. Temporaries die with the step; state arrays must therefore
 * be created in {@link Optimizer#init}, never inside {@code step}, and this method checks that none
 * is attached to the workspace afterwards.
 */
public final class Optimizers {
  private static final String WORKSPACE = "optimbench-optimizer-step";
  private static final WorkspaceConfiguration CONFIG =
      WorkspaceConfiguration.builder()
          .initialSize(0)
          .overallocationLimit(0.2)
          .policyAllocation(AllocationPolicy.OVERALLOCATE)
          .policyLearning(LearningPolicy.FIRST_LOOP)
          .policySpill(SpillPolicy.REALLOCATE)
          .build();

  private Optimizers() {}

  /** Runs {@code optimizer.step} inside the step workspace. */
  public static void step(
      Optimizer optimizer, ModelView model, OptimizerState state, StepContext ctx) {
    try (MemoryWorkspace ws =
        Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG, WORKSPACE)) {
      optimizer.step(model, state, ctx);
    }
    checkDetached(optimizer.name(), state);
  }

  private static void checkDetached(String who, OptimizerState state) {
    for (Map.Entry<String, INDArray> e : state.arrays().entrySet()) {
      if (e.getValue().isAttached()) {
        throw new IllegalStateException(
            who
                + ": state array '"
                + e.getKey()
                + "' was allocated inside step(); create state arrays in init()");
      }
    }
    for (OptimizerState c : state.children().values()) checkDetached(who, c);
  }
}
