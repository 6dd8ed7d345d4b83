package org.optimbench.jobs.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Test splits written without Spark (parquet-hadoop's example writer, Spark's column layout), in
 * LIBSVM's columns, whose every value is a function of the row's id: row i of the split (in file
 * order) has id 7i + 3, label i % 5, i % 6 indices 3i + j and values i / 7 - j. A chunk can so be
 * checked row by row whatever order its rows come in.
 */
final class TestSplits {
  private TestSplits() {}

  static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          "message spark_schema { required int64 row_id; required int32 label;"
              + " optional group indices (LIST) { repeated group list { required int32 element; } }"
              + " optional group values (LIST) { repeated group list { required double element; } } }");

  /** Writes {@code <dir>/data/split=<split>/part-0000F.parquet} with the given rows per file. */
  static void write(Path dir, String split, int... rowsPerFile) throws IOException {
    Path splitDir = dir.resolve("data/split=" + split);
    Files.createDirectories(splitDir);
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    long i = 0;
    for (int f = 0; f < rowsPerFile.length; f++) {
      org.apache.hadoop.fs.Path file =
          new org.apache.hadoop.fs.Path(
              splitDir.resolve(String.format("part-%05d.parquet", f)).toUri());
      try (ParquetWriter<Group> w =
          ExampleParquetWriter.builder(file)
              .withType(SCHEMA)
              .withConf(new Configuration())
              .withRowGroupSize(4096)
              .withPageSize(1024)
              .build()) {
        for (int r = 0; r < rowsPerFile[f]; r++, i++) {
          Group g = groups.newGroup().append("row_id", 7 * i + 3).append("label", (int) (i % 5));
          Group idx = g.addGroup("indices");
          Group val = g.addGroup("values");
          for (int j = 0; j < i % 6; j++) {
            idx.addGroup("list").append("element", (int) (3 * i + j));
            val.addGroup("list").append("element", i / 7.0 - j);
          }
          w.write(g);
        }
      }
    }
    Files.writeString(dir.resolve("_SUCCESS"), "");
  }

  /** The split row of an id. */
  static long rowOf(long id) {
    return (id - 3) / 7;
  }

  /** Every row's label and lists are those of its id. */
  static void assertRowsMatchIds(RowChunk c) {
    for (int r = 0; r < c.size(); r++) {
      long i = rowOf(c.id(r));
      assertEquals(7 * i + 3, c.id(r), "an id of the split");
      assertEquals(i % 5, c.label(r), "label of row " + i);
      int n = (int) (i % 6);
      int[] idx = new int[n];
      double[] val = new double[n];
      for (int j = 0; j < n; j++) {
        idx[j] = (int) (3 * i + j);
        val[j] = i / 7.0 - j;
      }
      int a = c.offsets(0)[r];
      int b = c.offsets(1)[r];
      assertArrayEquals(idx, java.util.Arrays.copyOfRange(c.ints(0), a, a + c.length(0, r)));
      assertArrayEquals(val, java.util.Arrays.copyOfRange(c.doubles(1), b, b + c.length(1, r)));
    }
  }
}
