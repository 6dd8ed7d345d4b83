package org.optimbench.jobs.workload.gpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GptConfigTest {
  private static void rejects(String field, Runnable make) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, make::run);
    assertTrue(e.getMessage().startsWith(field), "message names " + field + ": " + e.getMessage());
  }

  @Test
  void badShapesAreErrorsNamingTheField() {
    rejects("dModel (30) must be divisible by heads (4)", () -> new GptConfig(50, 8, 30, 4, 2));
    rejects("vocab", () -> new GptConfig(1, 8, 16, 2, 2));
    rejects("vocab", () -> new GptConfig(GptConfig.MAX_VOCAB + 1, 8, 16, 2, 2));
    rejects("seqLen", () -> new GptConfig(50, 0, 16, 2, 2));
    rejects("dModel", () -> new GptConfig(50, 8, -16, 2, 2));
    rejects("heads", () -> new GptConfig(50, 8, 16, 0, 2));
    rejects("layers", () -> new GptConfig(50, 8, 16, 2, 0));
    rejects("mlpRatio", () -> new GptConfig(50, 8, 16, 2, 2, 0, 0.02, 1e-5));
    rejects("initStd", () -> new GptConfig(50, 8, 16, 2, 2, 4, Double.NaN, 1e-5));
    rejects("layerNormEps", () -> new GptConfig(50, 8, 16, 2, 2, 4, 0.02, 0));
    rejects("parameter count", () -> new GptConfig(50257, 1024, 4096, 32, 32));
  }

  @Test
  void defaultsAreGpt2s() {
    GptConfig c = new GptConfig(50, 8, 16, 2, 2);
    assertEquals(4, c.mlpRatio());
    assertEquals(64, c.mlpWidth());
    assertEquals(8, c.headDim());
    assertEquals(0.02, c.initStd());
    assertEquals(1e-5, c.layerNormEps());
    assertEquals(0.01, c.residualInitStd(), 1e-15);
  }
}
