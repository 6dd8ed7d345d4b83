package org.optimbench.jobs.workload.gpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class GptBatchTest {
  private static final GptConfig C = new GptConfig(50, 4, 8, 2, 1);

  @Test
  void featuresAreTheBlockAndLabelsTheBlockShiftedByOne() {
    GptBatch b =
        GptBatch.of(
            List.of(new int[] {1, 2, 3, 4, 5}, new int[] {49, 0, 7, 7, 8}), C, DataType.FLOAT);
    assertEquals(DataType.FLOAT, b.features().dataType());
    assertArrayEquals(new long[] {2, 4}, b.features().shape());
    assertArrayEquals(
        new double[] {1, 2, 3, 4, 49, 0, 7, 7}, b.features().ravel().toDoubleVector(), 0.0);
    assertArrayEquals(
        new double[] {2, 3, 4, 5, 0, 7, 7, 8}, b.labels().ravel().toDoubleVector(), 0.0);
    assertEquals(8, b.tokens());
    assertEquals(2, b.batchSize());
    assertEquals(
        DataType.DOUBLE,
        GptBatch.of(List.of(new int[] {1, 2, 3, 4, 5}), C, DataType.DOUBLE).labels().dataType());
  }

  @Test
  void malformedBlocksAreErrorsNamingTheBlockAndPosition() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                GptBatch.of(
                    List.of(new int[] {1, 2, 3, 4, 5}, new int[] {1, 2, 3, 4}), C, DataType.FLOAT));
    assertEquals("block 1 has 4 tokens, expected seqLen + 1 = 5", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> GptBatch.of(List.of(new int[] {1, 2, 50, 4, 5}), C, DataType.FLOAT));
    assertEquals("block 0, position 2: token 50 outside [0, vocab = 50)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> GptBatch.of(List.of(), C, DataType.FLOAT));
  }

  @Test
  void perplexityIsExpOfTheMeanTokenCrossEntropy() {
    assertEquals(
        50257,
        GptBatch.perplexity(Math.log(50257)),
        1e-8,
        "a uniform predictor's perplexity is the vocabulary size");
    assertEquals(1.0, GptBatch.perplexity(0.0));
    assertThrows(IllegalArgumentException.class, () -> GptBatch.perplexity(Double.NaN));
  }
}
