package org.optimbench.prep.criteo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.prep.SparkTestBase;
import org.optimbench.prep.common.BadInputException;

class CriteoJobTest extends SparkTestBase {
  @TempDir static Path tmp;
  static Path days;

  @BeforeAll
  static void generate() throws Exception {
    days = tmp.resolve("days");
    CriteoGenerator.generate(days, new CriteoGenerator.Spec(3, 2000, 5, true), 2);
  }

  static JsonNode manifest(Path dir) throws Exception {
    return new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
  }

  @Test
  void hashModeWritesDlrmColumnsWithDaySplitsDeterministically() throws Exception {
    Path out = tmp.resolve("hash");
    CriteoJob.run(
        spark,
        new CriteoConfig(days.toString(), out.toString(), false, 0L, 0L, null, 1000, null, null));
    JsonNode m = manifest(out);
    assertEquals(4000, m.get("rows").get("train").asLong());
    assertEquals(1000, m.get("rows").get("test").asLong());
    assertEquals(1000, m.get("rows").get("valid").asLong());
    assertEquals(3, m.get("inputs").size());
    Dataset<Row> data = spark.read().parquet(out.resolve("data").toString());
    assertEquals(
        List.of("label", "dense", "categorical", "row_id", "day", "split"),
        List.of(data.columns()));
    Row first = data.filter("row_id = " + ((2L << 40) | 1)).first();
    assertEquals("test", first.getAs("split"), "first half of the last day is test");
    assertEquals(2, first.<Integer>getAs("day"));
    assertEquals(13, first.getList(first.fieldIndex("dense")).size());
    List<Integer> cats = first.getList(first.fieldIndex("categorical"));
    assertEquals(26, cats.size());
    assertTrue(cats.stream().allMatch(c -> c >= 0 && c < 1000));
    assertEquals("valid", data.filter("row_id = " + ((2L << 40) | 1001)).first().getAs("split"));

    Path again = tmp.resolve("hash-again");
    CriteoJob.run(
        spark,
        new CriteoConfig(days.toString(), again.toString(), false, 0L, 0L, null, 1000, null, null));
    Dataset<Row> second = spark.read().parquet(again.resolve("data").toString());
    assertEquals(
        0,
        data.exceptAll(second).count() + second.exceptAll(data).count(),
        "re-runs give the same rows");
  }

  @Test
  void vocabModeNumbersFrequentValuesByCountAndMapsRareOnesToZero() throws Exception {
    Path out = tmp.resolve("vocab");
    CriteoJob.run(
        spark,
        new CriteoConfig(
            days.toString(),
            out.toString(),
            false,
            0L,
            0L,
            CriteoConfig.Mode.vocab,
            null,
            5,
            null));
    JsonNode m = manifest(out);
    JsonNode sizes = m.get("categorical").get("vocab_sizes");
    assertEquals(26, sizes.size());
    assertEquals(4, sizes.get(8).asInt(), "C9 has 3 values, all frequent: ids 1..3 plus 0");
    Dataset<Row> vocab = spark.read().parquet(out.resolve("vocab").toString());
    assertEquals(0, vocab.filter("count < 5").count());
    Row top = vocab.filter("column = 0 and id = 1").first();
    long maxCount =
        vocab
            .filter("column = 0")
            .agg(org.apache.spark.sql.functions.max("count"))
            .first()
            .getLong(0);
    assertEquals(maxCount, top.<Long>getAs("count"), "id 1 is the most frequent value");
    Dataset<Row> data = spark.read().parquet(out.resolve("data").toString());
    long zerosC3 = data.selectExpr("categorical[2] as c").filter("c = 0").count();
    assertTrue(zerosC3 > 100, "rare values of a high-cardinality column map to 0");
    int maxId = data.selectExpr("max(categorical[0])").first().getInt(0);
    assertTrue(maxId < sizes.get(0).asInt());
  }

  @Test
  void badRowsFailWithFileAndLineOrAreSkippedUpToTheLimit() throws Exception {
    Path in = tmp.resolve("bad");
    CriteoGenerator.generate(in, new CriteoGenerator.Spec(2, 100, 9, false), 1);
    Files.writeString(
        in.resolve("day_1"), "1\t2\t3\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () ->
                CriteoJob.run(
                    spark,
                    new CriteoConfig(
                        in.toString(),
                        tmp.resolve("bad-out").toString(),
                        false,
                        0L,
                        0L,
                        null,
                        100,
                        null,
                        null)));
    assertTrue(
        e.getMessage().matches("line 101 of file:.*/day_1: 3 fields, expected 40"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("bad-out")));

    Path out = tmp.resolve("bad-skipped");
    CriteoJob.run(
        spark,
        new CriteoConfig(in.toString(), out.toString(), false, 1L, 0L, null, 100, null, null));
    assertEquals(1, manifest(out).get("bad_rows").asInt());
    assertEquals(
        200,
        manifest(out).get("rows").get("train").asLong()
            + manifest(out).get("rows").get("test").asLong()
            + manifest(out).get("rows").get("valid").asLong());
  }
}
