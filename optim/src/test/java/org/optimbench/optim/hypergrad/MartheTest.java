package org.optimbench.optim.hypergrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.trace.SoftmaxMlp;
import org.optimbench.optim.trace.TraceProblem;

/** Invariants of MARTHE/RTHO on the trace model (exact HVP unless said otherwise). */
class MartheTest {
  /**
   * A marthe spec (or rtho with "name", "rtho") with lr 0.1, alpha 0, no weight decay, then {@code
   * kv}.
   */
  private static Spec marthe(Object... kv) {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("lr", 0.1);
    m.put("alpha", 0.0);
    m.put("weight_decay", 0.0);
    for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
    Object name = m.remove("name");
    return new Spec(name == null ? "marthe" : (String) name, m);
  }

  @Test
  void zeroHyperLrKeepsTheInitialRateExactlyForEveryDynamics() {
    for (Object[] dyn :
        new Object[][] {
          {"dynamics", "sgd", "momentum", 0.0},
          {"dynamics", "sgd", "momentum", 0.9},
          {"dynamics", "adam", "eps", 1e-8}
        }) {
      Object[] kv = new Object[dyn.length + 4];
      System.arraycopy(dyn, 0, kv, 0, dyn.length);
      kv[dyn.length] = "hyper_lr";
      kv[dyn.length + 1] = 0.0;
      kv[dyn.length + 2] = "mu";
      kv[dyn.length + 3] = 0.9;
      List<TraceFixture.Step> run =
          TraceFixture.run(
              TraceFixture.problem(DataType.DOUBLE, 25, marthe(kv)), TraceFixture.Hvp.EXACT);
      for (TraceFixture.Step s : run) {
        assertEquals(0.1, s.diagnostics().get("lr"), 0.0, java.util.Arrays.toString(dyn));
        assertEquals(0.0, s.diagnostics().get("hyper_lr"), 0.0);
      }
      assertTrue(
          run.stream().anyMatch(s -> s.diagnostics().get("hypergradient") != 0),
          "the hypergradient is computed, only not applied");
    }
  }

  @Test
  void zeroHyperLrFollowsPlainTorchSgdWithMomentum() {
    // with beta = 0 the trajectory is torch.optim.SGD's (the clamp at 100 is inactive here)
    Spec m = marthe("dynamics", "sgd", "momentum", 0.9, "hyper_lr", 0.0, "weight_decay", 1e-3);
    TraceProblem p = TraceFixture.problem(DataType.DOUBLE, 20, m);
    List<TraceFixture.Step> a = TraceFixture.run(p, TraceFixture.Hvp.EXACT);
    List<TraceFixture.Step> b =
        TraceFixture.run(
            p,
            new org.optimbench.optim.baseline.Sgd(0.1, 0.9, 0, 1e-3, false),
            TraceFixture.Hvp.NONE);
    for (int t = 0; t < a.size(); t++)
      assertArrayEquals(b.get(t).params(), a.get(t).params(), 0.0, "step " + t);
  }

  @Test
  void muZeroIsHypergradientDescentOnTheValidationGradient() {
    // Z = B_t = -g_t, so h = -grad E(w_{t+1}) . g_t and eta_{t+1} = eta_t + beta grad E(w_{t+1}) .
    // g_t,
    // worked by hand from the paper's recursion (no HVP is needed and none may be asked for).
    double beta = 0.05;
    TraceProblem p =
        TraceFixture.problem(
            DataType.DOUBLE,
            15,
            marthe("dynamics", "sgd", "momentum", 0.0, "mu", 0.0, "hyper_lr", beta));
    List<TraceFixture.Step> run = TraceFixture.run(p, TraceFixture.Hvp.EXACT);
    SoftmaxMlp model = p.model();
    INDArray w = p.initialParamsArray();
    double eta = 0.1;
    for (int t = 0; t < run.size(); t++) {
      INDArray g = model.lossAndGrad(w, p.rows(p.batches()[t]), p.labels(p.batches()[t])).grad();
      assertEquals(eta, run.get(t).diagnostics().get("lr"), 1e-13 * eta, "lr at step " + t);
      w = w.sub(g.mul(eta));
      INDArray v =
          model.lossAndGrad(w, p.rows(p.valBatches()[t]), p.labels(p.valBatches()[t])).grad();
      double vg = v.mul(g).sumNumber().doubleValue();
      assertEquals(
          -vg,
          run.get(t).diagnostics().get("hypergradient"),
          1e-12 * Math.abs(vg),
          "h at step " + t);
      eta += beta * vg;
      assertArrayEquals(w.toDoubleVector(), run.get(t).params(), 1e-12, "params after step " + t);
    }
  }

  @Test
  void muZeroNeverAsksForAHessianVectorProductButOneIsNotNeededEither() {
    Spec s =
        marthe(
            "dynamics", "sgd", "momentum", 0.9, "mu", 0.0, "hyper_lr", 0.01, "first_order", true);
    List<TraceFixture.Step> run =
        TraceFixture.run(TraceFixture.problem(DataType.DOUBLE, 10, s), TraceFixture.Hvp.NONE);
    assertEquals(10, run.size());
  }

  @Test
  void rthoEqualsMartheWithMuOne() {
    for (String dyn : new String[] {"sgd", "adam"}) {
      Object[] extra =
          dyn.equals("sgd") ? new Object[] {"momentum", 0.9} : new Object[] {"eps", 1e-8};
      Spec r = marthe("name", "rtho", "dynamics", dyn, "hyper_lr", 1e-3, extra[0], extra[1]);
      Spec m = marthe("dynamics", dyn, "hyper_lr", 1e-3, "mu", 1.0, extra[0], extra[1]);
      assertEquals("rtho", r.name());
      List<TraceFixture.Step> a =
          TraceFixture.run(TraceFixture.problem(DataType.DOUBLE, 20, r), TraceFixture.Hvp.EXACT);
      List<TraceFixture.Step> b =
          TraceFixture.run(TraceFixture.problem(DataType.DOUBLE, 20, m), TraceFixture.Hvp.EXACT);
      for (int t = 0; t < a.size(); t++) {
        assertArrayEquals(b.get(t).params(), a.get(t).params(), 0.0, dyn + " step " + t);
        assertEquals(b.get(t).diagnostics(), a.get(t).diagnostics(), dyn + " step " + t);
      }
    }
  }

  @Test
  void finiteDifferenceProductsReproduceTheExactRun() {
    // Same problem, same batches; only the oracle differs. The learning rate moves by 10-80% over
    // the run, so the hypergradient (and hence the products) matter.
    for (String dyn : new String[] {"sgd", "adam"}) {
      Spec s =
          dyn.equals("sgd")
              ? marthe("dynamics", "sgd", "momentum", 0.9, "hyper_lr", 2e-3, "mu", 0.99)
              : marthe("dynamics", "adam", "eps", 1e-4, "hyper_lr", 1e-5, "mu", 0.99);
      TraceProblem p = TraceFixture.problem(DataType.DOUBLE, 40, s);
      List<TraceFixture.Step> exact = TraceFixture.run(p, TraceFixture.Hvp.EXACT);
      double lrEnd = exact.get(exact.size() - 1).diagnostics().get("lr");
      assertTrue(
          Math.abs(lrEnd / 0.1 - 1) > 0.05,
          dyn + ": the learning rate barely moved (" + lrEnd + ")");
      for (TraceFixture.Hvp kind :
          new TraceFixture.Hvp[] {TraceFixture.Hvp.FORWARD, TraceFixture.Hvp.CENTRAL}) {
        List<TraceFixture.Step> fd = TraceFixture.run(p, kind);
        double params = TraceFixture.maxRelDiff(fd, exact);
        double lrDiff = 0;
        for (int t = 0; t < exact.size(); t++) {
          double e = exact.get(t).diagnostics().get("lr");
          lrDiff = Math.max(lrDiff, Math.abs(fd.get(t).diagnostics().get("lr") - e) / Math.abs(e));
        }
        System.out.printf(
            "MARTHE %s, %s FD-HVP vs exact, 40 steps, lr 0.1 -> %.4f: params %.1e, lr %.1e (max relative)%n",
            dyn, kind, lrEnd, params, lrDiff);
        assertTrue(
            params < 1e-6 && lrDiff < 1e-6,
            dyn + " " + kind + ": params " + params + ", lr " + lrDiff);
      }
    }
  }

  @Test
  void autoMuWithMinusOneJumpsToZeroOrOne() {
    List<TraceFixture.Step> run =
        TraceFixture.run(
            TraceFixture.problem(
                DataType.DOUBLE,
                3,
                marthe("dynamics", "sgd", "momentum", 0.0, "mu", -1.0, "hyper_lr", 1e-2)),
            TraceFixture.Hvp.EXACT);
    double mu = run.get(0).diagnostics().get("mu");
    assertTrue(mu == 0.0 || mu == 1.0, "mu after the first hyper-step: " + mu);
  }

  @Test
  void everyStepLogsItsDiagnostics() {
    for (TraceFixture.Step s :
        TraceFixture.run(
            TraceFixture.problem(DataType.FLOAT, 4, marthe("dynamics", "adam", "hyper_lr", 1e-4)),
            TraceFixture.Hvp.EXACT)) {
      assertEquals(
          java.util.Set.of("lr", "hypergradient", "hyper_lr", "mu"), s.diagnostics().keySet());
    }
  }

  @Test
  void failsFastNamingItselfWhenTheContextLacksAnOracle() {
    org.optimbench.optim.Optimizer opt =
        org.optimbench.optim.registry.OptimizerRegistry.create(Spec.of("rtho", "dynamics", "adam"));
    INDArray x = org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, 3);
    org.optimbench.optim.ModelView m =
        new org.optimbench.optim.ModelView(
            org.optimbench.optim.ParamLayout.single("x", 3), x, x.dup());
    org.optimbench.optim.OptimizerState s = opt.init(m);
    IllegalStateException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class,
            () ->
                opt.step(
                    m,
                    s,
                    org.optimbench.optim.StepContext.builder().validationGradient(w -> w).build()));
    assertTrue(e.getMessage().startsWith("rtho needs Hessian-vector products"), e.getMessage());
    e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class,
            () -> opt.step(m, s, org.optimbench.optim.StepContext.builder().hvp(v -> v).build()));
    assertTrue(e.getMessage().startsWith("rtho needs a validation gradient"), e.getMessage());
  }
}
