package org.optimbench.jobs.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The row-group plan: for many row-count layouts (zeros included), rank counts (more ranks than
 * rows included) and epochs, with and without shuffling, every row is read exactly once per epoch
 * across ranks, shares are floor(R/N) or one more and the same every epoch, plans are pure, and
 * shuffled epochs order row groups differently.
 */
class ShardPlanTest {

  /** Layouts: random row counts with zeros, a single group, all-empty groups, no groups. */
  private static List<long[]> layouts() {
    List<long[]> out = new ArrayList<>();
    Random r = new Random(3);
    for (int i = 0; i < 40; i++) {
      long[] g = new long[1 + r.nextInt(12)];
      for (int j = 0; j < g.length; j++) g[j] = r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(50);
      out.add(g);
    }
    out.add(new long[] {1});
    out.add(new long[] {7});
    out.add(new long[] {0, 0, 5, 0});
    out.add(new long[] {0, 0});
    out.add(new long[] {});
    return out;
  }

  @Test
  void everyRowIsReadExactlyOncePerEpochAcrossRanks() {
    for (long[] groups : layouts()) {
      long total = Arrays.stream(groups).sum();
      for (int ranks : new int[] {1, 2, 3, 5, 8, (int) total + 3}) {
        for (boolean shuffle : new boolean[] {false, true}) {
          for (long epoch = 0; epoch < 4; epoch++) {
            int[][] seen = new int[groups.length][];
            for (int g = 0; g < groups.length; g++) seen[g] = new int[(int) groups[g]];
            for (int rank = 0; rank < ranks; rank++) {
              List<ShardPlan.Range> share = ShardPlan.share(groups, 9, epoch, rank, ranks, shuffle);
              for (ShardPlan.Range r : share)
                for (long row = r.firstRow(); row < r.endRow(); row++)
                  seen[r.rowGroup()][(int) row]++;
            }
            for (int g = 0; g < groups.length; g++)
              for (int row = 0; row < groups[g]; row++)
                assertEquals(
                    1,
                    seen[g][row],
                    "row "
                        + row
                        + " of group "
                        + g
                        + " of "
                        + Arrays.toString(groups)
                        + ", ranks "
                        + ranks
                        + ", epoch "
                        + epoch
                        + ", shuffle "
                        + shuffle);
          }
        }
      }
    }
  }

  @Test
  void sharesDifferByAtMostOneRowAndKeepTheirSizeEveryEpoch() {
    for (long[] groups : layouts()) {
      long total = Arrays.stream(groups).sum();
      for (int ranks : new int[] {1, 2, 3, 7, (int) total + 2}) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        long sum = 0;
        for (int rank = 0; rank < ranks; rank++) {
          long size = ShardPlan.shareSize(total, rank, ranks);
          min = Math.min(min, size);
          max = Math.max(max, size);
          sum += size;
          assertTrue(size == total / ranks || size == total / ranks + 1, size + " rows");
          for (long epoch = 0; epoch < 5; epoch++)
            assertEquals(
                size,
                ShardPlan.rows(ShardPlan.share(groups, 1, epoch, rank, ranks, true)),
                "rank " + rank + " of " + ranks + ", epoch " + epoch);
        }
        assertTrue(max - min <= 1, "shares from " + min + " to " + max);
        assertEquals(total, sum);
      }
    }
  }

  @Test
  void shareBoundsAreTheFloorFormulaEvenForCriteoSizedSplits() {
    long rows = 4_373_472_329L; // Criteo 1TB's 24 days
    for (int ranks : new int[] {1, 3, 64, 1000, 65_537}) {
      for (int rank : new int[] {0, 1, ranks / 2, ranks - 1}) {
        long want =
            java.math.BigInteger.valueOf(rows)
                .multiply(java.math.BigInteger.valueOf(rank))
                .divide(java.math.BigInteger.valueOf(ranks))
                .longValueExact();
        assertEquals(want, ShardPlan.shareStart(rows, rank, ranks));
      }
      assertEquals(rows, ShardPlan.shareStart(rows, ranks, ranks));
    }
  }

  @Test
  void rangesAreNonEmptyAndFollowTheEpochOrderSoARowGroupCanBeSplitBetweenRanks() {
    long[] groups = {10, 10, 10};
    // 30 rows over 4 ranks: [0,7) [7,15) [15,22) [22,30) of the identity order
    assertEquals(
        List.of(new ShardPlan.Range(0, 7, 10), new ShardPlan.Range(1, 0, 5)),
        ShardPlan.share(groups, 0, 0, 1, 4, false));
    assertEquals(
        List.of(new ShardPlan.Range(1, 5, 10), new ShardPlan.Range(2, 0, 2)),
        ShardPlan.share(groups, 0, 0, 2, 4, false));
    long[] withZeros = {0, 4, 0, 0, 3};
    for (int rank = 0; rank < 3; rank++)
      for (ShardPlan.Range r : ShardPlan.share(withZeros, 5, 2, rank, 3, true))
        assertTrue(r.rows() > 0 && withZeros[r.rowGroup()] > 0, r.toString());
    // the ranges of a share follow that epoch's row-group order
    int[] order = ShardPlan.rowGroupOrder(20, 4, 3, true);
    long[] ones = new long[20];
    Arrays.fill(ones, 1);
    List<ShardPlan.Range> all = ShardPlan.share(ones, 4, 3, 0, 1, true);
    for (int i = 0; i < 20; i++) assertEquals(order[i], all.get(i).rowGroup());
  }

  @Test
  void plansArePureFunctionsAndShuffledEpochsOrderRowGroupsDifferently() {
    long[] groups = new long[50];
    Arrays.fill(groups, 3);
    assertEquals(
        ShardPlan.share(groups, 7, 4, 2, 5, true), ShardPlan.share(groups, 7, 4, 2, 5, true));
    Set<List<Integer>> orders = new HashSet<>();
    for (long epoch = 0; epoch < 20; epoch++) {
      int[] o = ShardPlan.rowGroupOrder(50, 7, epoch, true);
      assertArrayEquals(o, ShardPlan.rowGroupOrder(50, 7, epoch, true));
      int[] sorted = o.clone();
      Arrays.sort(sorted);
      assertArrayEquals(ShardPlan.identity(50), sorted, "a permutation");
      orders.add(Arrays.stream(o).boxed().toList());
    }
    assertEquals(20, orders.size(), "20 epochs, 20 different orders");
    assertFalse(Arrays.equals(ShardPlan.identity(50), ShardPlan.rowGroupOrder(50, 7, 0, true)));
    assertNotEquals(
        Arrays.stream(ShardPlan.rowGroupOrder(50, 7, 0, true)).boxed().toList(),
        Arrays.stream(ShardPlan.rowGroupOrder(50, 8, 0, true)).boxed().toList(),
        "the seed changes the order");
    for (long epoch = 0; epoch < 3; epoch++)
      assertArrayEquals(ShardPlan.identity(50), ShardPlan.rowGroupOrder(50, 7, epoch, false));
  }

  @Test
  void permutationsAreUniformEnough() {
    // position of element 0 over many seeds: each of 8 positions about 1/8 of the time
    int[] counts = new int[8];
    for (long seed = 0; seed < 8000; seed++) {
      int[] p = ShardPlan.permutation(8, seed);
      for (int i = 0; i < 8; i++) if (p[i] == 0) counts[i]++;
    }
    for (int c : counts) assertTrue(c > 850 && c < 1150, Arrays.toString(counts));
  }

  @Test
  void subRangesCutASequenceOfRanges() {
    List<ShardPlan.Range> share =
        List.of(
            new ShardPlan.Range(3, 5, 10),
            new ShardPlan.Range(0, 0, 4),
            new ShardPlan.Range(2, 1, 3));
    assertEquals(
        List.of(
            new ShardPlan.Range(3, 8, 10),
            new ShardPlan.Range(0, 0, 4),
            new ShardPlan.Range(2, 1, 2)),
        ShardPlan.subRanges(share, 3, 10));
    assertEquals(List.of(), ShardPlan.subRanges(share, 4, 4));
    assertThrows(IllegalArgumentException.class, () -> ShardPlan.subRanges(share, 0, 12));
  }
}
