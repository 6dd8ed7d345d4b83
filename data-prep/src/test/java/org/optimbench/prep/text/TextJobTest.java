package org.optimbench.prep.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.prep.SparkTestBase;
import org.optimbench.prep.common.BadInputException;

class TextJobTest extends SparkTestBase {
  @TempDir Path tmp;

  @Test
  void shippedSampleBecomesFullBlocksThatDecodeBackToTheText() throws Exception {
    Path out = tmp.resolve("kjv");
    TextConfig c =
        new TextConfig(
            repoRoot().resolve("data/text/kjv").toString(),
            out.toString(),
            false,
            0L,
            0L,
            DocumentFormat.book,
            null,
            null,
            64,
            0.3);
    TextJob.run(spark, c);
    JsonNode m = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
    assertEquals(
        7, m.get("documents").get("train").asLong() + m.get("documents").get("valid").asLong());
    long tokens = m.get("tokens").get("train").asLong();
    long blocks = m.get("rows").get("train").asLong();
    assertEquals(tokens - blocks * 65, m.get("tokens_dropped").get("train").asLong());
    assertTrue(m.get("tokens_dropped").get("train").asLong() < 65);
    assertEquals(7, m.get("inputs").size());

    Dataset<Row> data = spark.read().parquet(out.resolve("data").toString());
    assertEquals(0, data.filter("size(tokens) != 65").count());
    Tokenizer t = new Tokenizer("r50k_base", null);
    // The full blocks of file 0 (ecclesiastes.txt), in order, decode to the start of that book.
    List<Row> file0 = data.filter("block_id < " + (1L << 40)).orderBy("block_id").collectAsList();
    assertTrue(file0.size() > 100);
    int[] ids =
        file0.stream()
            .flatMap(r -> r.<Integer>getList(r.fieldIndex("tokens")).stream())
            .mapToInt(Integer::intValue)
            .toArray();
    String book = Files.readString(repoRoot().resolve("data/text/kjv/ecclesiastes.txt"));
    String decoded = t.decode(ids);
    assertTrue(book.startsWith(decoded), decoded.substring(0, 80));
    assertTrue(
        decoded.length() > book.length() - 400,
        "only the tail is missing from the file's own blocks");

    Path again = tmp.resolve("again");
    TextJob.run(
        spark,
        new TextConfig(
            c.input(), again.toString(), false, 0L, 0L, DocumentFormat.book, null, null, 64, 0.3));
    Dataset<Row> second = spark.read().parquet(again.resolve("data").toString());
    assertEquals(
        0,
        data.exceptAll(second).count() + second.exceptAll(data).count(),
        "re-runs give the same blocks");
  }

  @Test
  void invalidUtf8FailsWithFileAndLine() throws Exception {
    Path in = tmp.resolve("wiki");
    Files.createDirectories(in);
    Files.writeString(in.resolve("wiki_00"), "<doc id=\"1\" title=\"A\">\nA\nText a.\n</doc>\n");
    byte[] bad =
        "<doc id=\"2\">\nB\nbad \u00ff byte\n</doc>\n".getBytes(StandardCharsets.ISO_8859_1);
    Files.write(in.resolve("wiki_01"), bad);
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () ->
                TextJob.run(
                    spark,
                    new TextConfig(
                        in.toString(),
                        tmp.resolve("o").toString(),
                        false,
                        0L,
                        0L,
                        null,
                        null,
                        null,
                        8,
                        0.0)));
    assertTrue(e.getMessage().matches("line 3 of file:.*/wiki_01: invalid UTF-8"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("o")));
  }
}
