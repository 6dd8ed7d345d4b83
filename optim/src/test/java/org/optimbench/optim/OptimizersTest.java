package org.optimbench.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class OptimizersTest {
  private static final ParamLayout LAYOUT = ParamLayout.single("w", 4);

  /** A method that (wrongly) creates its state lazily inside step(). */
  private record LazyState() implements Optimizer {
    @Override
    public String name() {
      return "lazy";
    }

    @Override
    public OptimizerState init(ModelView model) {
      return new OptimizerState();
    }

    @Override
    public void step(ModelView model, OptimizerState state, StepContext ctx) {
      if (!state.hasArray("m")) state.putArray("m", model.grads().mul(2.0), Combine.MEAN);
    }
  }

  /** A method whose step allocates temporaries but keeps no state. */
  private record Temporaries() implements Optimizer {
    @Override
    public String name() {
      return "temporaries";
    }

    @Override
    public OptimizerState init(ModelView model) {
      return new OptimizerState();
    }

    @Override
    public void step(ModelView model, OptimizerState state, StepContext ctx) {
      INDArray u = model.grads().mul(0.5);
      model.params().subi(u);
    }
  }

  @Test
  void stateCreatedInsideTheStepWorkspaceIsRejected() {
    ModelView m =
        new ModelView(LAYOUT, Nd4j.zeros(DataType.FLOAT, 4), Nd4j.ones(DataType.FLOAT, 4));
    Optimizer o = new LazyState();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> Optimizers.step(o, m, o.init(m), StepContext.of(0)));
    assertFalse(e.getMessage().isEmpty());
  }

  @Test
  void temporariesDoNotLeakIntoParameters() {
    INDArray p = Nd4j.zeros(DataType.FLOAT, 4);
    ModelView m = new ModelView(LAYOUT, p, Nd4j.ones(DataType.FLOAT, 4));
    Optimizer o = new Temporaries();
    OptimizerState s = o.init(m);
    for (int t = 0; t < 3; t++) Optimizers.step(o, m, s, StepContext.of(t));
    assertFalse(p.isAttached());
    assertArrayEquals(new float[] {-1.5f, -1.5f, -1.5f, -1.5f}, p.toFloatVector());
  }
}
