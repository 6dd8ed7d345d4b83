package org.optimbench.prep.criteo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.optimbench.prep.Prepare;
import org.optimbench.prep.common.InputFile;
import org.optimbench.prep.common.RowFormatException;
import org.optimbench.prep.common.SplitAssigner;

class CriteoCoreTest {
  static String line(String label, String ints, String cats) {
    return label + "\t" + ints + "\t" + cats;
  }

  static final String INTS = "1\t\t-2\t3\t4\t5\t6\t7\t8\t9\t10\t11\t4095";
  static final String CATS =
      "68fd1e64\t\t0A\t3\t4\t5\t6\t7\t8\t9\ta\tb\tc\td\te\tf\t10\t11\t12\t13\t14\t15\t16\t17\t18\tffffffff";

  static CriteoRecord parse(String s) throws RowFormatException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    CriteoRecord r = new CriteoRecord();
    CriteoLineParser.parse(b, b.length, r);
    return r;
  }

  @Test
  void parsesLabelIntegersAndHexWithMissingFields() throws RowFormatException {
    CriteoRecord r = parse(line("1", INTS, CATS));
    assertEquals(1, r.label);
    assertEquals(0, r.dense[1], "missing integer is 0");
    assertEquals(-2, r.dense[2]);
    assertEquals(0x68fd1e64L, r.categorical[0]);
    assertEquals(-1, r.categorical[1], "missing categorical is -1");
    assertEquals(10, r.categorical[2], "upper-case hex accepted");
    assertEquals(0xffffffffL, r.categorical[25]);
  }

  /** One case per bad-input reason. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "wrong field count  | 1\t2\t3                       | 3 fields, expected 40",
        "bad label          | 2\t" + INTS + "\t" + CATS + "  | label '2' is not 0 or 1",
        "non-numeric int    | 0\t1\tx\t3\t4\t5\t6\t7\t8\t9\t10\t11\t12\t13\t"
            + CATS
            + " | non-numeric integer 'x' in I2",
        "bad hex            | 0\t"
            + INTS
            + "\tzz\t\t0A\t3\t4\t5\t6\t7\t8\t9\ta\tb\tc\td\te\tf\t10\t11\t12\t13\t14\t15\t16\t17\t18\t19 | bad hex 'zz' in C1",
        "long hex           | 0\t"
            + INTS
            + "\t123456789\t\t0A\t3\t4\t5\t6\t7\t8\t9\ta\tb\tc\td\te\tf\t10\t11\t12\t13\t14\t15\t16\t17\t18\t19 | bad hex '123456789' in C1: more than 8 digits",
      })
  void reportsEachBadInputReason(String name, String line, String reason) {
    RowFormatException e =
        assertThrows(RowFormatException.class, () -> parse(line.replace("\\t", "\t")));
    assertEquals(reason, e.getMessage());
  }

  @Test
  void reportsInvalidUtf8() {
    byte[] b = line("0", INTS, CATS).getBytes(StandardCharsets.UTF_8);
    b[b.length - 1] = (byte) 0xff;
    RowFormatException e =
        assertThrows(
            RowFormatException.class,
            () -> CriteoLineParser.parse(b, b.length, new CriteoRecord()));
    assertEquals("invalid UTF-8", e.getMessage());
  }

  @Test
  void denseIsLog1pOfClippedValues() {
    assertEquals(0f, CriteoTransforms.dense(-3));
    assertEquals(0f, CriteoTransforms.dense(0));
    assertEquals((float) Math.log(2), CriteoTransforms.dense(1));
    assertEquals((float) Math.log1p(4095), CriteoTransforms.dense(4095));
    assertEquals((float) Math.log1p(123456), CriteoTransforms.dense(123456));
  }

  @Test
  void hashBucketsAreStableInRangeAndKeepZeroForMissing() {
    assertEquals(0, CriteoTransforms.hashBucket(0, 3, -1, 1000));
    Map<Integer, Integer> seen = new HashMap<>();
    for (long v = 0; v < 10_000; v++) {
      int id = CriteoTransforms.hashBucket(0, 3, v, 1000);
      assertTrue(id >= 1 && id < 1000);
      seen.merge(id, 1, Integer::sum);
    }
    assertTrue(seen.size() > 990, "values spread over the range");
    assertTrue(
        CriteoTransforms.hashBucket(0, 3, 42, 1 << 30)
            != CriteoTransforms.hashBucket(0, 4, 42, 1 << 30),
        "the column is part of the key");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "day_0, 0",
    "day_0.gz, 0",
    "day_23.tsv, 23",
    "day_23.tsv.gz, 23",
    "day_23_00, 23",
    "day_23_35.gz, 23",
    "sample39.tsv, -1",
    "day39.tsv, -1",
    "part-00003, -1",
    "train.txt, -1",
    "today_3, -1",
    "day_, -1",
    "day_3x, -1"
  })
  void daysComeOnlyFromDayUnderscoreNNames(String name, int day) {
    assertEquals(day, DayPlan.dayFromName(name));
  }

  @Test
  void inputsWithoutDayNamesHaveNoDaysAndMixedInputsAreRefusedNamingAFileOfEach() {
    assertNull(DayPlan.daysFromNames(List.of("sample39.tsv")));
    assertNull(DayPlan.daysFromNames(List.of("part-00000", "part-00001")));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> DayPlan.daysFromNames(List.of("day_0.gz", "day_1.gz", "extra7.tsv")));
    assertTrue(
        e.getMessage().contains("day_0.gz is named day_N but extra7.tsv is not"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> DayPlan.byFile(DayPlan.daysFromNames(List.of("day_23")), new long[] {10}));
    assertTrue(e.getMessage().contains("all input files are day 23"), e.getMessage());
  }

  @Test
  void withoutDaysEachRowsSplitIsASeededHashOfItsRowIdWithTheGivenFractions() {
    DayPlan p = DayPlan.withoutDays(new SplitAssigner(3, 0.2, 0.1));
    assertFalse(p.hasDays());
    Map<String, Integer> n = new HashMap<>();
    for (long line = 1; line <= 20_000; line++) {
      assertEquals(DayPlan.NO_DAY, p.day(0, line));
      String split = p.split(0, line, DayPlan.NO_DAY);
      assertEquals(new SplitAssigner(3, 0.2, 0.1).assign(InputFile.rowId(0, line)), split);
      n.merge(split, 1, Integer::sum);
    }
    assertEquals(0.2, n.get("valid") / 20_000.0, 0.01);
    assertEquals(0.1, n.get("test") / 20_000.0, 0.01);
    assertTrue(p.rule().contains("test if u < 0.1, valid if u < 0.30"), p.rule());
  }

  @Test
  void generatorReplacesItsOwnOutputAndRefusesAnyOtherDirectoryTouchingNothing(@TempDir Path tmp)
      throws Exception {
    Path raw = tmp.resolve("train.raw");
    CriteoGenerator.generate(raw, new CriteoGenerator.Spec(3, 10, 1, false), 1);
    CriteoGenerator.generate(raw, new CriteoGenerator.Spec(2, 10, 1, false), 1);
    assertEquals(
        List.of(CriteoGenerator.MARKER, "day_0", "day_1"),
        list(raw),
        "its own output is replaced whole: no day_2 of the earlier, longer run is left");

    Path empty = Files.createDirectories(tmp.resolve("empty"));
    CriteoGenerator.generate(empty, new CriteoGenerator.Spec(1, 5, 1, false), 1);
    assertEquals(List.of(CriteoGenerator.MARKER, "day_0"), list(empty));

    Path foreign = Files.createDirectories(tmp.resolve("criteo-1tb"));
    Files.writeString(foreign.resolve("day_0"), "real data");
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> CriteoGenerator.generate(foreign, new CriteoGenerator.Spec(1, 5, 1, false), 1));
    assertTrue(
        e.getMessage().startsWith(foreign + " is not an output of generate-criteo"),
        e.getMessage());
    assertEquals(List.of("day_0"), list(foreign));
    assertEquals("real data", Files.readString(foreign.resolve("day_0")));

    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int rc;
    try {
      rc =
          Prepare.commandLine()
              .execute("generate-criteo", "--output", foreign.toString(), "--days", "1");
    } finally {
      System.setErr(old);
    }
    String text = err.toString(StandardCharsets.UTF_8).strip();
    assertEquals(1, rc, text);
    assertEquals(1, text.lines().count(), text);
    assertTrue(text.startsWith("prepare generate-criteo: " + foreign + " is not"), text);
    assertEquals("real data", Files.readString(foreign.resolve("day_0")));
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void lastDaySplitsIntoTestThenValidHalves() {
    int[] days = DayPlan.daysFromNames(List.of("day_0.gz", "day_1.gz", "day_23_00", "day_23_01"));
    assertArrayEquals(new int[] {0, 1, 23, 23}, days);
    DayPlan p = DayPlan.byFile(days, new long[] {0, 0, 3, 2});
    assertEquals("train", p.split(0, 1, p.day(0, 1)));
    assertEquals("test", p.split(2, 3, 23)); // positions 0,1,2 of 5: first ceil(5/2) = 3 are test
    assertEquals("valid", p.split(3, 1, 23));
    assertThrows(
        IllegalArgumentException.class, () -> DayPlan.byFile(new int[] {5}, new long[] {10}));

    DayPlan cut =
        DayPlan.cut(7, new long[] {40, 30}); // Kaggle train.txt style: 70 lines, 7 days of 10
    assertEquals(0, cut.day(0, 1));
    assertEquals(3, cut.day(0, 40));
    assertEquals(4, cut.day(1, 1));
    assertEquals(6, cut.day(1, 30));
    assertEquals("test", cut.split(1, 21, 6));
    assertEquals("valid", cut.split(1, 26, 6));
  }

  @Test
  void generatorWritesValidRowsWithAboutThreePercentClicks() throws RowFormatException {
    SplittableRandom rnd = new SplittableRandom(1);
    byte[] buf = new byte[1024];
    CriteoRecord r = new CriteoRecord();
    int clicks = 0;
    int missingC20 = 0;
    for (int i = 0; i < 20_000; i++) {
      int n = CriteoGenerator.row(rnd, buf);
      assertEquals('\n', buf[n - 1]);
      CriteoLineParser.parse(buf, n - 1, r);
      clicks += r.label;
      missingC20 += r.categorical[19] < 0 ? 1 : 0;
    }
    assertEquals(0.03, clicks / 20_000.0, 0.01);
    assertEquals(0.44, missingC20 / 20_000.0, 0.02);
  }
}
