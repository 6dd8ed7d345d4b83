package org.optimbench.jobs.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The pure core of the Spark AUC: per-score counts folded in pieces equal the exact AUC of the
 * rows.
 */
class AucCountsTest {
  @Test
  void piecesAtAnyBoundariesCombineToTheExactAucOfTheRows() {
    Random r = new Random(3);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + r.nextInt(300);
      int distinct = 1 + r.nextInt(trial % 2 == 0 ? 5 : 80);
      double[] s = new double[n];
      double[] y = new double[n];
      TreeMap<Double, long[]> byScore = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        s[i] = r.nextInt(distinct) / 8.0 - 1;
        y[i] = r.nextDouble() < 0.2 ? 1 : 0;
        long[] c = byScore.computeIfAbsent(s[i], k -> new long[2]);
        c[(int) y[i]]++;
      }
      List<AucCounts.Group> groups = new ArrayList<>();
      byScore.forEach((score, c) -> groups.add(new AucCounts.Group(score, c[1], c[0])));
      // cut the sorted groups into pieces (some empty), as a range-partitioned sort would
      List<AucCounts.Piece> pieces = new ArrayList<>();
      int from = 0;
      while (from <= groups.size()) {
        int to = Math.min(groups.size(), from + r.nextInt(4));
        pieces.add(AucCounts.piece(groups.subList(from, to).iterator()));
        if (to == groups.size()) break;
        from = to;
      }
      AucCounts.Piece all = AucCounts.combine(pieces);
      double expected = Metrics.exactAuc(s, y);
      assertEquals(
          Double.doubleToRawLongBits(expected),
          Double.doubleToRawLongBits(all.auc()),
          "trial " + trial + ": " + all + " vs " + expected);
      assertEquals(n, all.positives() + all.negatives());
    }
  }

  @Test
  void equalNeighboursMergeAndMinusZeroTiesWithZero() {
    AucCounts.Piece split =
        AucCounts.piece(
            List.of(
                    new AucCounts.Group(-0.0, 1, 1),
                    new AucCounts.Group(0.0, 1, 0),
                    new AucCounts.Group(1, 0, 1))
                .iterator());
    assertEquals(
        Metrics.exactAuc(new double[] {-0.0, -0.0, 0.0, 1}, new double[] {1, 0, 1, 0}),
        split.auc(),
        0.0);
    assertEquals(new AucCounts.Piece(2, 2, 2), split);
    assertTrue(
        Double.isNaN(
            AucCounts.combine(List.of(AucCounts.Piece.EMPTY, new AucCounts.Piece(3, 0, 0))).auc()));
  }

  @Test
  void badInputIsAnErrorNamingIt() {
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> AucCounts.piece(List.of(new AucCounts.Group(Double.NaN, 1, 0)).iterator()))
            .getMessage()
            .startsWith("score NaN"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    AucCounts.piece(
                        List.of(new AucCounts.Group(2, 1, 0), new AucCounts.Group(1, 0, 1))
                            .iterator()))
            .getMessage()
            .contains("ascending"));
    // twice the pair count beyond a long: an overflow, not a wrong AUC
    assertThrows(
        ArithmeticException.class,
        () ->
            AucCounts.combine(
                List.of(new AucCounts.Piece(0, 1L << 40, 0), new AucCounts.Piece(1L << 40, 0, 0))));
  }
}
