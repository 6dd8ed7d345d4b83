package org.optimbench.optim.hypergrad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.spec.SpecException;

/** Bad specs fail with the field named; defaults are the reference's. */
class HypergradSpecTest {
  private static void rejected(String field, String name, Object... kv) {
    SpecException e =
        assertThrows(SpecException.class, () -> OptimizerRegistry.create(Spec.of(name, kv)));
    assertEquals("optimizer.hparams." + field, e.field(), e.getMessage());
  }

  @Test
  void martheAndRthoRejectBadValues() {
    for (String name : new String[] {"marthe", "rtho"}) {
      rejected("lr", name, "lr", -0.1);
      rejected("hyper_lr", name, "hyper_lr", -1e-8);
      rejected("dynamics", name, "dynamics", "foo");
      rejected("grad_clipping", name, "grad_clipping", 0.0);
      rejected("grad_clipping", name, "grad_clipping", -1.0);
      rejected("alpha", name, "alpha", -1.0);
      rejected("momentum", name, "momentum", -0.9);
      rejected("weight_decay", name, "weight_decay", -1e-4);
      rejected("betas[1]", name, "dynamics", "adam", "betas", java.util.List.of(0.9, 1.0));
      rejected("eps", name, "dynamics", "adam", "eps", -1.0);
      rejected(
          "betas",
          name,
          "dynamics",
          "sgd",
          "betas",
          java.util.List.of(0.9, 0.99)); // not an SGD hyperparameter
      rejected("momentum", name, "dynamics", "adam", "momentum", 0.9); // not an Adam hyperparameter
    }
    rejected("mu", "marthe", "mu", 1.5);
    rejected("mu", "marthe", "mu", "inf");
    rejected("mu", "rtho", "mu", 0.5); // rtho has no mu
  }

  @Test
  void hdRejectsBadValues() {
    rejected("lr", "sgd_hd", "hypergrad_lr", 1e-3); // SGDHD's lr is required
    rejected("lr", "sgd_hd", "lr", -1.0);
    rejected("hypergrad_lr", "sgd_hd", "lr", 0.1, "hypergrad_lr", -1.0);
    rejected("nesterov", "sgd_hd", "lr", 0.1, "nesterov", true);
    rejected("lr", "adam_hd", "lr", -1.0);
    rejected("hypergrad_lr", "adam_hd", "hypergrad_lr", -1.0);
    rejected("betas[0]", "adam_hd", "betas", java.util.List.of(1.0, 0.999));
    rejected("mu", "adam_hd", "mu", 0.5);
  }

  @Test
  void defaultsAreTheReferences() {
    OptimizerRegistry.Resolved m = OptimizerRegistry.resolve(Spec.of("marthe"), "optimizer");
    assertEquals(
        new Marthe(
                "marthe",
                "sgd",
                0.01,
                1e-8,
                0.99999,
                1e-6,
                100,
                false,
                0.9,
                5e-4,
                new double[] {0.9, 0.999},
                1e-4)
            .toString()
            .replaceAll("\\[D@\\w+", ""),
        m.optimizer().toString().replaceAll("\\[D@\\w+", ""));
    assertTrue(
        m.spec()
            .hparams()
            .keySet()
            .containsAll(
                java.util.Set.of(
                    "dynamics",
                    "lr",
                    "hyper_lr",
                    "mu",
                    "alpha",
                    "grad_clipping",
                    "first_order",
                    "weight_decay",
                    "momentum")));
    Marthe adam = (Marthe) OptimizerRegistry.create(Spec.of("rtho", "dynamics", "adam"));
    assertEquals(1.0, adam.mu());
    assertEquals(1e-4, adam.eps());
    SgdHd s = (SgdHd) OptimizerRegistry.create(Spec.of("sgd_hd", "lr", 0.1));
    assertEquals(1e-6, s.hypergradLr());
    AdamHd a = (AdamHd) OptimizerRegistry.create(Spec.of("adam_hd"));
    assertEquals(1e-3, a.lr());
    assertEquals(1e-8, a.eps());
    assertEquals(1e-8, a.hypergradLr());
    Optimizer inf = OptimizerRegistry.create(Spec.of("marthe", "grad_clipping", "inf", "mu", -1.0));
    assertEquals(Double.POSITIVE_INFINITY, ((Marthe) inf).gradClipping());
  }
}
