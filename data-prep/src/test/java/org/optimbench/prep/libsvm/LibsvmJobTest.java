package org.optimbench.prep.libsvm;

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
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.prep.Prepare;
import org.optimbench.prep.SparkTestBase;
import org.optimbench.prep.common.BadInputException;

class LibsvmJobTest extends SparkTestBase {
  @TempDir Path tmp;

  static LibsvmConfig config(Path in, Path out, long maxBad) {
    return new LibsvmConfig(
        in.toString(), out.toString(), false, maxBad, 0L, 0.1, 0.1, null, null, null);
  }

  static JsonNode manifest(Path dir) throws Exception {
    return new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
  }

  @Test
  void shippedSuiteBecomesOneOutputPerDatasetAndRerunsGiveTheSameRows() throws Exception {
    Path shipped = repoRoot().resolve("data/libsvm");
    Path in = tmp.resolve("in");
    Files.createDirectories(in);
    for (String d : List.of("heart_scale", "digits")) {
      Files.createSymbolicLink(in.resolve(d), shipped.resolve(d));
    }
    Path out = tmp.resolve("suite");
    List<LibsvmJob.Summary> s = LibsvmJob.run(spark, config(in, out, 0));
    assertEquals(
        List.of("digits", "heart_scale"),
        s.stream().map(LibsvmJob.Summary::dataset).collect(Collectors.toList()));

    Path heart = out.resolve("heart_scale");
    assertTrue(Files.exists(heart.resolve("_SUCCESS")));
    JsonNode m = manifest(heart);
    assertEquals(1, m.get("schema_version").asInt());
    assertEquals(13, m.get("num_features").asInt());
    assertEquals("{\"-1\":0,\"1\":1}", m.get("label_mapping").toString());
    assertEquals(
        270,
        m.get("rows").get("train").asLong()
            + m.get("rows").get("valid").asLong()
            + m.get("rows").get("test").asLong());
    assertEquals(
        "5defa0a4c4c5bdaf3f55ae3828310252e8565c13ee37ce279e0b86d82e7f4ce9",
        m.get("inputs").get(0).get("sha256").asText());
    assertEquals(10, manifest(out.resolve("digits")).get("num_classes").asInt());

    Dataset<Row> data = spark.read().parquet(heart.resolve("data").toString());
    Row first = data.filter("row_id = 1").first();
    assertEquals(1, first.<Integer>getAs("label"));
    assertEquals(
        List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12), first.getList(first.fieldIndex("indices")));
    assertEquals(0.708333, first.<Double>getList(first.fieldIndex("values")).get(0), 0);

    Path again = tmp.resolve("again");
    LibsvmJob.run(spark, config(shipped.resolve("heart_scale"), again, 0));
    Dataset<Row> second = spark.read().parquet(again.resolve("data").toString());
    assertEquals(
        0, data.exceptAll(second).count() + second.exceptAll(data).count(), "same rows and splits");
  }

  @Test
  void aBadRowFailsTheJobWithFileLineAndReasonAndLeavesNoOutput() throws Exception {
    Path in = tmp.resolve("bad.svm");
    Files.writeString(in, "1 1:0.5 2:1\n-1 1:0.5 1:2\n1 3:1\n");
    Path out = tmp.resolve("out");
    BadInputException e =
        assertThrows(BadInputException.class, () -> LibsvmJob.run(spark, config(in, out, 0)));
    String msg = BadInputException.find(e);
    assertTrue(msg.matches("line 2 of file:.*bad\\.svm: duplicate index 1"), msg);
    assertFalse(Files.exists(out));
    try (var list = Files.list(tmp)) {
      assertEquals(
          List.of("bad.svm"),
          list.map(p -> p.getFileName().toString()).collect(Collectors.toList()),
          "no temporary directory left behind");
    }
  }

  @Test
  void maxBadRowsSkipsCountsAndWritesRejects() throws Exception {
    Path in = tmp.resolve("bad.svm");
    Files.write(
        in,
        List.of("1 1:0.5", "1 0:1", "2 2:x", "1 2:1\t5:1", "3 qid:2 1:1", "2 1:\uFFFD"),
        StandardCharsets.UTF_8);
    byte[] latin1 = "2 1:1 # caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
    Files.write(in, latin1, java.nio.file.StandardOpenOption.APPEND);
    Path out = tmp.resolve("out");
    LibsvmJob.run(spark, config(in, out, 5));
    JsonNode m = manifest(out);
    assertEquals(4, m.get("bad_rows").asInt());
    assertEquals("1 rows had a qid: token, which was dropped", m.get("notes").get(0).asText());
    String rejects;
    try (var files = Files.list(out.resolve("_rejects"))) {
      rejects =
          Files.readString(
              files.filter(p -> p.toString().endsWith(".tsv")).findFirst().orElseThrow());
    }
    assertTrue(rejects.contains("\t2\tindex 0 in '0:1' (indices are 1-based)\t1 0:1"), rejects);
    assertTrue(rejects.contains("\t3\tnon-numeric value for index 2 'x'"), rejects);
    assertTrue(rejects.contains("\t7\tinvalid UTF-8"), rejects);
    assertEquals(
        3,
        m.get("rows").get("train").asLong()
            + m.get("rows").get("valid").asLong()
            + m.get("rows").get("test").asLong());

    BadInputException tooMany =
        assertThrows(
            BadInputException.class,
            () -> LibsvmJob.run(spark, config(in, tmp.resolve("out2"), 3)));
    assertTrue(
        BadInputException.find(tooMany).startsWith("more than 3 bad rows"), tooMany.getMessage());
    assertFalse(Files.exists(tmp.resolve("out2")));
  }

  @Test
  void cliExitsNonZeroOnBadInputAndRefusesToOverwrite() throws Exception {
    Path in = tmp.resolve("x.svm");
    Files.writeString(in, "1 1:1\n1 2:nan\n");
    PrintStream oldErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int bad;
    int ok;
    int again;
    try {
      bad =
          Prepare.commandLine()
              .execute("libsvm", "--input", in.toString(), "--output", tmp.resolve("o").toString());
      Files.writeString(in, "1 1:1\n-1 2:3\n");
      ok =
          Prepare.commandLine()
              .execute("libsvm", "--input", in.toString(), "--output", tmp.resolve("o").toString());
      again =
          Prepare.commandLine()
              .execute("libsvm", "--input", in.toString(), "--output", tmp.resolve("o").toString());
    } finally {
      System.setErr(oldErr);
    }
    String text = err.toString(StandardCharsets.UTF_8);
    assertEquals(1, bad, text);
    assertTrue(text.contains("bad input: line 2 of file:"), text);
    assertTrue(text.contains("NaN/Inf value for index 2 'nan'"), text);
    assertEquals(0, ok, text);
    assertEquals(1, again, text);
    assertTrue(text.contains("already exists and is complete; pass --overwrite"), text);
  }

  @Test
  void overwriteReplacesItsOwnOutputAndRefusesAForeignDirectoryKeepingItsFiles() throws Exception {
    Path in = tmp.resolve("x.svm");
    Files.writeString(in, "1 1:1\n-1 2:3\n");
    Path own = tmp.resolve("own");
    Path foreign = tmp.resolve("results");
    Files.createDirectories(foreign);
    Files.writeString(foreign.resolve("table.csv"), "precious");
    PrintStream oldErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int first;
    int replaced;
    int refused;
    try {
      first =
          Prepare.commandLine()
              .execute("libsvm", "--input", in.toString(), "--output", own.toString());
      Files.writeString(own.resolve("stale.txt"), "old");
      replaced =
          Prepare.commandLine()
              .execute(
                  "libsvm", "--input", in.toString(), "--output", own.toString(), "--overwrite");
      err.reset();
      refused =
          Prepare.commandLine()
              .execute(
                  "libsvm",
                  "--input",
                  in.toString(),
                  "--output",
                  foreign.toString(),
                  "--overwrite");
    } finally {
      System.setErr(oldErr);
    }
    String text = err.toString(StandardCharsets.UTF_8).strip();
    assertEquals(0, first);
    assertEquals(0, replaced);
    assertFalse(Files.exists(own.resolve("stale.txt")), "its own output is replaced whole");
    assertTrue(Files.exists(own.resolve("_SUCCESS")));
    assertEquals(1, refused, text);
    assertEquals(
        "prepare libsvm: --overwrite: file:"
            + foreign
            + " is not an output of data-prep (no manifest.json naming 'optimbench data-prep');"
            + " not deleting it: remove it yourself or choose another output",
        text);
    assertEquals("precious", Files.readString(foreign.resolve("table.csv")));
    try (var list = Files.list(foreign)) {
      assertEquals(1, list.count(), "nothing written into the refused directory");
    }
  }

  @Test
  void shippedSuiteKeepsTestFilesAndMapsIrregularLabels() throws Exception {
    Path suite = repoRoot().resolve("data/libsvm-suite");
    Path out = tmp.resolve("suite");
    Path in = tmp.resolve("in");
    Files.createDirectories(in);
    for (String d : List.of("dna", "glass")) {
      Files.createSymbolicLink(in.resolve(d), suite.resolve(d));
    }
    LibsvmJob.run(
        spark,
        new LibsvmConfig(
            in.toString(),
            out.toString(),
            false,
            0L,
            0L,
            0.1,
            0.1,
            FeatureScaler.Method.maxabs,
            null,
            Map.of("dna", 180)));
    JsonNode dna = manifest(out.resolve("dna"));
    assertEquals(1186, dna.get("rows").get("test").asLong(), "dna.scale.t is the test split");
    assertEquals(
        2000, dna.get("rows").get("train").asLong() + dna.get("rows").get("valid").asLong());
    assertEquals("given", dna.get("num_features_source").asText());
    JsonNode glass = manifest(out.resolve("glass"));
    assertEquals(
        "{\"1\":0,\"2\":1,\"3\":2,\"5\":3,\"6\":4,\"7\":5}", glass.get("label_mapping").toString());
    assertTrue(Files.exists(out.resolve("glass/scaling.json")));
    double maxAbs =
        spark
            .read()
            .parquet(out.resolve("glass/data").toString())
            .filter("split = 'train'")
            .selectExpr("explode(values) as v")
            .selectExpr("max(abs(v))")
            .first()
            .getDouble(0);
    assertEquals(1.0, maxAbs, 1e-12, "maxabs scaling fitted on train puts train values in [-1, 1]");
  }

  /**
   * What Spark's own libsvm source does with the inputs ours accepts or rejects by name: tabs and
   * qid: make it fail with a bare NumberFormatException that names neither file nor line.
   */
  @Test
  void sparkLibsvmSourceFailsOnTabsAndQidWithoutSayingWhere() throws Exception {
    Path tab = tmp.resolve("tab.svm");
    Files.writeString(tab, "1 1:0.5\n-1\t2:1\n");
    Path qid = tmp.resolve("qid.svm");
    Files.writeString(qid, "1 qid:3 1:0.5\n");
    for (Path p : List.of(tab, qid)) {
      Exception e =
          assertThrows(
              Exception.class,
              () ->
                  spark
                      .read()
                      .format("libsvm")
                      .option("numFeatures", "4")
                      .load(p.toString())
                      .count());
      String all = String.valueOf(e.getMessage()) + e.getCause();
      assertTrue(all.contains("NumberFormatException"), all);
      assertFalse(
          all.contains("line 2") || all.contains("line 1 "), "Spark does not say which line");
    }
    LibsvmJob.run(spark, config(tab, tmp.resolve("tab-out"), 0));
    assertEquals(2, manifest(tmp.resolve("tab-out")).get("inputs").get(0).get("lines").asInt());
  }
}
