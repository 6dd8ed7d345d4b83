package org.optimbench.jobs.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Chunks: gather and concat copy the right rows of every column; construction refuses inconsistent
 * arrays; and sizes that would overflow a Java array fail with the column's name before anything is
 * allocated.
 */
class RowChunkTest {
  /** LIBSVM-shaped rows: row i has id 100 + i, label i % 3, i % 4 indices and values. */
  static RowChunk libsvmRows(int n) {
    long[] ids = new long[n];
    int[] labels = new int[n];
    int[] off = new int[n + 1];
    for (int i = 0; i < n; i++) {
      ids[i] = 100 + i;
      labels[i] = i % 3;
      off[i + 1] = off[i] + i % 4;
    }
    int[] idx = new int[off[n]];
    double[] val = new double[off[n]];
    for (int i = 0; i < n; i++)
      for (int j = off[i]; j < off[i + 1]; j++) {
        idx[j] = i * 10 + (j - off[i]);
        val[j] = i + (j - off[i]) / 10.0;
      }
    return new RowChunk(
        ChunkSchema.libsvm(), ids, labels, new int[][] {off, off.clone()}, new Object[] {idx, val});
  }

  static void assertRow(RowChunk c, int row, int original) {
    assertEquals(100 + original, c.id(row));
    assertEquals(original % 3, c.label(row));
    assertEquals(original % 4, c.length(0, row));
    assertEquals(original % 4, c.length(1, row));
    for (int j = 0; j < original % 4; j++) {
      assertEquals(original * 10 + j, c.ints(0)[c.offsets(0)[row] + j]);
      assertEquals(original + j / 10.0, c.doubles(1)[c.offsets(1)[row] + j]);
    }
  }

  /** n LIBSVM rows that each store the indices {@code rows[i]} (values 1, 2, ...). */
  static RowChunk indexRows(int[]... rows) {
    int n = rows.length;
    int[] off = new int[n + 1];
    for (int i = 0; i < n; i++) off[i + 1] = off[i] + rows[i].length;
    int[] idx = new int[off[n]];
    double[] val = new double[off[n]];
    for (int i = 0; i < n; i++) System.arraycopy(rows[i], 0, idx, off[i], rows[i].length);
    for (int k = 0; k < val.length; k++) val[k] = k + 1;
    return new RowChunk(
        ChunkSchema.libsvm(),
        new long[n],
        new int[n],
        new int[][] {off, off.clone()},
        new Object[] {idx, val});
  }

  /**
   * denseWidth: w exactly when every row stores 0..w-1 in order; a row of the same length out of
   * order, with a repeat, shorter or longer, anywhere in the chunk, makes it -1; as does a chunk of
   * no rows or of empty rows. prepare() computes the same answers ahead.
   */
  @Test
  void denseWidthIsTheWidthOnlyWhenEveryRowStoresEveryPositionInOrder() {
    int[] d = {0, 1, 2, 3};
    assertEquals(4, indexRows(d, d, d).denseWidth(0));
    assertEquals(4, indexRows(d).prepare().denseWidth(0));
    assertEquals(-1, indexRows(d, d, new int[] {0, 1, 3, 2}).denseWidth(0), "out of order");
    assertEquals(-1, indexRows(d, new int[] {0, 1, 1, 3}, d).denseWidth(0), "a repeat");
    assertEquals(-1, indexRows(d, new int[] {0, 1, 2}, d).denseWidth(0), "shorter");
    assertEquals(-1, indexRows(d, d, new int[] {0, 1, 2, 3, 4}).denseWidth(0), "longer");
    assertEquals(-1, indexRows(new int[] {1, 2, 3, 4}, d).denseWidth(0), "shifted first row");
    assertEquals(-1, indexRows(new int[0], new int[0]).denseWidth(0), "empty rows");
    assertEquals(-1, RowChunk.empty(ChunkSchema.libsvm()).denseWidth(0), "no rows");
    assertEquals(-1, libsvmRows(9).prepare().denseWidth(0));
    assertThrows(
        IllegalArgumentException.class, () -> indexRows(d).denseWidth(1), "a value column");
  }

  @Test
  void gatherCopiesTheRowsAtThePositionsInOrderRepeatsIncluded() {
    RowChunk c = libsvmRows(50);
    int[] pos = {49, 3, 3, 0, 17, 5};
    RowChunk g = c.gather(pos);
    assertEquals(pos.length, g.size());
    for (int i = 0; i < pos.length; i++) assertRow(g, i, pos[i]);
    assertEquals(g.offsets(0)[g.size()], g.ints(0).length, "values exactly as long as needed");
    RowChunk part = c.gather(pos, 1, 4);
    assertEquals(3, part.size());
    assertRow(part, 0, 3);
    assertRow(part, 2, 0);
    assertEquals(0, c.gather(new int[0]).size());
  }

  @Test
  void gatherAcrossChunksAndConcat() {
    RowChunk a = libsvmRows(10);
    RowChunk b = libsvmRows(20);
    Random r = new Random(1);
    RowChunk[] src = new RowChunk[40];
    int[] rows = new int[40];
    int[] original = new int[40];
    for (int i = 0; i < 40; i++) {
      boolean first = r.nextBoolean();
      src[i] = first ? a : b;
      rows[i] = r.nextInt(first ? 10 : 20);
      original[i] = rows[i];
    }
    RowChunk g = RowChunk.gather(ChunkSchema.libsvm(), src, rows, 0, 40);
    for (int i = 0; i < 40; i++) assertRow(g, i, original[i]);
    RowChunk cat = RowChunk.concat(ChunkSchema.libsvm(), List.of(a, b));
    assertEquals(30, cat.size());
    for (int i = 0; i < 10; i++) assertRow(cat, i, i);
    for (int i = 0; i < 20; i++) assertRow(cat, 10 + i, i);
    assertTrue(cat.gather(ShardPlan.identity(30)).sameRows(cat));
  }

  /** Only stored doubles may be decoded narrower (as floats); the schema says both types. */
  @Test
  void aListColumnIsDecodedAsItsStoredTypeOrDoublesAsFloats() {
    ChunkSchema f = ChunkSchema.libsvm(ChunkSchema.ElementType.FLOAT);
    assertEquals(ChunkSchema.ElementType.FLOAT, f.list(1).type());
    assertEquals(ChunkSchema.ElementType.DOUBLE, f.list(1).stored());
    assertTrue(!f.equals(ChunkSchema.libsvm()), "a different chunk layout");
    assertEquals(ChunkSchema.libsvm(), ChunkSchema.libsvm(ChunkSchema.ElementType.DOUBLE));
    assertTrue(f.toString().contains("values: array<double> as float"), f.toString());
    for (ChunkSchema.ElementType[] bad :
        new ChunkSchema.ElementType[][] {
          {ChunkSchema.ElementType.DOUBLE, ChunkSchema.ElementType.FLOAT},
          {ChunkSchema.ElementType.FLOAT, ChunkSchema.ElementType.INT},
          {ChunkSchema.ElementType.INT, ChunkSchema.ElementType.DOUBLE}
        }) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> new ChunkSchema.ListColumn("v", bad[0], bad[1]));
      assertTrue(e.getMessage().startsWith("column 'v': "), e.getMessage());
    }
  }

  @Test
  void constructionRefusesInconsistentArrays() {
    ChunkSchema s = ChunkSchema.textBlocks();
    long[] ids = {1, 2};
    assertThrows(
        IllegalArgumentException.class,
        () -> new RowChunk(s, ids, null, new int[][] {{0, 2}}, new Object[] {new int[2]}));
    assertThrows(
        IllegalArgumentException.class,
        () -> new RowChunk(s, ids, null, new int[][] {{0, 3, 2}}, new Object[] {new int[2]}));
    assertThrows(
        IllegalArgumentException.class,
        () -> new RowChunk(s, ids, null, new int[][] {{0, 1, 2}}, new Object[] {new float[2]}));
    assertThrows(
        IllegalArgumentException.class,
        () -> new RowChunk(s, ids, new int[2], new int[][] {{0, 1, 2}}, new Object[] {new int[2]}));
    RowChunk ok = new RowChunk(s, ids, null, new int[][] {{0, 1, 2}}, new Object[] {new int[2]});
    assertThrows(IllegalArgumentException.class, () -> ok.floats(0));
  }

  @Test
  void lengthsBeyondTheLargestJavaArrayFailNamingTheColumnBeforeAllocating() {
    assertEquals(RowChunk.MAX_ARRAY_LENGTH, RowChunk.checkedLength(Integer.MAX_VALUE - 8L, "x"));
    DataReadException e =
        assertThrows(
            DataReadException.class,
            () -> RowChunk.checkedLength(Integer.MAX_VALUE - 7L, "values of column 'tokens'"));
    assertTrue(
        e.getMessage().startsWith("values of column 'tokens': 2147483640 elements"),
        e.getMessage());
    assertThrows(DataReadException.class, () -> RowChunk.checkedLength(5_000_000_000L, "ids"));
    assertThrows(DataReadException.class, () -> RowChunk.checkedLength(-1, "ids"));

    // one row of 1025 tokens gathered 2.1 million times would need 2.15e9 values: refused while
    // sizing, so the test allocates only the 8 MB of positions
    int[] off = {0, 1025};
    RowChunk block =
        new RowChunk(
            ChunkSchema.textBlocks(),
            new long[] {7},
            null,
            new int[][] {off},
            new Object[] {new int[1025]});
    int[] positions = new int[2_100_000];
    DataReadException g = assertThrows(DataReadException.class, () -> block.gather(positions));
    assertTrue(g.getMessage().contains("values of column 'tokens'"), g.getMessage());
    assertTrue(g.getMessage().contains("2152500000 elements"), g.getMessage());

    // a builder sized for more rows than an array holds fails before allocating
    assertThrows(
        DataReadException.class,
        () -> new ChunkBuilder(ChunkSchema.textBlocks(), Integer.MAX_VALUE, new long[] {0}));
  }

  @Test
  void builderTrimsToTheRowsAndValuesWritten() {
    ChunkBuilder b = new ChunkBuilder(ChunkSchema.textBlocks(), 4, new long[] {2});
    b.ids[0] = 5;
    b.ids[1] = 6;
    int[] v = (int[]) b.grow(0, 5);
    for (int i = 0; i < 5; i++) v[i] = i;
    b.offsets[0][1] = 2;
    b.offsets[0][2] = 5;
    b.size = 2;
    RowChunk c = b.build();
    assertArrayEquals(new long[] {5, 6}, c.ids());
    assertArrayEquals(new int[] {0, 2, 5}, c.offsets(0));
    assertArrayEquals(new int[] {0, 1, 2, 3, 4}, c.ints(0));
  }
}
