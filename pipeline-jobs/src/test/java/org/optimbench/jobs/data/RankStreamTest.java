package org.optimbench.jobs.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.optimbench.jobs.data.TestSplits.assertRowsMatchIds;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rank's stream over a split of 2001 rows in four files (one empty) of row groups of about a
 * hundred rows, with windows of 50 rows: every row once per epoch per rank, windows shuffling their
 * own rows only, rows a pure function of the position (in order, from the middle, in random order,
 * with and without prefetch), resuming reading only the windows asked for, at most prefetch + 1
 * windows decoded at any time, close stopping the thread, and a missing or corrupt file surfacing
 * from the prefetch thread on the consumer's next call with the file named.
 */
class RankStreamTest {
  @TempDir static Path tmp;
  static final Configuration CONF = new Configuration();
  static SplitIndex index;
  static final int W = 50;
  static final int BATCH = 64;
  final List<RankStream> opened = new ArrayList<>();

  @BeforeAll
  static void setUp() throws Exception {
    TestSplits.write(tmp.resolve("split"), "train", 700, 0, 900, 401);
    index = SplitIndex.load(tmp.resolve("split").toString(), "train", CONF);
    assertTrue(index.rowGroupCount() >= 10, index.rowGroupCount() + " row groups");
  }

  @AfterEach
  void closeAll() {
    for (RankStream s : opened) s.close();
    opened.clear();
  }

  static RankStream.Options options(int prefetch) {
    return new RankStream.Options(11, true, W, prefetch, BATCH);
  }

  RankStream open(SplitIndex idx, int rank, int ranks, RankStream.Options o) {
    RankStream s = new RankStream(idx, ChunkSchema.libsvm(), rank, ranks, o, CONF);
    opened.add(s);
    return s;
  }

  /** The ids of a rank's share of an epoch, in share order (before window shuffling). */
  static long[] shareIds(long epoch, int rank, int ranks, boolean shuffle) {
    List<ShardPlan.Range> share =
        ShardPlan.share(index.rowGroupRows(), 11, epoch, rank, ranks, shuffle);
    long[] ids = new long[(int) ShardPlan.rows(share)];
    int k = 0;
    for (ShardPlan.Range r : share)
      for (long row = r.firstRow(); row < r.endRow(); row++)
        ids[k++] = 7 * (index.firstRow(r.rowGroup()) + row) + 3;
    return ids;
  }

  /** Ids of positions [from, to), read in batches that straddle windows and epochs. */
  static long[] ids(RankStream s, long from, long to) {
    long[] out = new long[(int) (to - from)];
    for (long p = from; p < to; p += BATCH) {
      int n = (int) Math.min(BATCH, to - p);
      RowChunk c = s.rows(p, n);
      assertEquals(n, c.size());
      assertRowsMatchIds(c);
      // the same rows referenced where they lie, as workloads that skip the copy read them
      assertTrue(s.refs(p, n).gather().sameRows(c), "refs at " + p);
      System.arraycopy(c.ids(), 0, out, (int) (p - from), n);
    }
    return out;
  }

  static long[] sorted(long[] a) {
    long[] s = a.clone();
    Arrays.sort(s);
    return s;
  }

  @Test
  void everyRowOncePerEpochPerRankAndOnceAcrossRanks() {
    int ranks = 3;
    for (long epoch = 0; epoch < 3; epoch++) {
      List<Long> all = new ArrayList<>();
      for (int rank = 0; rank < ranks; rank++) {
        RankStream s = open(index, rank, ranks, options(1));
        long size = s.shareSize();
        assertEquals(ShardPlan.shareSize(2001, rank, ranks), size);
        long[] got = ids(s, epoch * size, (epoch + 1) * size);
        assertArrayEquals(sorted(shareIds(epoch, rank, ranks, true)), sorted(got));
        for (long id : got) all.add(id);
      }
      Collections.sort(all);
      for (int i = 0; i < 2001; i++) assertEquals(7L * i + 3, all.get(i), "epoch " + epoch);
    }
  }

  @Test
  void windowsShuffleTheirOwnRowsAndOnlyThoseAndNothingWithoutShuffle() {
    RankStream s = open(index, 0, 1, options(1));
    assertEquals(W, s.windowRows());
    int reordered = 0;
    long[] previous = null;
    for (long epoch = 0; epoch < 2; epoch++) {
      long[] share = shareIds(epoch, 0, 1, true);
      long[] got = ids(s, epoch * 2001, (epoch + 1) * 2001);
      for (int w = 0; w * W < 2001; w++) {
        int from = w * W;
        int to = Math.min(2001, from + W);
        long[] want = Arrays.copyOfRange(share, from, to);
        long[] have = Arrays.copyOfRange(got, from, to);
        assertArrayEquals(sorted(want), sorted(have), "window " + w + " of epoch " + epoch);
        if (!Arrays.equals(want, have)) reordered++;
      }
      if (previous != null) assertFalse(Arrays.equals(previous, got), "epochs differ");
      previous = got;
    }
    assertTrue(reordered >= 78, reordered + " of 82 windows permuted");

    RankStream plain = open(index, 1, 2, options(1).withShuffle(false));
    long size = plain.shareSize();
    for (long epoch = 0; epoch < 2; epoch++) {
      long[] want = new long[(int) size];
      for (int i = 0; i < size; i++) want[i] = 7 * (ShardPlan.shareStart(2001, 1, 2) + i) + 3;
      assertArrayEquals(want, ids(plain, epoch * size, (epoch + 1) * size), "file order");
    }
  }

  @Test
  void rowsAreAPureFunctionOfThePosition() {
    int ranks = 2;
    int rank = 1;
    RankStream inOrder = open(index, rank, ranks, options(1));
    long end = 3 * inOrder.shareSize() + 17;
    List<RowChunk> reference = new ArrayList<>();
    for (long p = 0; p < end; p += BATCH) reference.add(inOrder.rows(p, BATCH));

    // from the middle of a window of the second epoch, without prefetch
    RankStream resumed = open(index, rank, ranks, options(0));
    int k0 = (int) ((inOrder.shareSize() + 7 * W + 13) / BATCH);
    for (int k = k0; k < reference.size(); k++)
      assertTrue(reference.get(k).sameRows(resumed.rows((long) k * BATCH, BATCH)), "batch " + k);

    // in random order, with more prefetch
    RankStream random = open(index, rank, ranks, options(3));
    List<Integer> order = new ArrayList<>();
    for (int k = 0; k < reference.size(); k++) order.add(k);
    Collections.shuffle(order, new Random(2));
    for (int k : order)
      assertTrue(reference.get(k).sameRows(random.rows((long) k * BATCH, BATCH)), "batch " + k);

    // single rows, and a request straddling an epoch boundary
    RankStream single = open(index, rank, ranks, options(1));
    Random r = new Random(3);
    for (int i = 0; i < 50; i++) {
      long p = r.nextInt((int) end - BATCH);
      long id = single.rows(p, 1).id(0);
      assertEquals(reference.get((int) (p / BATCH)).id((int) (p % BATCH)), id, "row " + p);
    }
    long boundary = inOrder.shareSize() * 2 - 5;
    RowChunk across = single.rows(boundary, 20);
    RowChunk again = open(index, rank, ranks, options(0)).rows(boundary, 20);
    assertTrue(across.sameRows(again));
    assertRowsMatchIds(across);

    // another seed, another stream
    RankStream other = open(index, rank, ranks, new RankStream.Options(12, true, W, 1, BATCH));
    assertFalse(other.rows(0, BATCH).sameRows(reference.get(0)));
  }

  @Test
  void resumingDecodesOnlyTheWindowsOfTheRowsAsked() {
    RankStream s = open(index, 0, 1, options(0));
    long p = 2 * 2001 + 7 * W + 3; // epoch 2, window 7
    s.rows(p, 10);
    assertEquals(1, s.windowsDecoded());
    assertTrue(
        s.rowsSkipped() < 4096,
        "decoded and dropped only inside the window's first row group: " + s.rowsSkipped());
    s.rows(p + 10, W); // the rest of window 7 and the start of window 8
    assertEquals(2, s.windowsDecoded());
    assertEquals(1, s.maxLiveWindows());
    assertFalse(s.prefetching(), "no thread without prefetch");
  }

  @Test
  void atMostPrefetchPlusOneWindowsAreDecodedAtAnyTime() throws Exception {
    for (int prefetch : new int[] {1, 2, 4}) {
      RankStream s = open(index, 0, 1, options(prefetch));
      long size = s.shareSize();
      for (long p = 0; p < 2 * size; p += 25) {
        s.rows(p, 25);
        Thread.sleep(1); // a consumer slower than decoding: the prefetcher runs ahead
      }
      assertTrue(
          s.maxLiveWindows() <= prefetch + 1, "prefetch " + prefetch + ": " + s.maxLiveWindows());
      assertTrue(s.maxLiveWindows() >= 2, "windows were decoded ahead: " + s.maxLiveWindows());
      // random jumps keep the bound
      Random r = new Random(prefetch);
      for (int i = 0; i < 40; i++) s.rows(r.nextInt((int) (5 * size)), 25);
      assertTrue(s.maxLiveWindows() <= prefetch + 1, "after jumps: " + s.maxLiveWindows());
    }
  }

  @Test
  void aConsumerSlowerThanDecodingWaitsOnlyForTheFirstWindow() throws Exception {
    RankStream s = open(index, 0, 1, options(1));
    for (long p = 0; p < 12 * W; p += 25) {
      s.rows(p, 25);
      Thread.sleep(20); // 40 ms of "training" per window of 50 rows
    }
    assertTrue(s.waits() <= 2, s.waits() + " waits over 12 windows");
    RankStream none = open(index, 0, 1, options(0));
    for (long p = 0; p < 12 * W; p += 25) none.rows(p, 25);
    assertEquals(12, none.waits(), "without prefetch every window is decoded on demand");
  }

  @Test
  void closeStopsThePrefetchThread() {
    RankStream s = open(index, 0, 1, options(2));
    s.rows(0, BATCH);
    assertTrue(s.prefetching());
    s.close();
    assertFalse(s.prefetching());
    assertThrows(IllegalStateException.class, () -> s.rows(0, 1));
    s.close();
    closeAll();
    for (Thread t : Thread.getAllStackTraces().keySet())
      assertFalse(t.getName().startsWith("optimbench-rank-stream"), "left running: " + t);
  }

  @Test
  void aMissingOrCorruptFileSurfacesOnTheConsumersNextCallNamingTheFile() throws Exception {
    for (String damage : new String[] {"missing", "corrupt"}) {
      for (int prefetch : new int[] {0, 1}) {
        Path dir = tmp.resolve(damage + "-" + prefetch);
        TestSplits.write(dir, "train", 300, 300, 300);
        SplitIndex idx = SplitIndex.load(dir.toString(), "train", CONF);
        Path third = Path.of(new java.net.URI(idx.file(2)));
        Files.delete(third.resolveSibling("." + third.getFileName() + ".crc"));
        if (damage.equals("missing")) Files.delete(third);
        else Files.write(third, new byte[(int) Files.size(third)]);
        RankStream s = open(idx, 0, 1, options(prefetch).withShuffle(false));
        long p = 0;
        DataReadException e = null;
        while (e == null && p < 1000) {
          try {
            assertRowsMatchIds(s.rows(p, 25));
            p += 25;
          } catch (DataReadException x) {
            e = x;
          }
        }
        assertTrue(e != null, damage + " file read without error");
        assertEquals(600, p, "every row before the damaged file is read");
        assertTrue(e.getMessage().contains(idx.file(2)), e.getMessage());
        assertTrue(e.getMessage().contains("cannot open"), e.getMessage());
        DataReadException again = assertThrows(DataReadException.class, () -> s.rows(0, 1));
        assertEquals(e.getMessage(), again.getMessage(), "the failure sticks");
      }
    }
  }

  @Test
  void moreRanksThanRowsAndOversizedRequestsAreRefused() throws Exception {
    TestSplits.write(tmp.resolve("tiny"), "train", 3);
    SplitIndex tiny = SplitIndex.load(tmp.resolve("tiny").toString(), "train", CONF);
    DataReadException e = assertThrows(DataReadException.class, () -> open(tiny, 0, 5, options(1)));
    assertTrue(
        e.getMessage().contains("rank 0 of 5 gets no rows; use at most 3 ranks"), e.getMessage());
    RankStream last = open(tiny, 4, 5, options(1));
    assertEquals(1, last.shareSize());
    assertEquals(last.rows(0, 1).id(0), last.rows(1, 1).id(0), "one row, every epoch");
    RankStream s = open(index, 0, 1, options(1));
    assertThrows(IllegalArgumentException.class, () -> s.rows(0, BATCH + 1));
    assertThrows(IllegalArgumentException.class, () -> s.rows(-1, 1));
    assertEquals(0, s.rows(5, 0).size());
    assertNotEquals(0, s.rows(5, 1).size());
  }
}
