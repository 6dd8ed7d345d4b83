package org.optimbench.jobs.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.values.bitpacking.ByteBitPackingValuesWriter;
import org.apache.parquet.column.values.bitpacking.Packer;
import org.apache.parquet.column.values.delta.DeltaBinaryPackingValuesWriterForInteger;
import org.apache.parquet.column.values.plain.PlainValuesWriter;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;

/**
 * The page decoder on pages built with Parquet's own encoders, for what Spark's writer never
 * produces but other writers may: a row continuing on the next page, version-2 pages, a dictionary
 * page followed by both plain and dictionary-encoded pages, bit-packed (deprecated) levels and
 * DELTA_BINARY_PACKED values; and skipping over null values without losing the alignment of the
 * values after them. Also the bulk RLE/bit-packing decoder against Parquet's encoder.
 */
class ColumnDecoderTest {
  static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          "message m { optional int64 id; optional group tokens (LIST) {"
              + " repeated group list { optional int32 element; } } }");
  static final ColumnDescriptor TOKENS =
      SCHEMA.getColumnDescription(new String[] {"tokens", "list", "element"});
  static final ColumnDescriptor ID = SCHEMA.getColumnDescription(new String[] {"id"});
  static final ChunkSchema CHUNK =
      new ChunkSchema(
          "id", null, List.of(new ChunkSchema.ListColumn("tokens", ChunkSchema.ElementType.INT)));

  /** A column chunk's pages, served in order. */
  static final class Pages implements PageReader {
    final DictionaryPage dictionary;
    final Deque<DataPage> pages;
    final long total;

    Pages(DictionaryPage dictionary, DataPage... pages) {
      this.dictionary = dictionary;
      this.pages = new ArrayDeque<>(Arrays.asList(pages));
      this.total = Arrays.stream(pages).mapToLong(DataPage::getValueCount).sum();
    }

    @Override
    public DictionaryPage readDictionaryPage() {
      return dictionary;
    }

    @Override
    public long getTotalValueCount() {
      return total;
    }

    @Override
    public DataPage readPage() {
      return pages.poll();
    }
  }

  static BytesInput rle(int bitWidth, int... values) throws IOException {
    RunLengthBitPackingHybridEncoder e =
        new RunLengthBitPackingHybridEncoder(
            bitWidth, 64, 1024, HeapByteBufferAllocator.getInstance());
    for (int v : values) e.writeInt(v);
    return e.toBytes();
  }

  /** Version-1 levels: RLE behind a 4-byte little-endian length. */
  static BytesInput rleV1(int bitWidth, int... values) throws IOException {
    BytesInput b = rle(bitWidth, values);
    return BytesInput.concat(BytesInput.fromInt((int) b.size()), b);
  }

  static BytesInput plain(int... values) {
    PlainValuesWriter w = new PlainValuesWriter(64, 1024, HeapByteBufferAllocator.getInstance());
    for (int v : values) w.writeInteger(v);
    return w.getBytes();
  }

  static BytesInput bitPacked(int bound, int... values) {
    ByteBitPackingValuesWriter w = new ByteBitPackingValuesWriter(bound, Packer.BIG_ENDIAN);
    for (int v : values) w.writeInteger(v);
    return w.getBytes();
  }

  static BytesInput delta(int... values) {
    DeltaBinaryPackingValuesWriterForInteger w =
        new DeltaBinaryPackingValuesWriterForInteger(
            64, 1024, HeapByteBufferAllocator.getInstance());
    for (int v : values) w.writeInteger(v);
    return w.getBytes();
  }

  static DataPageV1 v1(BytesInput bytes, int count, Encoding rl, Encoding dl, Encoding values)
      throws IOException {
    return new DataPageV1(BytesInput.copy(bytes), count, (int) bytes.size(), null, rl, dl, values);
  }

  /**
   * Rows [10, 11, 12], [], [13], [14, 15, 99, 17], [18, 19], [20] of a list column (maximum
   * definition level 3, an empty list at 1) over four pages: a plain version-1 page ending inside
   * the fourth row, a dictionary-encoded version-2 page finishing it (dictionary ids 3 and 1 of
   * [16, 17, 20, 99]), a version-1 page with bit-packed levels and DELTA_BINARY_PACKED values, and
   * a dictionary-encoded version-1 page.
   */
  static Pages tokens() throws IOException {
    DictionaryPage dict = new DictionaryPage(plain(16, 17, 20, 99), 4, Encoding.PLAIN_DICTIONARY);
    int[] rep1 = {0, 1, 1, 0, 0, 0, 1};
    int[] def1 = {3, 3, 3, 1, 3, 3, 3};
    DataPageV1 p1 =
        v1(
            BytesInput.concat(rleV1(1, rep1), rleV1(2, def1), plain(10, 11, 12, 13, 14, 15)),
            7,
            Encoding.RLE,
            Encoding.RLE,
            Encoding.PLAIN);
    DataPageV2 p2 =
        DataPageV2.uncompressed(
            0,
            0,
            2,
            rle(1, 1, 1),
            rle(2, 3, 3),
            Encoding.RLE_DICTIONARY,
            BytesInput.concat(BytesInput.from(new byte[] {2}), rle(2, 3, 1)),
            null);
    DataPageV1 p3 =
        v1(
            BytesInput.concat(bitPacked(1, 0, 1), bitPacked(3, 3, 3), delta(18, 19)),
            2,
            Encoding.BIT_PACKED,
            Encoding.BIT_PACKED,
            Encoding.DELTA_BINARY_PACKED);
    DataPageV1 p4 =
        v1(
            BytesInput.concat(rleV1(1, 0), rleV1(2, 3), BytesInput.from(new byte[] {2}), rle(2, 2)),
            1,
            Encoding.RLE,
            Encoding.RLE,
            Encoding.RLE_DICTIONARY);
    return new Pages(dict, p1, p2, p3, p4);
  }

  static ColumnDecoder tokenDecoder(PageReader pages) {
    ColumnDecoder d = new ColumnDecoder(TOKENS, "tokens", ColumnDecoder.Target.LIST, 0, 1);
    d.open(pages, "test column");
    return d;
  }

  static RowChunk read(ColumnDecoder d, int... chunkRows) {
    int total = Arrays.stream(chunkRows).sum();
    ChunkBuilder b = new ChunkBuilder(CHUNK, total, new long[] {1});
    for (int rows : chunkRows) {
      d.read(b, b.size, rows);
      b.size += rows;
    }
    return b.build();
  }

  @Test
  void rowsSpanningPagesOfEveryKindAndEncodingDecode() throws IOException {
    for (int[] split : new int[][] {{6}, {1, 2, 3}, {4, 2}, {3, 1, 1, 1}}) {
      RowChunk c = read(tokenDecoder(tokens()), split);
      assertArrayEquals(new int[] {0, 3, 3, 4, 8, 10, 11}, c.offsets(0), Arrays.toString(split));
      assertArrayEquals(
          new int[] {10, 11, 12, 13, 14, 15, 99, 17, 18, 19, 20},
          c.ints(0),
          Arrays.toString(split));
    }
  }

  @Test
  void skippingListRowsAcrossPagesKeepsValuesAligned() throws IOException {
    for (int skip = 0; skip <= 5; skip++) {
      RowChunk all = read(tokenDecoder(tokens()), 6);
      ColumnDecoder d = tokenDecoder(tokens());
      d.skip(skip);
      RowChunk rest = read(d, 6 - skip);
      SparkParquet.assertSameRows(
          all.gather(SparkParquet.range(skip, 6)), rest, "after skipping " + skip);
    }
  }

  @Test
  void aColumnShorterThanAskedIsAnErrorNamingIt() throws IOException {
    ColumnDecoder d = tokenDecoder(tokens());
    DataReadException e = assertThrows(DataReadException.class, () -> read(d, 7));
    assertTrue(e.getMessage().startsWith("test column: the column ends at row 6"), e.getMessage());
  }

  @Test
  void flatColumnsSkipNullsWithoutShiftingLaterValues() throws IOException {
    // ids 5, null, 7, null, 9 on two pages: null values take no space in the value stream
    Pages pages =
        new Pages(
            null,
            v1(
                BytesInput.concat(rleV1(1, 1, 0, 1), plain(new int[0]), longs(5, 7)),
                3,
                Encoding.BIT_PACKED,
                Encoding.RLE,
                Encoding.PLAIN),
            v1(
                BytesInput.concat(rleV1(1, 0, 1), longs(9)),
                2,
                Encoding.BIT_PACKED,
                Encoding.RLE,
                Encoding.PLAIN));
    ColumnDecoder d = new ColumnDecoder(ID, "id", ColumnDecoder.Target.IDS, -1, -1);
    d.open(pages, "ids");
    d.skip(2);
    ChunkBuilder b = new ChunkBuilder(CHUNK, 1, new long[] {0});
    d.read(b, 0, 1);
    assertEquals(7, b.ids[0]);
    DataReadException e = assertThrows(DataReadException.class, () -> d.read(b, 0, 1));
    assertTrue(e.getMessage().contains("ids: null id in row 3"), e.getMessage());
    d.skip(0);
    ColumnDecoder again = new ColumnDecoder(ID, "id", ColumnDecoder.Target.IDS, -1, -1);
    again.open(pages, "ids"); // the same pages are consumed: the chunk now ends
    assertThrows(DataReadException.class, () -> again.read(b, 0, 1));
  }

  static BytesInput longs(long... values) {
    PlainValuesWriter w = new PlainValuesWriter(64, 1024, HeapByteBufferAllocator.getInstance());
    for (long v : values) w.writeLong(v);
    return w.getBytes();
  }

  @Test
  void bulkHybridDecodingMatchesParquetsEncoder() throws IOException {
    Random r = new Random(5);
    for (int bitWidth = 0; bitWidth <= 20; bitWidth++) {
      for (int trial = 0; trial < 5; trial++) {
        int n = 1 + r.nextInt(3000);
        int[] values = new int[n];
        int bound = bitWidth == 0 ? 1 : 1 << Math.min(bitWidth, 30);
        for (int i = 0; i < n; ) {
          // runs (RLE) and noise (bit-packed)
          int v = r.nextInt(bound);
          int len = r.nextBoolean() ? 1 : 1 + r.nextInt(40);
          for (int j = 0; j < len && i < n; j++, i++)
            values[i] = r.nextBoolean() ? v : r.nextInt(bound);
        }
        byte[] bytes = rle(bitWidth, values).toByteArray();
        for (int count : new int[] {n, Math.max(1, n - 5)}) {
          int[] out = new int[count];
          HybridRle.decode(bytes, 0, bytes.length, bitWidth, out, count);
          assertArrayEquals(Arrays.copyOf(values, count), out, "bit width " + bitWidth);
        }
      }
    }
    byte[] cut = rle(8, 1, 2, 3, 4, 5, 6, 7, 8, 9).toByteArray();
    assertThrows(
        IllegalStateException.class,
        () -> HybridRle.decode(cut, 0, 3, 8, new int[9], 9),
        "data ending early is corrupt");
  }
}
