package org.optimbench.jobs.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.optimbench.jobs.data.SparkParquet.assertSameRows;
import static org.optimbench.jobs.data.SparkParquet.range;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.prep.criteo.CriteoConfig;
import org.optimbench.prep.criteo.CriteoGenerator;
import org.optimbench.prep.criteo.CriteoJob;
import org.optimbench.prep.libsvm.LibsvmConfig;
import org.optimbench.prep.libsvm.LibsvmJob;
import org.optimbench.prep.text.TextConfig;
import org.optimbench.prep.text.TextJob;

/**
 * The reader against Spark's own Parquet reader, on data-prep's real outputs (LIBSVM digits,
 * generated Criteo days, the KJV text as blocks) and on Spark-written data with nullable lists and
 * empty lists, all written with row groups of a few hundred rows: the same rows and values for
 * every column type, for whole splits and for ranges starting and ending inside row groups, across
 * files and row groups. Also the split index (row counts from the footers, empty splits, refusals)
 * and the errors: null lists, elements and ids, wrong types, missing columns, missing, corrupt and
 * changed files, each naming the file (and row group and column when it has them).
 */
class ParquetRangeReaderTest {
  @TempDir static Path tmp;
  static SparkSession spark;
  static final Configuration CONF = new Configuration();
  static Path digits;
  static Path criteo;
  static Path text;
  static Path synthetic;

  /** Lists with nulls allowed by the schema (none present), empty lists, three files. */
  static final ChunkSchema SYNTHETIC =
      new ChunkSchema(
          "row_id",
          "label",
          List.of(
              new ChunkSchema.ListColumn("indices", ChunkSchema.ElementType.INT),
              new ChunkSchema.ListColumn("values", ChunkSchema.ElementType.DOUBLE),
              new ChunkSchema.ListColumn("dense", ChunkSchema.ElementType.FLOAT)));

  static final StructType SYNTHETIC_TYPE =
      new StructType()
          .add("row_id", DataTypes.LongType, true)
          .add("label", DataTypes.IntegerType, true)
          .add("indices", DataTypes.createArrayType(DataTypes.IntegerType, true), true)
          .add("values", DataTypes.createArrayType(DataTypes.DoubleType, true), true)
          .add("dense", DataTypes.createArrayType(DataTypes.FloatType, false), false);

  @BeforeAll
  static void setUp() throws Exception {
    spark = SparkParquet.start("parquet-range-reader-test");
    Path root = Path.of("..").toAbsolutePath().normalize();
    digits = tmp.resolve("digits");
    LibsvmJob.run(
        spark,
        new LibsvmConfig(
            root.resolve("data/libsvm/digits").toString(),
            digits.toString(),
            false,
            0L,
            0L,
            0.1,
            0.1,
            null,
            null,
            null));
    Path days = tmp.resolve("criteo-days");
    CriteoGenerator.generate(days, new CriteoGenerator.Spec(3, 1500, 5, false), 2);
    criteo = tmp.resolve("criteo");
    CriteoJob.run(
        spark,
        new CriteoConfig(
            days.toString(), criteo.toString(), false, 0L, 0L, null, null, null, null));
    text = tmp.resolve("text");
    TextJob.run(
        spark,
        new TextConfig(
            root.resolve("data/text/kjv").toString(),
            text.toString(),
            false,
            0L,
            0L,
            null,
            null,
            null,
            63,
            0.3));
    synthetic = tmp.resolve("synthetic");
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 2000; i++) rows.add(syntheticRow(i));
    spark
        .createDataFrame(rows, SYNTHETIC_TYPE)
        .repartition(3)
        .write()
        .parquet(synthetic.resolve("data/split=train").toString());
    Files.writeString(synthetic.resolve("_SUCCESS"), "");
  }

  /** Row i: id 7i + 3, label i % 5, i % 6 indices (0 to 5, so empty lists), 3 dense floats. */
  static Row syntheticRow(int i) {
    int n = i % 6;
    List<Integer> idx = new ArrayList<>();
    List<Double> val = new ArrayList<>();
    for (int j = 0; j < n; j++) {
      idx.add(i * 3 + j);
      val.add(i / 7.0 - j);
    }
    return RowFactory.create(
        7L * i + 3, i % 5, idx, val, List.of(i * 0.5f, -i * 0.25f, (float) Math.sqrt(i)));
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
  }

  record Case(String name, Path dir, String split, ChunkSchema schema) {}

  static List<Case> cases() {
    return List.of(
        new Case("digits train", digits, "train", ChunkSchema.libsvm()),
        new Case("digits test", digits, "test", ChunkSchema.libsvm()),
        new Case("criteo train", criteo, "train", ChunkSchema.criteo()),
        new Case("criteo valid", criteo, "valid", ChunkSchema.criteo()),
        new Case("text train", text, "train", ChunkSchema.textBlocks()),
        new Case("text valid", text, "valid", ChunkSchema.textBlocks()),
        new Case("synthetic", synthetic, "train", SYNTHETIC));
  }

  @Test
  void wholeSplitsMatchSparksReaderForEveryColumnType() {
    boolean severalGroupsInAFile = false;
    for (Case c : cases()) {
      SplitIndex index = SplitIndex.load(c.dir().toString(), c.split(), CONF);
      RowChunk expected = SparkParquet.sparkRows(spark, index, c.schema());
      assertTrue(expected.size() > 0, c.name());
      assertEquals(expected.size(), index.rows(), c.name() + ": footer row counts");
      for (int g = 1; g < index.rowGroupCount(); g++)
        severalGroupsInAFile |= index.fileOf(g) == index.fileOf(g - 1);
      try (ParquetRangeReader r = new ParquetRangeReader(index, c.schema(), CONF)) {
        RowChunk all = r.readAll(ShardPlan.share(index.rowGroupRows(), 0, 0, 0, 1, false));
        assertSameRows(expected, all, c.name());
        assertEquals(index.rowGroupCount(), r.rowGroupsOpened(), c.name());
      }
    }
    assertTrue(severalGroupsInAFile, "a file with several row groups was read");
  }

  /**
   * Pages are read one at a time from storage, so every page kind a writer may produce must decode:
   * version 1 and 2 data pages, each codec Spark writes with, dictionary and plain values.
   */
  @Test
  void everyPageVersionCodecAndValueEncodingMatchesSpark() throws Exception {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 2000; i++) rows.add(syntheticRow(i));
    for (String[] w :
        List.of(
            new String[] {"v1", "uncompressed", "true"},
            new String[] {"v2", "snappy", "true"},
            new String[] {"v2", "gzip", "false"},
            new String[] {"v2", "uncompressed", "false"},
            new String[] {"v1", "zstd", "false"},
            new String[] {"v1", "lz4", "true"})) {
      String name = String.join("-", w);
      Path dir = tmp.resolve("writer-" + name);
      spark
          .createDataFrame(rows, SYNTHETIC_TYPE)
          .repartition(2)
          .write()
          .option("compression", w[1])
          .option("parquet.writer.version", w[0])
          .option("parquet.enable.dictionary", w[2])
          .parquet(dir.resolve("data/split=train").toString());
      Files.writeString(dir.resolve("_SUCCESS"), "");
      SplitIndex index = SplitIndex.load(dir.toString(), "train", CONF);
      assertTrue(index.rowGroupCount() > index.fileCount(), name + ": several row groups a file");
      try (org.apache.parquet.hadoop.ParquetFileReader f =
          org.apache.parquet.hadoop.ParquetFileReader.open(
              org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(
                  new org.apache.hadoop.fs.Path(index.file(0)), CONF))) {
        var meta = f.getRowGroups().get(0).getColumns().get(0);
        assertEquals(w[1].toUpperCase(java.util.Locale.ROOT), meta.getCodec().name(), name);
        var page =
            f.readRowGroup(0)
                .getPageReader(f.getFileMetaData().getSchema().getColumns().get(0))
                .readPage();
        assertEquals(
            w[0].equals("v2"),
            page instanceof org.apache.parquet.column.page.DataPageV2,
            name + ": page version");
      }
      RowChunk expected = SparkParquet.sparkRows(spark, index, SYNTHETIC);
      try (ParquetRangeReader r = new ParquetRangeReader(index, SYNTHETIC, CONF)) {
        assertSameRows(
            expected, r.readAll(ShardPlan.share(index.rowGroupRows(), 0, 0, 0, 1, false)), name);
      }
      assertDecodedAsFloats(index, SYNTHETIC, 1, name);
    }
    SplitIndex digitsTrain = SplitIndex.load(digits.toString(), "train", CONF);
    assertDecodedAsFloats(digitsTrain, ChunkSchema.libsvm(), 1, "digits train");
  }

  /**
   * Reading list column {@code k} of {@code schema} (stored as doubles) decoded as floats gives
   * every value rounded to float and everything else as read with the doubles.
   */
  static void assertDecodedAsFloats(SplitIndex index, ChunkSchema schema, int k, String name) {
    List<ChunkSchema.ListColumn> lists = new ArrayList<>(schema.lists());
    ChunkSchema.ListColumn c = lists.get(k);
    lists.set(k, new ChunkSchema.ListColumn(c.name(), ChunkSchema.ElementType.FLOAT, c.stored()));
    ChunkSchema narrowed = new ChunkSchema(schema.idColumn(), schema.labelColumn(), lists);
    List<ShardPlan.Range> all = ShardPlan.share(index.rowGroupRows(), 0, 0, 0, 1, false);
    RowChunk d;
    RowChunk f;
    try (ParquetRangeReader r = new ParquetRangeReader(index, schema, CONF)) {
      d = r.readAll(all);
    }
    try (ParquetRangeReader r = new ParquetRangeReader(index, narrowed, CONF)) {
      f = r.readAll(all);
    }
    assertEquals(narrowed, f.schema(), name);
    assertArrayEquals(d.ids(), f.ids(), name);
    assertArrayEquals(d.labels(), f.labels(), name);
    for (int j = 0; j < schema.listCount(); j++) {
      assertArrayEquals(d.offsets(j), f.offsets(j), name + ": offsets " + j);
      if (j == k) {
        double[] want = d.doubles(j);
        float[] got = f.floats(j);
        assertEquals(want.length, got.length, name);
        assertTrue(want.length > 0, name);
        for (int i = 0; i < want.length; i++)
          assertEquals(
              Float.floatToIntBits((float) want[i]), Float.floatToIntBits(got[i]), name + " " + i);
      }
    }
  }

  @Test
  void rangesStartingAndEndingInsideRowGroupsMatchSpark() {
    Random rnd = new Random(17);
    boolean insideBothEnds = false;
    for (Case c : cases()) {
      SplitIndex index = SplitIndex.load(c.dir().toString(), c.split(), CONF);
      RowChunk expected = SparkParquet.sparkRows(spark, index, c.schema());
      long[] groups = index.rowGroupRows();
      int[] identity = ShardPlan.identity(groups.length);
      try (ParquetRangeReader r = new ParquetRangeReader(index, c.schema(), CONF)) {
        for (int trial = 0; trial < 12; trial++) {
          long a = rnd.nextInt((int) index.rows());
          long b = rnd.nextInt((int) index.rows());
          long from = Math.min(a, b);
          long to = Math.max(a, b) + 1;
          List<ShardPlan.Range> ranges = ShardPlan.slice(groups, identity, from, to);
          ShardPlan.Range first = ranges.get(0);
          ShardPlan.Range last = ranges.get(ranges.size() - 1);
          insideBothEnds |= first.firstRow() > 0 && last.endRow() < groups[last.rowGroup()];
          int chunkRows = 1 + rnd.nextInt(300);
          List<RowChunk> chunks = new ArrayList<>();
          r.read(ranges, chunkRows, chunks::add);
          for (int i = 0; i < chunks.size(); i++)
            assertTrue(
                chunks.get(i).size() == chunkRows
                    || (i == chunks.size() - 1 && chunks.get(i).size() < chunkRows),
                "chunk sizes");
          assertSameRows(
              expected.gather(range(from, to)),
              RowChunk.concat(c.schema(), chunks),
              c.name() + " rows [" + from + ", " + to + ")");
        }
      }
    }
    assertTrue(insideBothEnds, "some range started and ended inside a row group");
  }

  @Test
  void consecutiveRangesContinueWhereTheLastStoppedAndOtherRangesReposition() {
    SplitIndex index = SplitIndex.load(synthetic.toString(), "train", CONF);
    RowChunk expected = SparkParquet.sparkRows(spark, index, SYNTHETIC);
    long[] groups = index.rowGroupRows();
    int[] identity = ShardPlan.identity(groups.length);
    try (ParquetRangeReader r = new ParquetRangeReader(index, SYNTHETIC, CONF)) {
      // windows of 37 rows one after another: no row is decoded twice
      for (long from = 0; from < index.rows(); from += 37) {
        long to = Math.min(index.rows(), from + 37);
        assertSameRows(
            expected.gather(range(from, to)),
            r.readAll(ShardPlan.slice(groups, identity, from, to)),
            "window at " + from);
      }
      assertEquals(0, r.rowsSkipped());
      assertEquals(index.rowGroupCount(), r.rowGroupsOpened());
      // backwards, then forwards inside the same row group
      long mid = index.firstRow(1) + groups[1] / 2;
      for (long[] s : new long[][] {{mid, mid + 5}, {mid - 3, mid + 1}, {mid + 40, mid + 41}}) {
        assertSameRows(
            expected.gather(range(s[0], s[1])),
            r.readAll(ShardPlan.slice(groups, identity, s[0], s[1])),
            "rows " + Arrays.toString(s));
      }
    }
  }

  @Test
  void splitIndexListsFilesByNameWithFooterRowCountsAndTravelsSerialized() throws Exception {
    Path split = synthetic.resolve("data/split=train");
    Files.writeString(split.resolve("_temporary-marker"), "not data");
    Files.writeString(split.resolve(".hidden"), "not data");
    SplitIndex index = SplitIndex.load(synthetic.toString(), "train", CONF);
    assertEquals(3, index.fileCount(), "hidden and _ files are not data");
    List<String> names = new ArrayList<>();
    for (int f = 0; f < index.fileCount(); f++) names.add(index.file(f));
    List<String> sorted = new ArrayList<>(names);
    sorted.sort(null);
    assertEquals(sorted, names);
    long total = 0;
    for (int f = 0; f < index.fileCount(); f++) {
      long inFile = 0;
      for (int g = 0; g < index.rowGroupCount(); g++) {
        if (index.fileOf(g) == f) {
          assertEquals(total + inFile, index.firstRow(g));
          inFile += index.rows(g);
        }
      }
      assertEquals(spark.read().parquet(index.file(f)).count(), inFile, index.file(f));
      total += inFile;
    }
    assertEquals(2000, total);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(index);
    }
    Object back = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray())).readObject();
    assertEquals(index, back);
    assertTrue(bytes.size() < 4096, bytes.size() + " bytes serialized");
  }

  @Test
  void anEmptySplitHasNoRowsAndIncompleteOrInconsistentOutputsAreRefused() throws Exception {
    SplitIndex empty = SplitIndex.load(synthetic.toString(), "valid", CONF);
    assertEquals(0, empty.rows());
    assertEquals(0, empty.rowGroupCount());
    ParquetRangeReader.checkColumns(empty, SYNTHETIC, CONF);
    try (ParquetRangeReader r = new ParquetRangeReader(empty, SYNTHETIC, CONF)) {
      assertEquals(0, r.readAll(List.of()).size());
    }

    Path unfinished = tmp.resolve("unfinished");
    Files.createDirectories(unfinished.resolve("data/split=train"));
    DataReadException e =
        assertThrows(
            DataReadException.class, () -> SplitIndex.load(unfinished.toString(), "train", CONF));
    assertTrue(e.getMessage().contains("unfinished: no _SUCCESS"), e.getMessage());

    Path noData = tmp.resolve("no-data");
    Files.createDirectories(noData);
    Files.writeString(noData.resolve("_SUCCESS"), "");
    e =
        assertThrows(
            DataReadException.class, () -> SplitIndex.load(noData.toString(), "train", CONF));
    assertTrue(e.getMessage().endsWith("no-data: no data/ directory"), e.getMessage());

    // a manifest that disagrees with the footers (a partial copy, say)
    Path copy = tmp.resolve("digits-copy");
    copyTree(digits, copy);
    Files.delete(copy.resolve(".manifest.json.crc"));
    Files.writeString(
        copy.resolve("manifest.json"),
        Files.readString(copy.resolve("manifest.json")).replace("\"train\" : 1", "\"train\" : 9"));
    e =
        assertThrows(
            DataReadException.class, () -> SplitIndex.load(copy.toString(), "train", CONF));
    assertTrue(e.getMessage().contains("manifest.json says split train has 9"), e.getMessage());
    assertEquals(
        SplitIndex.load(digits.toString(), "train", CONF).rows(),
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(digits.resolve("manifest.json").toFile())
            .path("rows")
            .path("train")
            .asLong());
  }

  /** A dataset of one split written by Spark from {@code rows} of {@code type}. */
  static SplitIndex write(String name, StructType type, List<Row> rows) throws Exception {
    Path dir = tmp.resolve(name);
    spark
        .createDataFrame(rows, type)
        .coalesce(1)
        .write()
        .parquet(dir.resolve("data/split=train").toString());
    Files.writeString(dir.resolve("_SUCCESS"), "");
    return SplitIndex.load(dir.toString(), "train", CONF);
  }

  /**
   * The local file system checks a file against its .crc sibling; object stores have none, so the
   * tampering tests drop it to see the reader's own checks.
   */
  static Path withoutChecksum(String uri) throws Exception {
    Path p = Path.of(new java.net.URI(uri));
    Files.deleteIfExists(p.resolveSibling("." + p.getFileName() + ".crc"));
    return p;
  }

  static DataReadException readFails(SplitIndex index, ChunkSchema schema) {
    try (ParquetRangeReader r = new ParquetRangeReader(index, schema, CONF)) {
      return assertThrows(
          DataReadException.class,
          () -> r.readAll(ShardPlan.share(index.rowGroupRows(), 0, 0, 0, 1, false)));
    }
  }

  static void assertNames(DataReadException e, SplitIndex index, String... parts) {
    String m = e.getMessage();
    assertTrue(!m.contains("\n"), "one line: " + m);
    assertTrue(m.contains(index.file(0)), "names the file: " + m);
    for (String p : parts) assertTrue(m.contains(p), "'" + p + "' in: " + m);
  }

  @Test
  void nullListsElementsAndIdsAreErrorsNamingFileRowGroupAndColumn() throws Exception {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 1000; i++) rows.add(syntheticRow(i));
    List<Row> nullList = new ArrayList<>(rows);
    Row r = syntheticRow(700);
    nullList.set(700, RowFactory.create(r.get(0), r.get(1), null, r.get(3), r.get(4)));
    SplitIndex index = write("null-list", SYNTHETIC_TYPE, nullList);
    assertTrue(index.rowGroupCount() > 1);
    int group = 0;
    while (index.firstRow(group) + index.rows(group) <= 700) group++;
    assertNames(
        readFails(index, SYNTHETIC),
        index,
        "row group " + group + " of",
        "column 'indices'",
        "null list in row " + (700 - index.firstRow(group)));

    List<Row> nullElement = new ArrayList<>(rows);
    r = syntheticRow(5);
    nullElement.set(
        5, RowFactory.create(r.get(0), r.get(1), Arrays.asList(1, null, 3), r.get(3), r.get(4)));
    index = write("null-element", SYNTHETIC_TYPE, nullElement);
    assertNames(
        readFails(index, SYNTHETIC), index, "row group 0 of", "column 'indices'", "null element");

    List<Row> nullId = new ArrayList<>(rows);
    r = syntheticRow(3);
    nullId.set(3, RowFactory.create(null, r.get(1), r.get(2), r.get(3), r.get(4)));
    index = write("null-id", SYNTHETIC_TYPE, nullId);
    assertNames(readFails(index, SYNTHETIC), index, "column 'row_id'", "null row_id in row 3");

    // the rows around the null are still readable: ranges that avoid it
    SplitIndex avoid = write("null-list-2", SYNTHETIC_TYPE, nullList);
    try (ParquetRangeReader reader = new ParquetRangeReader(avoid, SYNTHETIC, CONF)) {
      RowChunk before =
          reader.readAll(
              ShardPlan.slice(
                  avoid.rowGroupRows(), ShardPlan.identity(avoid.rowGroupCount()), 0, 700));
      assertEquals(700, before.size());
    }
  }

  @Test
  void wrongTypesAndMissingColumnsAreErrorsNamingTheColumn() throws Exception {
    List<Row> rows = List.of(RowFactory.create(1L, 2L, List.of(1), List.of(1.0f)));
    StructType longLabel =
        new StructType()
            .add("row_id", DataTypes.LongType)
            .add("label", DataTypes.LongType)
            .add("indices", DataTypes.createArrayType(DataTypes.IntegerType))
            .add("values", DataTypes.createArrayType(DataTypes.FloatType));
    SplitIndex index = write("wrong-types", longLabel, rows);
    DataReadException e =
        assertThrows(
            DataReadException.class,
            () -> ParquetRangeReader.checkColumns(index, ChunkSchema.libsvm(), CONF));
    assertNames(e, index, "column 'label' is", "expected a single INT32");
    ChunkSchema floatValues =
        new ChunkSchema(
            "row_id",
            null,
            List.of(new ChunkSchema.ListColumn("values", ChunkSchema.ElementType.DOUBLE)));
    assertNames(
        readFails(index, floatValues), index, "column 'values' is", "3-level LIST of DOUBLE");
    assertNames(
        readFails(index, ChunkSchema.textBlocks()),
        index,
        "no column 'block_id' (columns: row_id, label, indices, values)");
  }

  @Test
  void missingCorruptAndChangedFilesAreErrorsNamingTheFile() throws Exception {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 600; i++) rows.add(syntheticRow(i));
    SplitIndex missing = write("missing-file", SYNTHETIC_TYPE, rows);
    Files.delete(Path.of(new java.net.URI(missing.file(0))));
    assertNames(readFails(missing, SYNTHETIC), missing, "cannot open", "no such file");

    SplitIndex garbage = write("garbage-file", SYNTHETIC_TYPE, rows);
    Path file = withoutChecksum(garbage.file(0));
    byte[] noise = new byte[(int) Files.size(file)];
    new Random(1).nextBytes(noise);
    Files.write(file, noise);
    assertNames(readFails(garbage, SYNTHETIC), garbage, "cannot open", "not a Parquet file");

    // data pages overwritten, footer intact: the row group and column are named
    SplitIndex pages = write("corrupt-pages", SYNTHETIC_TYPE, rows);
    file = withoutChecksum(pages.file(0));
    byte[] content = Files.readAllBytes(file);
    for (int i = 4; i < content.length / 3; i++) content[i] = (byte) (i * 31);
    Files.write(file, content);
    assertNames(readFails(pages, SYNTHETIC), pages, "row group 0 of");

    // rewritten with other rows after the index was made
    SplitIndex changed = write("changed-file", SYNTHETIC_TYPE, rows);
    Path dir = tmp.resolve("changed-file");
    String name = withoutChecksum(changed.file(0)).getFileName().toString();
    Path other = tmp.resolve("changed-file-other");
    spark
        .createDataFrame(rows.subList(0, 100), SYNTHETIC_TYPE)
        .coalesce(1)
        .write()
        .parquet(other.toString());
    try (Stream<Path> s = Files.list(other)) {
      Path part = s.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().get();
      Files.copy(
          part,
          dir.resolve("data/split=train").resolve(name),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    assertNames(readFails(changed, SYNTHETIC), changed, "changed since the split was listed");
  }

  static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path q = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(q);
        else Files.copy(p, q);
      }
    }
  }
}
