package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.workload.Example;
import org.optimbench.jobs.workload.classifier.Classifier;

/**
 * Batches are a pure function of the step (resume and the data-parallel equivalence rely on it),
 * whatever order a worker draws them in, and every epoch visits each of the worker's rows once.
 */
class LocalDataTest {
  private static final int ROWS = 37; // not a multiple of the batch: batches straddle epochs

  private static LocalData data() {
    List<Example> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++)
      rows.add(new Example(1000 + 3L * i, i % 2, new int[] {0, 1}, new double[] {i, -i}, false));
    rows.add(new Example(5, 0, new int[] {0}, new double[] {1}, true));
    return new LocalData(
        rows, new Classifier(2, List.of(), 2, Activation.IDENTITY), DataType.DOUBLE, 9, 1);
  }

  private static long[] ids(LocalData d, long t, int batch) {
    try (Batch b = d.batchAt(t, batch)) {
      return b.ids();
    }
  }

  @Test
  void aStepDrawsTheSameBatchInAnyOrder() {
    int batch = 8;
    long[] order = {11, 0, 4, 11, 3, 4, 30, 2, 0};
    LocalData shared = data();
    for (long t : order) {
      assertArrayEquals(
          ids(data(), t, batch),
          ids(shared, t, batch),
          "step " + t + " drawn after other steps differs from a fresh draw");
    }
  }

  @Test
  void everyEpochVisitsEachRowOnceAndEpochsDiffer() {
    LocalData d = data();
    int batch = 8;
    long[] all = new long[ROWS * 3 + batch];
    for (int t = 0; t * batch < all.length; t++) {
      long[] ids = ids(d, t, batch);
      System.arraycopy(ids, 0, all, t * batch, Math.min(batch, all.length - t * batch));
    }
    long[] expected = new long[ROWS];
    for (int i = 0; i < ROWS; i++) expected[i] = 1000 + 3L * i;
    long[][] epochs = new long[3][];
    for (int e = 0; e < 3; e++) {
      epochs[e] = Arrays.copyOfRange(all, e * ROWS, (e + 1) * ROWS);
      long[] sorted = epochs[e].clone();
      Arrays.sort(sorted);
      assertArrayEquals(
          expected, sorted, "epoch " + e + " is not a permutation of the training rows");
    }
    assertEquals(false, Arrays.equals(epochs[0], epochs[1]), "epochs 0 and 1 have the same order");
  }
}
