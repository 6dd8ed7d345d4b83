package org.optimbench.jobs.run;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.fs.Location;
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

  /**
   * A toy trainer of the run {@code name} under {@code root}: 20 Adam steps, a row every step,
   * checkpoints every 5; returns the final parameters' bits, or null when "killed" after {@code
   * killAfter} steps (the rows after the last checkpoint flushed, nothing closed, status RUNNING).
   */
  static long[] run(Location root, String name, Map<String, Object> conf, long killAfter)
      throws IOException {
    RunDirectory run = RunDirectory.open(root, name, conf, false, Checkpoints.DEFAULT_KEEP);
    Optional<Checkpoint> from = run.start(List.of(), List.of());
    TinyTraining t =
        from.map(c -> new TinyTraining("adam", c))
            .orElseGet(() -> new TinyTraining("adam", DataType.FLOAT));
    long step = from.map(Checkpoint::step).orElse(0L);
    while (step < 20) {
      double loss = t.step(step);
      // under the step's index, as the training loop logs: the checkpoint after 5 steps covers
      // rows 0..4
      run.metrics().append(MetricsLog.row(step).trainLoss(loss));
      step++;
      if (step == killAfter) {
        run.metrics().flush();
        return null;
      }
      if (step % 5 == 0)
        run.checkpoint(step, t.model.params(), t.state, Map.of("samples", step * 32));
    }
    run.complete(step);
    return RunCheckpointsTest.bits(t.model.params());
  }
}
