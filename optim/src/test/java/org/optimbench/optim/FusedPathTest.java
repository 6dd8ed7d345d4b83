package org.optimbench.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import java.util.function.IntPredicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.optimbench.optim.internal.Fused;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;

/**
 * The fused CPU path ({@link Fused}) against the ND4J-op path it replaces, for every optimizer
 * option that takes the fused path, in float32 and float64, on rank-1 arrays, on views at an offset
 * into larger flat arrays (as DL4J's parameters are) and on 'f'-order [1, n] views at an offset (as
 * DL4J's gradients are). The model (5,000 elements in 3 segments) spans several chunks, and chunk
 * and segment boundaries do not coincide. The gradient depends on the parameters (a noisy
 * quadratic), so differences feed back as in training. Two checks per case:
 *
 * <ul>
 *   <li>one step from the same state (11 ND4J-op steps, then the last step each way): params and
 *       state arrays within 32 units of roundoff of the dtype (u = 2^-53 in float64, 2^-24 in
 *       float32), state scalars within 256 u. Both paths evaluate the same formulas in the same
 *       order and precision; arrays differ where ND4J/BLAS contract a multiply-add or round a sum
 *       differently, or where the cube root differs from ND4J's pow by an ulp (observed at most 2.8
 *       u; 5.3 u for grafting, whose step scales by a ratio of two norms; 8.2 u in Mechanic's Δ,
 *       which accumulates differences p − X of nearly equal parameters). Scalars such as
 *       D-Adaptation's d are ratios of global sums with cancellation, summed in a different order
 *       (ND4J sums float32 in float, the fused path in double): observed at most 41 u;
 *   <li>the whole 12-step trajectory each way: within 16384 u. Rounding-level differences are
 *       amplified by the dynamics, by the same factor in both precisions (observed in units of u:
 *       at most 4,055 in float64 and 3,944 in float32 for Prodigy with beta1 = 0, whose step uses
 *       the freshly estimated d, below 200 for every other case), which is what rounding noise does
 *       and a formula error does not: a wrong coefficient, a skipped chunk or a misplaced offset
 *       changes the result by 1e-3 or more, i.e. 1e13 u in float64.
 * </ul>
 */
class FusedPathTest {
  private static final int STEPS = 12;

  /** Bounds in units of the dtype's roundoff (see the class comment). */
  private static final double ONE_STEP_UNITS = 32;

  private static final double ONE_STEP_SUM_UNITS = 256;
  private static final double TRAJECTORY_UNITS = 16384;
  private static final ParamLayout LAYOUT =
      ParamLayout.builder().add("a", 37).add("b", 2500).add("c", 2463).build();

  record Case(String spec) {
    @Override
    public String toString() {
      return spec;
    }
  }

  enum Layout {
    RANK1,
    OFFSET_VIEW,
    F_ORDER_VIEW
  }

  static Stream<Case> cases() {
    return Stream.of(
            "{name: adam, hparams: {lr: 0.01}}",
            "{name: adam, hparams: {lr: 0.01, weight_decay: 0.1, amsgrad: true}}",
            "{name: adamw, hparams: {lr: 0.01, weight_decay: 0.1}}",
            "{name: adamw, hparams: {lr: 0.01, weight_decay: 0.05, amsgrad: true}}",
            "{name: adagrad, hparams: {lr: 0.1}}",
            "{name: adagrad, hparams: {lr: 0.1, weight_decay: 0.1, lr_decay: 0.01, initial_accumulator_value: 0.1}}",
            "{name: adam_hd, hparams: {lr: 0.01, hypergrad_lr: 1e-4}}",
            "{name: adam_hd, hparams: {lr: 0.01, hypergrad_lr: 1e-4, weight_decay: 0.1}}",
            "{name: momo, hparams: {lr: 1.0}}",
            "{name: momo, hparams: {lr: 0.1, weight_decay: 0.1, bias_correction: true}}",
            "{name: motaps, hparams: {lr: 0.5}}",
            "{name: layer_scaled, hparams: {base: {name: sgd, hparams: {lr: 0.01, momentum: 0.9}}, multipliers: {a: 1.0, b: 0.5, c: 2.0}}}",
            "{name: layer_scaled, hparams: {base: {name: adam, hparams: {lr: 0.01}}, multipliers: {a: 0.3}}}",
            "{name: momo_adam, hparams: {lr: 0.1}}",
            "{name: momo_adam, hparams: {lr: 0.1, weight_decay: 0.1, divide: false}}",
            "{name: momo_adam, hparams: {lr: 0.1, weight_decay: 0.1, use_fstar: true}}",
            "{name: schedule_free_adamw, hparams: {lr: 0.01}}",
            "{name: schedule_free_adamw, hparams: {lr: 0.01, weight_decay: 0.1, inner_momentum: 0.9}}",
            "{name: schedule_free_adamw, hparams: {lr: 0.01, weight_decay: 0.1, decay_at_z: true, warmup_steps: 3}}",
            "{name: clip, hparams: {max_norm: 1.0, base: {name: adam, hparams: {lr: 0.01}}}}",
            "{name: mechanic, hparams: {base: {name: sgd, hparams: {lr: 0.01, momentum: 0.9}}}}",
            "{name: mechanic, hparams: {store_delta: true, base: {name: adam, hparams: {lr: 0.01}}}}",
            "{name: graft, hparams: {magnitude: {name: adam, hparams: {lr: 0.01}}, direction: {name: sgd, hparams: {lr: 0.1}}}}",
            "{name: graft, hparams: {magnitude: {name: momo, hparams: {lr: 1.0}}, direction: {name: sgd, hparams: {lr: 0.01, momentum: 0.9}}}}",
            "{name: graft, hparams: {granularity: global, magnitude: {name: sgd, hparams: {lr: 0.1}}, direction: {name: adagrad, hparams: {lr: 0.1}}}}",
            "{name: madgrad, hparams: {lr: 0.01}}",
            "{name: madgrad, hparams: {lr: 0.01, momentum: 0.0, weight_decay: 0.1}}",
            "{name: madgrad, hparams: {lr: 0.01, weight_decay: 0.1, decouple_decay: true}}",
            "{name: madgrad, hparams: {lr: 0.01, momentum: 0.0, weight_decay: 0.1, decouple_decay: true}}",
            "{name: mirror_madgrad, hparams: {lr: 0.01}}",
            "{name: mirror_madgrad, hparams: {lr: 0.01, weight_decay: 0.1, eps: 1e-6}}",
            "{name: mirror_madgrad, hparams: {lr: 0.01, momentum: 0.5, weight_decay: 0.1, decouple_decay: true}}",
            "{name: marthe, hparams: {lr: 0.01, hyper_lr: 1e-6}}",
            "{name: marthe, hparams: {lr: 0.01, momentum: 0.0, mu: -1.0, weight_decay: 0.0, grad_clipping: 2.0}}",
            "{name: rtho, hparams: {lr: 0.01, hyper_lr: 1e-6, first_order: true}}",
            "{name: dadapt_adam, hparams: {}}",
            "{name: dadapt_adam, hparams: {weight_decay: 0.1, growth_rate: 1.5}}",
            "{name: dadapt_adam, hparams: {weight_decay: 0.1, decouple: true, use_bias_correction: true}}",
            "{name: dadapt_adagrad, hparams: {}}",
            "{name: dadapt_adagrad, hparams: {momentum: 0.9, weight_decay: 0.1}}",
            "{name: prodigy, hparams: {}}",
            "{name: prodigy, hparams: {weight_decay: 0.1, decouple: false}}",
            "{name: prodigy, hparams: {betas: [0.0, 0.999], weight_decay: 0.1, decouple: false}}",
            "{name: prodigy, hparams: {weight_decay: 0.1, use_bias_correction: true, safeguard_warmup: true, beta3: 0.99}}")
        .map(Case::new);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void oneFusedStepMatchesTheNd4jOpStep(Case c) {
    for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
      for (Layout layout : Layout.values()) {
        // the same 11 ND4J-op steps (bit-identical states), then the last step each way
        Run generic = trajectory(c.spec, dt, layout, t -> false);
        long before = Fused.passes();
        Run fused = trajectory(c.spec, dt, layout, t -> t == STEPS - 1);
        assertTrue(
            Fused.passes() > before, c + " " + dt + " " + layout + ": the fused path did not run");
        assertAgree(
            c + " " + dt + " " + layout + " last step",
            generic,
            fused,
            ONE_STEP_UNITS * roundoff(dt),
            ONE_STEP_SUM_UNITS * roundoff(dt));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void fusedTrajectoryFollowsTheNd4jOpTrajectory(Case c) {
    for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
      for (Layout layout : Layout.values()) {
        long before = Fused.passes();
        Run generic = trajectory(c.spec, dt, layout, t -> false);
        assertEquals(
            before,
            Fused.passes(),
            c + " " + dt + " " + layout + ": a fused pass ran with the switch off");
        Run fused = trajectory(c.spec, dt, layout, t -> true);
        double tol = TRAJECTORY_UNITS * roundoff(dt);
        assertAgree(c + " " + dt + " " + layout + " trajectory", generic, fused, tol, tol);
      }
    }
  }

  /** The unit roundoff of the dtype: 2^-53 (float64), 2^-24 (float32). */
  private static double roundoff(DataType dt) {
    return dt == DataType.DOUBLE ? 0x1p-53 : 0x1p-24;
  }

  /**
   * Params and state arrays within {@code tol}, state scalars (d, numerators, ...: functions of
   * global sums) within {@code sumTol}.
   */
  private static void assertAgree(
      String where, Run expected, Run actual, double tol, double sumTol) {
    assertClose(where + " params", expected.params, actual.params, tol);
    assertStatesClose(where, expected.state, actual.state, tol, sumTol);
  }

  /**
   * The fused sum of squares (the trainer's gradient norm) and moments (parameter averaging's
   * fingerprint of a SAME array) over a view at an offset, long enough for several blocks and a
   * partial chunk at the end, against the float64 sum computed here: each float32 square is rounded
   * once (relative 2^-24) and summed in double, so 1e-6 relative bounds it with room; in float64,
   * 1e-12. A skipped chunk or block would be off by over 1e-3.
   */
  @Test
  void sumOfSquaresAndMomentsMatchTheFloat64Sums() {
    int n = 3 * 65_536 + 1_000 + 37;
    Random r = new Random(5);
    double[] x = new double[n];
    for (int i = 0; i < n; i++) x[i] = r.nextGaussian() * (i % 7 == 0 ? 10 : 1);
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray base = Nd4j.zeros(type, n + 5);
      INDArray view = base.get(NDArrayIndex.interval(3, 3 + n));
      view.assign(Nd4j.createFromArray(x).castTo(type));
      double[] stored = view.castTo(DataType.DOUBLE).toDoubleVector();
      double exact = 0;
      double sum = 0;
      double abs = 0;
      for (double v : stored) {
        exact += v * v;
        sum += v;
        abs += Math.abs(v);
      }
      base.putScalar(0, 1e6); // outside the view: must not count
      base.putScalar(n + 4, 1e6);
      assertTrue(Fused.applies(view));
      double tol = type == DataType.FLOAT ? 1e-6 : 1e-12;
      assertEquals(exact, Fused.sumSq(view), exact * tol, type.toString());
      double[] m = Fused.moments(view);
      assertEquals(sum, m[0], abs * tol, type + ": sum");
      assertEquals(abs, m[1], abs * tol, type + ": L1");
      assertEquals(exact, m[2], exact * tol, type + ": sum of squares");
    }
  }

  @Test
  void stridedViewsAndMixedDtypesTakeTheNd4jPath() {
    INDArray flat = Nd4j.rand(DataType.FLOAT, 100);
    INDArray strided = flat.get(NDArrayIndex.interval(0, 2, 100));
    assertFalse(Fused.applies(strided, Nd4j.rand(DataType.FLOAT, 50)));
    assertFalse(Fused.applies(Nd4j.rand(DataType.FLOAT, 50), Nd4j.rand(DataType.DOUBLE, 50)));
    assertFalse(Fused.applies(Nd4j.rand(DataType.FLOAT, 50), Nd4j.rand(DataType.FLOAT, 51)));
    assertFalse(Fused.applies(Nd4j.rand(DataType.HALF, 50)));
    assertFalse(Fused.applies(Nd4j.rand(DataType.FLOAT, 5, 10)));
    assertTrue(
        Fused.applies(flat.get(NDArrayIndex.interval(10, 60)), Nd4j.rand(DataType.FLOAT, 1, 50)));
  }

  @Test
  void theSystemPropertyForcesTheNd4jPath() {
    INDArray a = Nd4j.rand(DataType.FLOAT, 50);
    assertTrue(Fused.applies(a));
    withSwitch(false, () -> assertFalse(Fused.applies(a)));
    assertTrue(Fused.applies(a));
  }

  record Run(INDArray params, OptimizerState state) {}

  private static void withSwitch(boolean on, Runnable r) {
    String old = System.getProperty(Fused.PROPERTY);
    System.setProperty(Fused.PROPERTY, Boolean.toString(on));
    try {
      r.run();
    } finally {
      if (old == null) System.clearProperty(Fused.PROPERTY);
      else System.setProperty(Fused.PROPERTY, old);
    }
  }

  /**
   * f(x) = 1/2 sum_i lambda_i (x_i - 1)^2 + noise: gradient lambda (x - 1) plus seeded noise per
   * step, lambda in [0.5, 2]; x starts at seeded values in [-1, 1].
   */
  private static Run trajectory(String spec, DataType dt, Layout layout, IntPredicate fusedAt) {
    return trajectory(LAYOUT, STEPS, spec, dt, layout, fusedAt);
  }

  /** As above, on any model layout and number of steps (FusedThreadsTest's larger model). */
  static Run trajectory(
      ParamLayout model, int steps, String spec, DataType dt, Layout layout, IntPredicate fusedAt) {
    int n = (int) model.totalLength();
    Random rnd = new Random(42);
    double[] lambda = new double[n];
    double[] x0 = new double[n];
    for (int i = 0; i < n; i++) {
      lambda[i] = 0.5 + 1.5 * rnd.nextDouble();
      x0[i] = 2 * rnd.nextDouble() - 1;
    }
    INDArray lambdaArr = Nd4j.createFromArray(lambda).castTo(dt);
    INDArray params = vector(dt, layout, n, 37);
    INDArray grads = vector(dt, layout, n, 11);
    params.assign(Nd4j.createFromArray(x0).castTo(dt).reshape(params.shape()));
    Optimizer opt = OptimizerRegistry.create(Spec.parse(spec, "spec"));
    ModelView view = new ModelView(model, params, grads);
    OptimizerState state = opt.init(view);
    HashExampleStore store = new HashExampleStore(); // MoTAPS's per-example state
    for (int t = 0; t < steps; t++) {
      double[] x = view.params().toDoubleVector();
      double[] g = new double[n];
      double loss = 0;
      for (int i = 0; i < n; i++) {
        g[i] = lambda[i] * (x[i] - 1) + 0.3 * rnd.nextGaussian();
        loss += 0.5 * lambda[i] * (x[i] - 1) * (x[i] - 1);
      }
      grads.assign(Nd4j.createFromArray(g).castTo(dt).reshape(grads.shape()));
      StepContext ctx =
          StepContext.builder()
              .step(t)
              .loss(loss / n)
              .exampleIds(new long[] {t % 3, 3 + t % 5})
              .exampleStore(store)
              .hvp(v -> v.mul(lambdaArr))
              .validationGradient(at -> at.sub(1.0).muli(lambdaArr))
              .build();
      withSwitch(fusedAt.test(t), () -> Optimizers.step(opt, view, state, ctx));
    }
    return new Run(view.params().dup(), state);
  }

  /**
   * A length-n vector of the given layout: its own rank-1 array, or a view at {@code offset} into a
   * larger flat array.
   */
  private static INDArray vector(DataType dt, Layout layout, int n, int offset) {
    return switch (layout) {
      case RANK1 -> Nd4j.zeros(dt, n);
      case OFFSET_VIEW ->
          Nd4j.zeros(dt, n + offset + 5)
              .get(NDArrayIndex.interval(offset, offset + n))
              .reshape('c', new long[] {1, n});
      // DL4J's gradient views: 'f'-order [1, n] rows at an offset into the flattened gradient
      case F_ORDER_VIEW ->
          Nd4j.create(dt, new long[] {1, n + offset + 5}, 'f')
              .get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(offset, offset + n));
    };
  }

  private static void assertStatesClose(
      String where, OptimizerState expected, OptimizerState actual, double tol, double sumTol) {
    assertEquals(expected.names(), actual.names(), where);
    for (Map.Entry<String, INDArray> e : expected.arrays().entrySet()) {
      assertClose(where + " state " + e.getKey(), e.getValue(), actual.array(e.getKey()), tol);
    }
    for (Map.Entry<String, double[]> e : expected.scalars().entrySet()) {
      double[] a = e.getValue();
      double[] b = actual.scalarsRef(e.getKey());
      for (int i = 0; i < a.length; i++) {
        double scale = Math.max(Math.abs(a[i]), 1e-30);
        assertTrue(
            Math.abs(a[i] - b[i]) <= sumTol * scale,
            where
                + " state scalar "
                + e.getKey()
                + "["
                + i
                + "]: "
                + b[i]
                + " vs ND4J-op path "
                + a[i]);
      }
    }
    for (Map.Entry<String, OptimizerState> e : expected.children().entrySet()) {
      assertStatesClose(
          where + " child " + e.getKey(), e.getValue(), actual.child(e.getKey()), tol, sumTol);
    }
  }

  /** Max-norm relative difference: max |a - e| / max |e|. */
  private static void assertClose(String where, INDArray expected, INDArray actual, double tol) {
    double[] e = expected.toDoubleVector();
    double[] a = actual.toDoubleVector();
    assertEquals(e.length, a.length, where);
    double scale = 0;
    double diff = 0;
    int worst = 0;
    for (int i = 0; i < e.length; i++) {
      scale = Math.max(scale, Math.abs(e[i]));
      double d = Math.abs(a[i] - e[i]);
      if (!(d <= diff)) {
        diff = d;
        worst = i;
      }
    }
    double rel = diff / Math.max(scale, 1e-30);
    assertTrue(
        rel <= tol,
        where
            + ": relative difference "
            + rel
            + " > "
            + tol
            + " (element "
            + worst
            + ": "
            + a[worst]
            + " vs ND4J-op path "
            + e[worst]
            + ")");
  }
}
