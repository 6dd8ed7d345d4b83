package org.optimbench.optim.polyak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.HashExampleStore;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.ParamLayout;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;

/**
 * motaps against its equations (M0)-(M4) (see {@link Motaps}; our derivation from the paper's
 * description, not the paper's Algorithm, which was not retrievable) worked by hand in double, the
 * first visit of an id, and rejected specs.
 */
class MotapsTest {
  final ParamLayout layout = ParamLayout.single("w", 2);

  @Test
  void twoStepsWorkedByHand() {
    Optimizer opt =
        OptimizerRegistry.create(Spec.of("motaps", "lr", 1.0, "lmbda", 0.1, "tau", 0.0));
    INDArray x = Nd4j.createFromArray(1.0, 2.0);
    INDArray g = Nd4j.zeros(DataType.DOUBLE, 2);
    ModelView m = new ModelView(layout, x, g);
    OptimizerState s = opt.init(m);
    HashExampleStore store = new HashExampleStore();

    // step 1: ids 7, 9 are new -> alpha = tau = 0 (M0); f = 3, g = (0.5, -1), ||g||^2 = 1.25
    g.assign(Nd4j.createFromArray(0.5, -1.0));
    StepContext c1 = ctx(0, 3.0, new long[] {7, 9}, store);
    opt.step(m, s, c1);
    double s1 = 3.0 / 2.25; // (M1) 4/3
    assertEquals(1 - 0.5 * s1, x.getDouble(0), 1e-15); // (M2) 1/3
    assertEquals(2 + s1, x.getDouble(1), 1e-15); // 10/3
    double a1 = s1 - s1 / 2; // (M3) a = 0 + s, e = a - 0, a -= e/2  -> 2/3
    double tau1 = s1 / 2 - 0.1; // tau = 0 + e/2 - lambda -> 17/30
    assertEquals(tau1, s.scalar("tau"), 1e-15);
    assertEquals(a1, store.get(7), 1e-15); // (M4) every id of the batch shifted by a - abar
    assertEquals(a1, store.get(9), 1e-15);
    assertEquals(2.0, c1.diagnostics().values().get("new_ids"));
    assertEquals(s1, c1.diagnostics().values().get("lr"), 1e-15);

    // step 2: id 9 known (2/3), id 11 new (-> tau1); f = 1, g = (0.2, 0.4), ||g||^2 = 0.2
    g.assign(Nd4j.createFromArray(0.2, 0.4));
    StepContext c2 = ctx(1, 1.0, new long[] {9, 11}, store);
    opt.step(m, s, c2);
    double abar = (a1 + tau1) / 2; // 37/60
    double s2 = (1.0 - abar) / 1.2; // 23/72
    assertEquals(1.0 / 3 - 0.2 * s2, x.getDouble(0), 1e-15);
    assertEquals(10.0 / 3 - 0.4 * s2, x.getDouble(1), 1e-15);
    double a2 = abar + s2;
    double e2 = a2 - tau1;
    a2 -= e2 / 2;
    double tau2 = tau1 + e2 / 2 - 0.1;
    assertEquals(tau2, s.scalar("tau"), 1e-15);
    assertEquals(a1 + (a2 - abar), store.get(9), 1e-15);
    assertEquals(tau1 + (a2 - abar), store.get(11), 1e-15);
    assertEquals(a1, store.get(7), 0.0); // not in the batch: untouched
    assertEquals(3, store.size());
    assertEquals(1.0, c2.diagnostics().values().get("new_ids"));
    assertEquals(abar, c2.diagnostics().values().get("alpha_mean"), 1e-15);
  }

  @Test
  void firstVisitIsTheDampedPolyakStepTowardsTheTarget() {
    // a batch of new ids: alpha = tau, so s = lr (f - tau) / (||g||^2 + 1)
    Optimizer opt = OptimizerRegistry.create(Spec.of("motaps", "lr", 0.5, "tau", 0.25));
    INDArray x = Nd4j.createFromArray(0.0, 0.0);
    INDArray g = Nd4j.createFromArray(3.0, 4.0);
    ModelView m = new ModelView(layout, x, g);
    OptimizerState s = opt.init(m);
    HashExampleStore store = new HashExampleStore();
    assertTrue(Double.isNaN(store.get(42)));
    opt.step(m, s, ctx(0, 2.25, new long[] {42, 43, 44}, store));
    double step = 0.5 * (2.25 - 0.25) / 26;
    assertEquals(-3 * step, x.getDouble(0), 1e-15);
    assertEquals(-4 * step, x.getDouble(1), 1e-15);
    assertEquals(3, store.size());
    assertTrue(!Double.isNaN(store.get(42)) && store.get(42) == store.get(44));
  }

  @Test
  void aZeroScheduleFactorChangesNothing() {
    Optimizer opt = OptimizerRegistry.create(Spec.of("motaps"));
    INDArray x = Nd4j.createFromArray(1.0, 1.0);
    ModelView m = new ModelView(layout, x, Nd4j.createFromArray(1.0, -1.0));
    OptimizerState s = opt.init(m);
    HashExampleStore store = new HashExampleStore();
    opt.step(m, s, ctx(0, 5.0, new long[] {1}, store).toBuilder().lrScale(0).build());
    assertEquals(1.0, x.getDouble(0), 0.0);
    assertEquals(0.0, s.scalar("tau"), 0.0);
  }

  @Test
  void needsTheStoreTheIdsAndTheLoss() {
    Optimizer opt = OptimizerRegistry.create(Spec.of("motaps"));
    ModelView m =
        new ModelView(layout, Nd4j.zeros(DataType.DOUBLE, 2), Nd4j.zeros(DataType.DOUBLE, 2));
    OptimizerState s = opt.init(m);
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> opt.step(m, s, StepContext.builder().loss(1).exampleIds(new long[] {1}).build()));
    assertTrue(e.getMessage().startsWith("motaps needs a per-example store"), e.getMessage());
    e =
        assertThrows(
            IllegalStateException.class,
            () ->
                opt.step(
                    m,
                    s,
                    StepContext.builder().loss(1).exampleStore(new HashExampleStore()).build()));
    assertTrue(e.getMessage().startsWith("motaps needs the batch's example ids"), e.getMessage());
  }

  @Test
  void badSpecsNameTheField() {
    MomoTest.assertField("optimizer.hparams.lr", Spec.of("motaps", "lr", -0.1));
    MomoTest.assertField("optimizer.hparams.lmbda", Spec.of("motaps", "lmbda", -1.0));
    MomoTest.assertField("optimizer.hparams.tau", Spec.of("motaps", "tau", "inf"));
  }

  private static StepContext ctx(long t, double loss, long[] ids, HashExampleStore store) {
    return StepContext.builder().step(t).loss(loss).exampleIds(ids).exampleStore(store).build();
  }
}
