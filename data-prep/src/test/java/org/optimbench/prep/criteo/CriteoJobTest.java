package org.optimbench.prep.criteo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
import org.optimbench.prep.Prepare;
import org.optimbench.prep.SparkTestBase;
import org.optimbench.prep.common.BadInputException;
import org.optimbench.prep.common.SplitAssigner;

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

  /** One file of {@code rows} generated rows under {@code name}, in a directory of its own. */
  static Path singleFile(String dir, String name, int rows) throws Exception {
    Path gen = tmp.resolve(dir + "-gen");
    CriteoGenerator.generate(gen, new CriteoGenerator.Spec(1, rows, 11, false), 1);
    Path file = tmp.resolve(dir).resolve(name);
    Files.createDirectories(file.getParent());
    Files.move(gen.resolve("day_0"), file);
    return file;
  }

  @Test
  void aSingleFileWithoutADayNameIsSplitByAHashOfRowsNotRefused() throws Exception {
    Path in = singleFile("sample", "sample39.tsv", 3000);
    Path out = tmp.resolve("sample-out");
    CriteoJob.run(
        spark,
        new CriteoConfig(in.toString(), out.toString(), false, 0L, 7L, null, 100, null, null));
    JsonNode m = manifest(out);
    assertEquals("none", m.get("files").get(0).get("day").asText(), "39 is not a day");
    assertTrue(m.get("split_rule").asText().startsWith("no day_N file names"));
    long train = m.get("rows").get("train").asLong();
    long valid = m.get("rows").get("valid").asLong();
    long test = m.get("rows").get("test").asLong();
    assertEquals(3000, train + valid + test);
    assertEquals(300, valid, 60, "default valid fraction 0.1");
    assertEquals(300, test, 60, "default test fraction 0.1");
    Dataset<Row> data = spark.read().parquet(out.resolve("data").toString());
    assertEquals(3000, data.filter("day = " + DayPlan.NO_DAY).count());
    SplitAssigner rule = new SplitAssigner(7, 0.1, 0.1);
    for (Row r : data.select("row_id", "split").collectAsList())
      assertEquals(rule.assign(r.getLong(0)), r.getString(1), "split of row " + r.getLong(0));

    Path custom = tmp.resolve("sample-custom");
    CriteoJob.run(
        spark,
        new CriteoConfig(
            in.toString(), custom.toString(), false, 0L, 7L, null, 100, null, null, 0.3, 0.0));
    assertEquals(0, manifest(custom).get("rows").get("test").asLong());
    assertEquals(900, manifest(custom).get("rows").get("valid").asLong(), 90);
  }

  @Test
  void mixedDayAndOtherFilesAreRefusedNamingBothAndWriteNothing() throws Exception {
    Path in = tmp.resolve("mixed");
    CriteoGenerator.generate(in, new CriteoGenerator.Spec(2, 50, 3, false), 1);
    Files.copy(in.resolve("day_1"), in.resolve("extra.tsv"));
    Path out = tmp.resolve("mixed-out");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int rc;
    try {
      rc =
          Prepare.commandLine()
              .execute("criteo", "--input", in.toString(), "--output", out.toString());
    } finally {
      System.setErr(old);
    }
    String text = err.toString(StandardCharsets.UTF_8).strip();
    assertEquals(1, rc, text);
    assertTrue(text.contains("day_0 is named day_N but extra.tsv is not"), text);
    assertEquals(1, text.lines().count(), text);
    assertFalse(Files.exists(out));

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                CriteoJob.run(
                    spark,
                    new CriteoConfig(
                        days.toString(),
                        out.toString(),
                        false,
                        0L,
                        0L,
                        null,
                        100,
                        null,
                        null,
                        0.2,
                        null)));
    assertTrue(e.getMessage().contains("named day_N"), e.getMessage());
    assertFalse(Files.exists(out));
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
