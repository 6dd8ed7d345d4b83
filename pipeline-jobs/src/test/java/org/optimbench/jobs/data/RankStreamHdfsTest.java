package org.optimbench.jobs.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.optimbench.jobs.data.TestSplits.assertRowsMatchIds;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.fs.MiniHdfs;

/**
 * A split on a real HDFS read by URI (docs/DATA.md, "Reading from HDFS and S3"): the listing, each
 * rank's shuffled stream with its prefetch thread, and the validation slices give the rows they
 * give for the same files on the local file system, the stream's rows a pure function of the
 * position on both.
 */
class RankStreamHdfsTest {
  @TempDir static Path base;
  static MiniHdfs hdfs;
  static SplitIndex local;
  static SplitIndex remote;
  static final Configuration LOCAL = new Configuration();

  @BeforeAll
  static void start() throws IOException {
    Path dir = base.resolve("split");
    TestSplits.write(dir, "train", 300, 0, 450, 251);
    TestSplits.write(dir.resolve("v"), "valid", 333);
    hdfs = MiniHdfs.start(base.resolve("hdfs"));
    org.apache.hadoop.fs.Path to = new org.apache.hadoop.fs.Path(hdfs.uri("/prep"));
    hdfs.fs().copyFromLocalFile(new org.apache.hadoop.fs.Path(dir.toUri()), to);
    local = SplitIndex.load(dir.toString(), "train", LOCAL);
    remote = SplitIndex.load(hdfs.uri("/prep"), "train", hdfs.conf());
  }

  @AfterAll
  static void stop() {
    if (hdfs != null) hdfs.close();
  }

  @Test
  void theListingIsTheLocalOnes() {
    assertEquals(1001, remote.rows());
    assertTrue(remote.rowGroupCount() >= 4, remote.rowGroupCount() + " row groups");
    assertArrayEquals(local.rowGroupRows(), remote.rowGroupRows());
    assertTrue(remote.file(0).startsWith("hdfs://"), remote.file(0));
  }

  @Test
  void eachRankStreamsTheRowsItDoesLocally() {
    RankStream.Options o = new RankStream.Options(5, true, 40, 1, 64);
    for (int rank = 0; rank < 2; rank++) {
      try (RankStream h = new RankStream(remote, ChunkSchema.libsvm(), rank, 2, o, hdfs.conf());
          RankStream l = new RankStream(local, ChunkSchema.libsvm(), rank, 2, o, LOCAL)) {
        long end = 2 * h.shareSize() + 17; // into the third epoch
        long[] fromHdfs = ids(h, 0, end);
        assertArrayEquals(ids(l, 0, end), fromHdfs, "rank " + rank);
        // a jump back (a resume) reads the same rows again
        assertArrayEquals(Arrays.copyOfRange(fromHdfs, 100, 260), ids(h, 100, 260));
      }
    }
  }

  @Test
  void validationSlicesAreTheLocalOnes() {
    SplitIndex v = SplitIndex.load(hdfs.uri("/prep/v"), "valid", hdfs.conf());
    SplitIndex lv = SplitIndex.load(base.resolve("split/v").toString(), "valid", LOCAL);
    List<Long> all = new ArrayList<>();
    for (int rank = 0; rank < 3; rank++) {
      long[] h =
          pass(new ValidationReader(v, ChunkSchema.libsvm(), rank, 3, 50, null, hdfs.conf()));
      long[] l = pass(new ValidationReader(lv, ChunkSchema.libsvm(), rank, 3, 50, null, LOCAL));
      assertArrayEquals(l, h, "rank " + rank);
      for (long id : h) all.add(id);
    }
    assertEquals(333, all.size());
  }

  static long[] ids(RankStream s, long from, long to) {
    long[] out = new long[(int) (to - from)];
    for (long p = from; p < to; p += 64) {
      int n = (int) Math.min(64, to - p);
      RowChunk c = s.rows(p, n);
      assertEquals(n, c.size());
      assertRowsMatchIds(c);
      System.arraycopy(c.ids(), 0, out, (int) (p - from), n);
    }
    return out;
  }

  static long[] pass(ValidationReader r) {
    List<Long> ids = new ArrayList<>();
    try (ValidationReader.Pass p = r.open()) {
      while (p.hasNext()) {
        RowChunk c = p.next();
        assertRowsMatchIds(c);
        for (long id : c.ids()) ids.add(id);
      }
    }
    return ids.stream().mapToLong(Long::longValue).toArray();
  }
}
