package org.optimbench.optim.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.Diagnostics;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.Optimizers;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.schedule.Schedule;
import org.optimbench.optim.schedule.Schedules;

/**
 * Replays one optimizer on a trace problem: for each step t, the batch loss and exact gradient at
 * the current parameters, then one optimizer step with the schedule factor of step t, the batch
 * loss, the batch's example indices as ids, an exact Hessian-vector oracle on the batch, and (when
 * the problem has val_batches) the validation gradient at the parameters after the step.
 */
public final class TraceRunner {
  /**
   * One row of the trace: the loss before step t and every parameter after it, plus diagnostics.
   */
  public record Row(long step, double loss, double[] params, Map<String, Double> diagnostics) {}

  private TraceRunner() {}

  public static List<Row> run(TraceProblem p) {
    SoftmaxMlp model = p.model();
    Optimizer opt = OptimizerRegistry.create(p.optimizer());
    Schedule schedule =
        p.schedule() == null ? Schedule.CONSTANT : Schedules.create(p.schedule(), "schedule");
    INDArray params = p.initialParamsArray();
    INDArray grads = Nd4j.zeros(p.dtype(), params.length());
    ModelView view = new ModelView(model.layout(), params, grads);
    OptimizerState state = opt.init(view);
    List<Row> rows = new ArrayList<>();
    org.optimbench.optim.HashExampleStore examples =
        new org.optimbench.optim.HashExampleStore(); // per-example state lives for the whole run
    for (int t = 0; t < p.batches().length; t++) {
      int[] batch = p.batches()[t];
      INDArray xb = p.rows(batch);
      int[] yb = p.labels(batch);
      SoftmaxMlp.LossAndGrad lg = model.lossAndGrad(params, xb, yb);
      grads.assign(lg.grad());
      INDArray atStep = params.dup(); // the HVP is taken at the parameters before the step
      long[] ids = new long[batch.length];
      for (int i = 0; i < ids.length; i++) ids[i] = batch[i];
      Diagnostics diag = new Diagnostics();
      StepContext.Builder ctx =
          StepContext.builder()
              .step(t)
              .lrScale(schedule.factor(t))
              .loss(lg.loss())
              .exampleIds(ids)
              .exampleStore(examples)
              .hvp(v -> model.hvp(atStep, xb, yb, v))
              .diagnostics(diag);
      if (p.valBatches() != null) {
        int[] vb = p.valBatches()[t];
        INDArray xv = p.rows(vb);
        int[] yv = p.labels(vb);
        ctx.validationGradient(at -> model.lossAndGrad(at, xv, yv).grad());
      }
      Optimizers.step(opt, view, state, ctx.build());
      rows.add(
          new Row(
              t,
              lg.loss(),
              params.dup().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector(),
              Map.copyOf(diag.values())));
    }
    return rows;
  }
}
