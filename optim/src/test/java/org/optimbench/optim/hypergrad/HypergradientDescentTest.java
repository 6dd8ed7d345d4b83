package org.optimbench.optim.hypergrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.Segment;
import org.optimbench.optim.baseline.Sgd;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.trace.SoftmaxMlp;
import org.optimbench.optim.trace.TraceProblem;

/**
 * HD for SGD and Adam against hand computations of the reference's equations (plain Java loops over
 * doubles, written from adatune's hd_sgd.py / hd_adam.py, independent of the ND4J code under test).
 */
class HypergradientDescentTest {
  @Test
  void zeroHypergradLrIsTorchSgd() {
    Object[][] variants = {
      {0.0, 0.0, 0.0, false},
      {0.9, 0.0, 1e-2, false},
      {0.9, 0.0, 1e-2, true},
      {0.9, 0.3, 0.0, false}
    };
    for (Object[] v : variants) {
      double m = (double) v[0];
      double damp = (double) v[1];
      double wd = (double) v[2];
      boolean nest = (boolean) v[3];
      TraceProblem p =
          TraceFixture.problem(
              DataType.DOUBLE, 15, Spec.of("sgd_hd", "lr", 0.2, "hypergrad_lr", 0.0));
      List<TraceFixture.Step> a =
          TraceFixture.run(p, new SgdHd(0.2, m, damp, wd, nest, 0.0), TraceFixture.Hvp.NONE);
      List<TraceFixture.Step> b =
          TraceFixture.run(p, new Sgd(0.2, m, damp, wd, nest), TraceFixture.Hvp.NONE);
      for (int t = 0; t < a.size(); t++)
        assertArrayEquals(
            b.get(t).params(), a.get(t).params(), 0.0, java.util.Arrays.toString(v) + " step " + t);
    }
  }

  @Test
  void sgdHdFollowsTheHandComputation() {
    // eta_t = eta_{t-1} + beta g_t . g_{t-1} (g_{-1} = 0), then w -= eta_t g_t
    double beta = 0.05;
    TraceProblem p =
        TraceFixture.problem(
            DataType.DOUBLE, 12, Spec.of("sgd_hd", "lr", 0.2, "hypergrad_lr", beta));
    List<TraceFixture.Step> run = TraceFixture.run(p, TraceFixture.Hvp.NONE);
    SoftmaxMlp model = p.model();
    double[] w = p.initialParams().clone();
    double[] prev = new double[w.length];
    double eta = 0.2;
    for (int t = 0; t < run.size(); t++) {
      double[] g = grad(p, model, w, t);
      double h = 0;
      for (int i = 0; i < w.length; i++) h += g[i] * prev[i];
      eta += beta * h;
      for (int i = 0; i < w.length; i++) w[i] -= eta * g[i];
      prev = g;
      assertEquals(
          h,
          run.get(t).diagnostics().get("hypergradient"),
          1e-12 * Math.max(1, Math.abs(h)),
          "h at step " + t);
      assertEquals(eta, run.get(t).diagnostics().get("lr"), 1e-13, "lr at step " + t);
      assertArrayEquals(w, run.get(t).params(), 1e-12, "step " + t);
    }
    assertTrue(Math.abs(eta - 0.2) > 1e-3, "the learning rate moved: " + eta);
  }

  @Test
  void adamHdUpdatesTheRateSequentiallyPerTensorLikeTheReference() {
    double beta = 1e-2;
    TraceProblem p =
        TraceFixture.problem(
            DataType.DOUBLE,
            12,
            Spec.of("adam_hd", "lr", 0.01, "hypergrad_lr", beta, "weight_decay", 0.01));
    List<TraceFixture.Step> run = TraceFixture.run(p, TraceFixture.Hvp.NONE);
    double[][] sequential = adamHdByHand(p, beta, true);
    double[][] global = adamHdByHand(p, beta, false);
    double gap = 0;
    for (int t = 0; t < run.size(); t++) {
      assertArrayEquals(sequential[t], run.get(t).params(), 1e-12, "step " + t);
      for (int i = 0; i < global[t].length; i++)
        gap = Math.max(gap, Math.abs(global[t][i] - sequential[t][i]));
    }
    assertTrue(
        gap > 1e-8,
        "one global update per step would differ visibly ("
            + gap
            + "), so the test tells them apart");
  }

  /**
   * AdamHD by hand; {@code perTensor} false applies the summed hypergradient once per step instead.
   */
  private static double[][] adamHdByHand(TraceProblem p, double beta, boolean perTensor) {
    double b1 = 0.9;
    double b2 = 0.999;
    double eps = 1e-8;
    double wd = 0.01;
    SoftmaxMlp model = p.model();
    double[] w = p.initialParams().clone();
    double[] m = new double[w.length];
    double[] v = new double[w.length];
    double eta = 0.01;
    double[][] out = new double[p.batches().length][];
    for (int t = 0; t < out.length; t++) {
      int k = t + 1;
      double[] g = grad(p, model, w, t);
      for (int i = 0; i < w.length; i++) g[i] += wd * w[i];
      double[] hs = new double[model.layout().size()];
      for (int s = 0; s < hs.length; s++) {
        Segment seg = model.layout().segment(s);
        if (k > 1) {
          for (long i = seg.offset(); i < seg.end(); i++)
            hs[s] += g[(int) i] * m[(int) i] / (Math.sqrt(v[(int) i]) + eps);
          hs[s] *= Math.sqrt(1 - Math.pow(b2, k - 1)) / (1 - Math.pow(b1, k - 1));
        }
      }
      if (!perTensor) for (double h : hs) eta += beta * h;
      for (int s = 0; s < hs.length; s++) {
        Segment seg = model.layout().segment(s);
        if (perTensor) eta += beta * hs[s];
        double stepSize = eta * Math.sqrt(1 - Math.pow(b2, k)) / (1 - Math.pow(b1, k));
        for (long j = seg.offset(); j < seg.end(); j++) {
          int i = (int) j;
          m[i] = b1 * m[i] + (1 - b1) * g[i];
          v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
          w[i] -= stepSize * m[i] / (Math.sqrt(v[i]) + eps);
        }
      }
      out[t] = w.clone();
    }
    return out;
  }

  private static double[] grad(TraceProblem p, SoftmaxMlp model, double[] w, int t) {
    INDArray wa = org.nd4j.linalg.factory.Nd4j.createFromArray(w);
    return model
        .lossAndGrad(wa, p.rows(p.batches()[t]), p.labels(p.batches()[t]))
        .grad()
        .toDoubleVector();
  }
}
