package org.optimbench.jobs.data;

import java.util.ArrayList;
import java.util.List;
import org.optimbench.prep.common.StableHash;

/**
 * Which rows each rank reads in an epoch: pure functions of the row groups' row counts, the seed,
 * the epoch, the rank and the number of ranks, so that every rank computes the same plan without
 * talking to the others, and a resumed run the same plan as an uninterrupted one.
 *
 * <p>An epoch orders the row groups (a seeded permutation of (seed, epoch) when shuffling, file
 * order otherwise) and concatenates them into one sequence of R rows. Rank r of N gets the
 * contiguous slice {@code [floor(r R / N), floor((r + 1) R / N))} of that sequence: every row
 * belongs to exactly one rank, the slices differ in size by at most one row, and a rank's slice has
 * the same size every epoch (only its rows change). A row group can straddle two slices; each rank
 * then reads only its own rows of it.
 *
 * <p>The permutations come from splitmix64 ({@link StableHash}), not from {@code java.util.Random}
 * or the JDK's other generators, so that they never change between JVMs; changing them changes
 * every run's data order.
 */
public final class ShardPlan {
  private ShardPlan() {}

  /** Rows {@code [firstRow, endRow)} of row group {@code rowGroup} (its index in a SplitIndex). */
  public record Range(int rowGroup, long firstRow, long endRow) {
    public Range {
      if (rowGroup < 0 || firstRow < 0 || endRow <= firstRow)
        throw new IllegalArgumentException(
            "bad range: row group " + rowGroup + ", rows [" + firstRow + ", " + endRow + ")");
    }

    public long rows() {
      return endRow - firstRow;
    }
  }

  /** Salts keeping the row-group order and the window permutations independent streams. */
  private static final long GROUP_ORDER = 0x67726f75705f6f72L; // "group_or"

  private static final long WINDOW = 0x77696e646f775f70L; // "window_p"

  /**
   * The epoch's order of {@code rowGroups} row groups: a permutation seeded by (seed, epoch) when
   * shuffling, the identity otherwise. The same on every rank.
   */
  public static int[] rowGroupOrder(int rowGroups, long seed, long epoch, boolean shuffle) {
    if (!shuffle) return identity(rowGroups);
    return permutation(rowGroups, StableHash.hash(StableHash.hash(seed, GROUP_ORDER), epoch));
  }

  /** The seed of window {@code window} of {@code rank} in {@code epoch} (RankStream's shuffle). */
  public static long windowSeed(long seed, int rank, long epoch, long window) {
    long h = StableHash.hash(seed, WINDOW);
    h = StableHash.hash(h, rank);
    h = StableHash.hash(h, epoch);
    return StableHash.hash(h, window);
  }

  /**
   * First row of rank {@code rank}'s slice of {@code totalRows} rows: floor(rank R / ranks). {@code
   * rank == ranks} gives R, the end of the last slice.
   */
  public static long shareStart(long totalRows, int rank, int ranks) {
    checkRank(rank, ranks);
    if (totalRows < 0) throw new IllegalArgumentException("negative row count " + totalRows);
    // exact for R up to 2^63 / ranks (Criteo 1TB: 4.4e9 rows, so millions of ranks)
    return Math.floorDiv(Math.multiplyExact(totalRows, (long) rank), ranks);
  }

  /**
   * Rows in rank {@code rank}'s slice: floor(R/N) or floor(R/N) + 1, the same every epoch, and
   * summing to R over the ranks.
   */
  public static long shareSize(long totalRows, int rank, int ranks) {
    return shareStart(totalRows, rank + 1, ranks) - shareStart(totalRows, rank, ranks);
  }

  /**
   * Rank {@code rank}'s rows of the epoch, in reading order, as ranges of row groups. {@code
   * rowGroupRows[g]} is the row count of row group g (zeros allowed).
   */
  public static List<Range> share(
      long[] rowGroupRows, long seed, long epoch, int rank, int ranks, boolean shuffle) {
    long total = 0;
    for (long r : rowGroupRows) total += r;
    int[] order = rowGroupOrder(rowGroupRows.length, seed, epoch, shuffle);
    return slice(
        rowGroupRows, order, shareStart(total, rank, ranks), shareStart(total, rank + 1, ranks));
  }

  /**
   * Rows {@code [from, to)} of the sequence made by concatenating the row groups in {@code order},
   * as ranges in that sequence's order.
   */
  public static List<Range> slice(long[] rowGroupRows, int[] order, long from, long to) {
    if (from < 0 || to < from)
      throw new IllegalArgumentException("bad slice [" + from + ", " + to + ")");
    List<Range> out = new ArrayList<>();
    long at = 0; // sequence position of the current group's first row
    for (int i = 0; i < order.length && at < to; i++) {
      int g = order[i];
      long rows = rowGroupRows[g];
      long lo = Math.max(from, at);
      long hi = Math.min(to, at + rows);
      if (lo < hi) out.add(new Range(g, lo - at, hi - at));
      at += rows;
    }
    if (at < to)
      throw new IllegalArgumentException(
          "slice [" + from + ", " + to + ") past the " + at + " rows of the row groups");
    return out;
  }

  /**
   * Rows {@code [from, to)} of the sequence that {@code ranges} make one after another: a window of
   * a rank's share.
   */
  public static List<Range> subRanges(List<Range> ranges, long from, long to) {
    if (from < 0 || to < from)
      throw new IllegalArgumentException("bad slice [" + from + ", " + to + ")");
    List<Range> out = new ArrayList<>();
    long at = 0;
    for (Range r : ranges) {
      if (at >= to) break;
      long lo = Math.max(from, at);
      long hi = Math.min(to, at + r.rows());
      if (lo < hi) out.add(new Range(r.rowGroup(), r.firstRow() + lo - at, r.firstRow() + hi - at));
      at += r.rows();
    }
    if (at < to)
      throw new IllegalArgumentException(
          "slice [" + from + ", " + to + ") past the " + at + " rows of the ranges");
    return out;
  }

  /** Total rows of {@code ranges}. */
  public static long rows(List<Range> ranges) {
    long n = 0;
    for (Range r : ranges) n += r.rows();
    return n;
  }

  /** 0 .. n-1. */
  public static int[] identity(int n) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    return p;
  }

  /**
   * A uniformly random permutation of 0 .. n-1 (Fisher-Yates) driven by splitmix64 from {@code
   * seed}: the same for the same (n, seed) on every JVM.
   */
  public static int[] permutation(int n, long seed) {
    int[] p = identity(n);
    long state = seed;
    for (int i = n - 1; i > 0; i--) {
      state += 0x9e3779b97f4a7c15L;
      int j = below(StableHash.mix64(state), i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /**
   * floor(u * bound / 2^63) for the top 63 bits u of {@code random}: uniform in [0, bound) up to a
   * bias of bound / 2^63, without the division of a modulo.
   */
  static int below(long random, int bound) {
    long u = random >>> 1;
    long hi = Math.multiplyHigh(u, bound);
    long lo = u * bound;
    return (int) ((hi << 1) | (lo >>> 63));
  }

  private static void checkRank(int rank, int ranks) {
    if (ranks < 1 || rank < 0 || rank > ranks)
      throw new IllegalArgumentException("rank " + rank + " of " + ranks + " ranks");
  }
}
