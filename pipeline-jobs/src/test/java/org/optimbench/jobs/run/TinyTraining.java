package org.optimbench.jobs.run;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.Optimizers;
import org.optimbench.optim.ParamLayout;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;

/** A real optimizer on a small quadratic 0.5 * sum(c_i x_i^2), for checkpoint tests. */
final class TinyTraining {
  static final ParamLayout LAYOUT = ParamLayout.builder().add("w", 3, 2).add("b", 4).build();

  final Optimizer optimizer;
  final ModelView model;
  final OptimizerState state;
  private final INDArray curvature;

  TinyTraining(String method, DataType dtype) {
    optimizer = OptimizerRegistry.create(Spec.of(method));
    int n = (int) LAYOUT.totalLength();
    INDArray x = Nd4j.linspace(-1, 1, n, dtype).muli(1.7);
    model = new ModelView(LAYOUT, x, Nd4j.zeros(dtype, n));
    curvature = Nd4j.linspace(0.1, 5, n, dtype);
    state = optimizer.init(model);
  }

  /** Replaces parameters and state with a checkpoint's (the resume path of a trainer). */
  TinyTraining(String method, Checkpoint from) {
    optimizer = OptimizerRegistry.create(Spec.of(method));
    INDArray x = from.params();
    model = new ModelView(LAYOUT, x, Nd4j.zeros(x.dataType(), x.length()));
    curvature = Nd4j.linspace(0.1, 5, x.length(), x.dataType());
    state = from.state();
  }

  /** One step at index {@code step}; returns the loss before it. */
  double step(long step) {
    INDArray x = model.params();
    double loss = 0.5 * x.mul(x).muli(curvature).sumNumber().doubleValue();
    model.grads().assign(x.mul(curvature));
    Optimizers.step(optimizer, model, state, StepContext.of(step));
    return loss;
  }
}
