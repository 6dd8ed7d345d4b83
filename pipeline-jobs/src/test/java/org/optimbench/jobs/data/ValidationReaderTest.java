package org.optimbench.jobs.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.optimbench.jobs.data.TestSplits.assertRowsMatchIds;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.prep.common.StableHash;

/**
 * Validation passes: each rank reads its slice of the split in file order, in chunks of at most C
 * rows, every pass the same; the ranks together read every row once; an id filter keeps exactly the
 * rows it accepts and never yields an empty chunk.
 */
class ValidationReaderTest {
  @TempDir static Path tmp;
  static final Configuration CONF = new Configuration();
  static SplitIndex index;

  @BeforeAll
  static void setUp() throws Exception {
    TestSplits.write(tmp.resolve("split"), "valid", 333, 0, 500, 180);
    index = SplitIndex.load(tmp.resolve("split").toString(), "valid", CONF);
  }

  static List<Long> pass(ValidationReader v, int chunkRows) {
    List<Long> ids = new ArrayList<>();
    try (ValidationReader.Pass p = v.open()) {
      while (p.hasNext()) {
        RowChunk c = p.next();
        assertTrue(c.size() > 0 && c.size() <= chunkRows, c.size() + " rows");
        assertRowsMatchIds(c);
        for (long id : c.ids()) ids.add(id);
      }
    }
    return ids;
  }

  @Test
  void ranksReadTheirSlicesInFileOrderAndTogetherEveryRowOnce() {
    int ranks = 3;
    List<Long> all = new ArrayList<>();
    for (int rank = 0; rank < ranks; rank++) {
      ValidationReader v =
          new ValidationReader(index, ChunkSchema.libsvm(), rank, ranks, 64, null, CONF);
      long from = ShardPlan.shareStart(1013, rank, ranks);
      long to = ShardPlan.shareStart(1013, rank + 1, ranks);
      assertEquals(to - from, v.rows());
      List<Long> first = pass(v, 64);
      List<Long> want = new ArrayList<>();
      for (long i = from; i < to; i++) want.add(7 * i + 3);
      assertEquals(want, first);
      assertEquals(first, pass(v, 64), "a second pass reads the same rows");
      all.addAll(first);
    }
    assertEquals(1013, all.size());
    for (int i = 0; i < all.size(); i++) assertEquals(7L * i + 3, all.get(i));
  }

  @Test
  void anIdFilterKeepsExactlyTheRowsItAccepts() {
    LongPredicate keep = id -> StableHash.unit(StableHash.hash(42, id)) < 0.3;
    ValidationReader v = new ValidationReader(index, ChunkSchema.libsvm(), 1, 2, 10, keep, CONF);
    List<Long> want = new ArrayList<>();
    for (long i = ShardPlan.shareStart(1013, 1, 2); i < 1013; i++)
      if (keep.test(7 * i + 3)) want.add(7 * i + 3);
    assertTrue(want.size() > 100 && want.size() < 200, want.size() + " kept");
    assertEquals(want, pass(v, 10));
    ValidationReader none =
        new ValidationReader(index, ChunkSchema.libsvm(), 0, 2, 10, id -> false, CONF);
    try (ValidationReader.Pass p = none.open()) {
      assertFalse(p.hasNext());
    }
  }

  @Test
  void aPassClosedEarlyLeavesTheNextPassWhole() {
    ValidationReader v = new ValidationReader(index, ChunkSchema.libsvm(), 0, 1, 100, null, CONF);
    try (ValidationReader.Pass p = v.open()) {
      assertArrayEquals(new long[] {3, 10, 17}, java.util.Arrays.copyOf(p.next().ids(), 3));
    }
    assertEquals(1013, pass(v, 100).size());
  }
}
