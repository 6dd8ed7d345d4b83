package org.optimbench.optim.schedulefree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.ParamLayout;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.schedule.Schedule;
import org.optimbench.optim.schedule.Schedules;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.spec.SpecException;
import org.optimbench.optim.trace.SoftmaxMlp;
import org.optimbench.optim.trace.TraceProblem;

class ScheduleFreeTest {
  // The problem of the published golden values (docs/METHODS-NOTES.md).
  private static final double[][] X = {{1, 2, -1}, {0.5, -1.5, 2}, {-1, 0, 1}, {2, 1, 0.5}};
  private static final double[][] Y = {{1, 0}, {0, 1}, {1, 1}, {-1, 0.5}};
  private static final double[] P0 = {0.1, -0.2, 0.3, 0.05, -0.4, 0.2, 0, 0.1};

  private static void linearGrad(double[] p, double[] grad) {
    java.util.Arrays.fill(grad, 0);
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 2; j++) {
        double r = p[6 + j] - Y[i][j];
        for (int k = 0; k < 3; k++) r += X[i][k] * p[2 * k + j];
        for (int k = 0; k < 3; k++) grad[2 * k + j] += r * X[i][k] / 4;
        grad[6 + j] += r / 4;
      }
    }
  }

  private record Run(ModelView model, OptimizerState state) {}

  private static Run runLinear(Optimizer opt, int steps) {
    INDArray p = Nd4j.createFromArray(P0.clone());
    INDArray g = Nd4j.zeros(DataType.DOUBLE, 8);
    ModelView m = new ModelView(ParamLayout.builder().add("W", 3, 2).add("b", 2).build(), p, g);
    OptimizerState s = opt.init(m);
    double[] grad = new double[8];
    for (int t = 0; t < steps; t++) {
      linearGrad(p.toDoubleVector(), grad);
      g.assign(Nd4j.createFromArray(grad));
      opt.step(m, s, StepContext.of(t));
    }
    return new Run(m, s);
  }

  @Test
  void evalParamsMatchThePublishedReferenceValues() {
    // The published golden values: parameters after eval() (= x) after five steps.
    Optimizer sgd = OptimizerRegistry.create(Spec.of("schedule_free_sgd", "lr", 0.1));
    Run a = runLinear(sgd, 5);
    assertArrayEquals(
        new double[] {
          -0.118685400517,
          -0.123512930672,
          0.134722678528,
          0.05484996283,
          -0.215349104933,
          0.317785111931,
          0.097231663236,
          0.222821703859
        },
        sgd.evalParams(a.model, a.state).toDoubleVector(),
        1e-11);
    Optimizer adamw = OptimizerRegistry.create(Spec.of("schedule_free_adamw", "lr", 0.01));
    Run b = runLinear(adamw, 5);
    assertArrayEquals(
        new double[] {
          0.070282746813,
          -0.171095402156,
          0.270609614514,
          0.054264702781,
          -0.370588660954,
          0.229420093867,
          0.029720163534,
          0.129309934563
        },
        adamw.evalParams(b.model, b.state).toDoubleVector(),
        1e-11);
  }

  @ParameterizedTest
  @CsvSource({
    "schedule_free_sgd, momentum, 0.8",
    "schedule_free_adamw, betas, 0.7",
  })
  void trainingParamsAreTheInterpolationOfXAndZ(String name, String key, double beta) {
    Spec spec =
        key.equals("betas")
            ? Spec.of(name, "lr", 0.05, "betas", List.of(beta, 0.99), "warmup_steps", 3L)
            : Spec.of(name, "lr", 0.05, key, beta, "warmup_steps", 3L, "weight_decay", 0.01);
    Optimizer opt = OptimizerRegistry.create(spec);
    Run run = runLinear(opt, 9);
    double[] x = opt.evalParams(run.model, run.state).toDoubleVector();
    double[] z = run.state.array("z").toDoubleVector();
    double[] y = run.model.params().toDoubleVector();
    for (int i = 0; i < y.length; i++)
      assertEquals(beta * x[i] + (1 - beta) * z[i], y[i], 1e-15, "coordinate " + i);
    // evalParams is a copy: changing it leaves the state alone
    opt.evalParams(run.model, run.state).addi(1.0);
    assertArrayEquals(x, run.state.array("x").toDoubleVector(), 0);
  }

  /** The golden cases written with --x-out also hold the reference's x after every step. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "schedule_free_sgd__bl-all",
        "schedule_free_adamw__bl-all",
        "schedule_free_adamw__bl-decay_at_z"
      })
  void evalParamsFollowTheReferenceAverageStepByStep(String dir) throws Exception {
    Path d = Path.of(ScheduleFreeTest.class.getResource("/golden/" + dir).toURI());
    TraceProblem p = TraceProblem.read(d.resolve("problem.json"));
    List<String> xs = Files.readAllLines(d.resolve("x.csv"));
    SoftmaxMlp model = p.model();
    Optimizer opt = OptimizerRegistry.create(p.optimizer());
    Schedule schedule =
        p.schedule() == null ? Schedule.CONSTANT : Schedules.create(p.schedule(), "schedule");
    INDArray params = p.initialParamsArray();
    INDArray grads = Nd4j.zeros(p.dtype(), params.length());
    ModelView view = new ModelView(model.layout(), params, grads);
    OptimizerState state = opt.init(view);
    for (int t = 0; t < p.batches().length; t++) {
      grads.assign(
          model.lossAndGrad(params, p.rows(p.batches()[t]), p.labels(p.batches()[t])).grad());
      opt.step(view, state, StepContext.builder().step(t).lrScale(schedule.factor(t)).build());
      String[] f = xs.get(t + 1).split(",");
      double[] x = opt.evalParams(view, state).toDoubleVector();
      for (int i = 0; i < x.length; i++) {
        double ref = Double.parseDouble(f[i + 2]);
        assertEquals(ref, x[i], 1e-9 * Math.abs(ref) + 1e-12, dir + " step " + t + " x" + i);
      }
    }
  }

  @ParameterizedTest
  @CsvSource({
    "schedule_free_sgd, momentum, 0.0, optimizer.hparams.momentum",
    "schedule_free_sgd, momentum, 1.0, optimizer.hparams.momentum",
    "schedule_free_sgd, lr, -1, optimizer.hparams.lr",
    "schedule_free_sgd, warmup_steps, -3, optimizer.hparams.warmup_steps",
    "schedule_free_sgd, warmup_steps, 2.5, optimizer.hparams.warmup_steps",
    "schedule_free_adamw, eps, -1, optimizer.hparams.eps",
    "schedule_free_adamw, inner_momentum, 1.0, optimizer.hparams.inner_momentum",
    "schedule_free_adamw, weight_decay, -0.1, optimizer.hparams.weight_decay",
  })
  void badSpecsAreRejectedWithTheFieldNamed(String name, String key, double value, String field) {
    assertEquals(
        field,
        assertThrows(SpecException.class, () -> OptimizerRegistry.create(Spec.of(name, key, value)))
            .field());
  }

  @Test
  void badBetasAreRejectedWithTheFieldNamed() {
    assertEquals(
        "optimizer.hparams.betas[1]",
        assertThrows(
                SpecException.class,
                () ->
                    OptimizerRegistry.create(
                        Spec.of("schedule_free_adamw", "betas", List.of(0.9, 1.5))))
            .field());
  }

  @Test
  void defaultsAreTheReferenceDefaults() {
    assertEquals(
        new ScheduleFreeSgd(1.0, 0.9, 0, 0, 0, 2),
        OptimizerRegistry.create(Spec.of("schedule_free_sgd")));
    assertEquals(
        new ScheduleFreeAdamW(0.0025, 0.9, 0.999, 1e-8, 0, 0, 0, 2, false, 0),
        OptimizerRegistry.create(Spec.of("schedule_free_adamw")));
  }
}
