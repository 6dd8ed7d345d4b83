package org.optimbench.jobs.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Test support: a local Spark session whose Parquet writes make row groups of a few hundred rows
 * (so small test data spans several row groups per file), and Spark's own reading of a split as the
 * expected rows.
 */
final class SparkParquet {
  private SparkParquet() {}

  /** Parquet's row-group size for every write of the session: a few hundred rows per group. */
  static final int BLOCK_BYTES = 8 * 1024;

  static SparkSession start(String app) {
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName(app)
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.hadoop.parquet.block.size", String.valueOf(BLOCK_BYTES))
            .config("spark.hadoop.parquet.page.size", "1024")
            .getOrCreate();
    spark.sparkContext().setLogLevel("ERROR");
    return spark;
  }

  /**
   * The split's rows as Spark reads them, file by file in the index's order, so row k of the result
   * is row k of the split in index order (rows of a file come back in file order).
   */
  static RowChunk sparkRows(SparkSession spark, SplitIndex index, ChunkSchema schema) {
    List<Row> rows = new ArrayList<>();
    List<String> cols = schema.columnNames();
    for (int f = 0; f < index.fileCount(); f++) {
      rows.addAll(
          spark
              .read()
              .parquet(index.file(f))
              .selectExpr(cols.toArray(new String[0]))
              .collectAsList());
    }
    return chunk(schema, rows);
  }

  /** Rows whose columns are in {@code schema.columnNames()} order, as a chunk. */
  static RowChunk chunk(ChunkSchema schema, List<Row> rows) {
    int n = rows.size();
    long[] ids = new long[n];
    int[] labels = schema.hasLabel() ? new int[n] : null;
    int lists = schema.listCount();
    int[][] offsets = new int[lists][n + 1];
    Object[] values = new Object[lists];
    int first = schema.hasLabel() ? 2 : 1;
    for (int k = 0; k < lists; k++) {
      for (int i = 0; i < n; i++)
        offsets[k][i + 1] = offsets[k][i] + rows.get(i).getList(first + k).size();
      values[k] = RowChunk.newValues(schema.list(k).type(), offsets[k][n]);
    }
    for (int i = 0; i < n; i++) {
      Row r = rows.get(i);
      ids[i] = r.getLong(0);
      if (labels != null) labels[i] = r.getInt(1);
      for (int k = 0; k < lists; k++) {
        List<Object> l = r.getList(first + k);
        for (int j = 0; j < l.size(); j++) {
          int at = offsets[k][i] + j;
          switch (schema.list(k).type()) {
            case INT -> ((int[]) values[k])[at] = (Integer) l.get(j);
            case FLOAT -> ((float[]) values[k])[at] = (Float) l.get(j);
            case DOUBLE -> ((double[]) values[k])[at] = (Double) l.get(j);
          }
        }
      }
    }
    return new RowChunk(schema, ids, labels, offsets, values);
  }

  /** Same rows, every column, with the first difference named. */
  static void assertSameRows(RowChunk expected, RowChunk actual, String what) {
    assertEquals(expected.schema(), actual.schema(), what);
    assertEquals(expected.size(), actual.size(), what + ": rows");
    for (int i = 0; i < expected.size(); i++) {
      String row = what + ", row " + i + " (id " + expected.id(i) + ")";
      assertEquals(expected.id(i), actual.id(i), row + ": id");
      if (expected.schema().hasLabel())
        assertEquals(expected.label(i), actual.label(i), row + ": label");
      for (int k = 0; k < expected.schema().listCount(); k++) {
        String col = row + ", column " + expected.schema().list(k).name();
        int a = expected.offsets(k)[i];
        int b = actual.offsets(k)[i];
        int len = expected.length(k, i);
        assertEquals(len, actual.length(k, i), col + ": length");
        switch (expected.schema().list(k).type()) {
          case INT ->
              assertArrayEquals(
                  java.util.Arrays.copyOfRange(expected.ints(k), a, a + len),
                  java.util.Arrays.copyOfRange(actual.ints(k), b, b + len),
                  col);
          case FLOAT ->
              assertArrayEquals(
                  java.util.Arrays.copyOfRange(expected.floats(k), a, a + len),
                  java.util.Arrays.copyOfRange(actual.floats(k), b, b + len),
                  col);
          case DOUBLE ->
              assertArrayEquals(
                  java.util.Arrays.copyOfRange(expected.doubles(k), a, a + len),
                  java.util.Arrays.copyOfRange(actual.doubles(k), b, b + len),
                  col);
        }
      }
    }
  }

  /** Positions [from, to). */
  static int[] range(long from, long to) {
    int[] p = new int[(int) (to - from)];
    for (int i = 0; i < p.length; i++) p[i] = (int) from + i;
    return p;
  }
}
