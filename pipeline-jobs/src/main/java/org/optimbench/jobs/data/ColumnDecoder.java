package org.optimbench.jobs.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.parquet.bytes.ByteBufferInputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ValuesType;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.values.ValuesReader;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * Decodes one column chunk of a row group into a {@link ChunkBuilder}'s arrays, a page at a time: a
 * page's repetition and definition levels are decoded in bulk into int arrays ({@link HybridRle}),
 * its values into one primitive array (PLAIN values by a bulk little-endian copy, dictionary ids
 * through the chunk's dictionary decoded once into a primitive array, any other encoding through
 * Parquet's own {@link ValuesReader}). Rows are then found by walking the level arrays, and the
 * values of consecutive rows are copied into the chunk with one {@code System.arraycopy} per page.
 * Parquet's {@code ColumnReader}, one virtual call chain per value and level, read Criteo's train
 * split slower than Spark's vectorized scan; this reads it faster (BENCHMARKS.md, "Training data at
 * scale", the reader rows).
 *
 * <p>Definition levels: a value is present at the column's maximum; for a list, a level below the
 * list's own level is a null list, equal to it an empty list, in between a null element. Repetition
 * level 0 starts a row; a row may continue on the next page (version-1 pages do not have to end on
 * a row boundary).
 */
final class ColumnDecoder {
  final ColumnDescriptor descriptor;
  final String name;
  private final Target target;
  private final int list; // list column index, for Target.LIST
  private final int listDef; // definition level of an empty list
  private final int maxDef;
  private final int maxRep;
  private final PrimitiveTypeName type;

  /** Where a column's values go in a chunk. */
  enum Target {
    IDS,
    LABELS,
    LIST
  }

  private String where; // "row group 3 of FILE, column 'x'", for errors
  private PageReader pages;
  private long tripletsLeft; // in pages not yet read
  private Object dictionary; // int[] / long[] / float[] / double[], or null
  private long row; // row of the row group at the current position, for errors

  // the current page
  private int n; // triplets
  private int t; // next triplet
  private int v; // next value
  private int[] rep = new int[0];
  private int[] def = new int[0];
  private int[] ids = new int[0];
  private Object values; // int[] / long[] / float[] / double[]
  private boolean allDefined; // every triplet of the page holds a value: no null nor empty list

  ColumnDecoder(ColumnDescriptor descriptor, String name, Target target, int list, int listDef) {
    this.descriptor = descriptor;
    this.name = name;
    this.target = target;
    this.list = list;
    this.listDef = listDef;
    this.maxDef = descriptor.getMaxDefinitionLevel();
    this.maxRep = descriptor.getMaxRepetitionLevel();
    this.type = descriptor.getPrimitiveType().getPrimitiveTypeName();
    this.values = newValues(0);
  }

  /** Positions the decoder on the first row of a column chunk. */
  void open(PageReader pages, String where) {
    this.where = where;
    this.pages = pages;
    this.tripletsLeft = pages.getTotalValueCount();
    this.row = 0;
    n = t = v = 0;
    DictionaryPage dp = pages.readDictionaryPage();
    dictionary = null;
    if (dp != null) {
      try {
        Dictionary d = dp.getEncoding().initDictionary(descriptor, dp);
        int size = d.getMaxId() + 1;
        dictionary =
            switch (type) {
              case INT32 -> {
                int[] a = new int[size];
                for (int i = 0; i < size; i++) a[i] = d.decodeToInt(i);
                yield a;
              }
              case INT64 -> {
                long[] a = new long[size];
                for (int i = 0; i < size; i++) a[i] = d.decodeToLong(i);
                yield a;
              }
              case FLOAT -> {
                float[] a = new float[size];
                for (int i = 0; i < size; i++) a[i] = d.decodeToFloat(i);
                yield a;
              }
              case DOUBLE -> {
                double[] a = new double[size];
                for (int i = 0; i < size; i++) a[i] = d.decodeToDouble(i);
                yield a;
              }
              default -> throw new IllegalStateException("type " + type);
            };
      } catch (IOException e) {
        throw new DataReadException(where + ": bad dictionary: " + DataReadException.reason(e), e);
      }
    }
  }

  /** Drops the column chunk. */
  void release() {
    pages = null;
    dictionary = null;
    n = t = v = 0;
  }

  /** Decodes {@code rows} rows into the builder's rows {@code at ..}. */
  void read(ChunkBuilder b, int at, int rows) {
    if (target == Target.LIST) readList(b, at, rows);
    else readFlat(target == Target.IDS ? b.ids : b.labels, at, rows);
  }

  /** Moves past {@code rows} rows. */
  void skip(long rows) {
    if (target == Target.LIST) {
      for (long i = 0; i < rows; i++) {
        if (t == n) pageOrFail(row + i);
        do {
          do {
            if (def[t] == maxDef) v++;
            t++;
          } while (t < n && rep[t] != 0);
        } while (t == n && nextPage() && rep[0] != 0);
      }
    } else {
      long left = rows;
      while (left > 0) {
        if (t == n) pageOrFail(row + rows - left);
        int k = (int) Math.min(left, n - t);
        if (maxDef == 0) v += k;
        else for (int j = t; j < t + k; j++) if (def[j] == maxDef) v++;
        t += k;
        left -= k;
      }
    }
    row += rows;
  }

  private void readFlat(Object out, int at, int rows) {
    int i = 0;
    while (i < rows) {
      if (t == n) pageOrFail(row + i);
      int k = Math.min(rows - i, n - t);
      if (maxDef > 0)
        for (int j = 0; j < k; j++)
          if (def[t + j] != maxDef) throw nullAt(row + i + j, "null " + name);
      System.arraycopy(values, v, out, at + i, k);
      t += k;
      v += k;
      i += k;
    }
    row += rows;
  }

  private void readList(ChunkBuilder b, int at, int rows) {
    int[] off = b.offsets[list];
    // Every triplet of a non-empty row holds a value (null elements are errors), so the page's
    // values [segV, v) go to the chunk's [segPos, segPos + v - segV): copied once per page.
    int segV = v;
    int segPos = off[at];
    for (int i = 0; i < rows; i++) {
      if (t == n) {
        segPos = flush(b, segV, segPos);
        pageOrFail(row + i);
        segV = v;
      }
      if (rep[t] != 0) throw corrupt(row + i, "a row starts at repetition level " + rep[t]);
      if (!allDefined && def[t] <= listDef) {
        if (def[t] < listDef) throw nullAt(row + i, "null list");
        t++;
        off[at + i + 1] = segPos + (v - segV);
        continue;
      }
      while (true) {
        // the row's triplets on this page: up to the next repetition level 0
        int e = t + 1;
        while (e < n && rep[e] != 0) e++;
        if (!allDefined)
          for (int j = t; j < e; j++) if (def[j] != maxDef) throw nullAt(row + i, "null element");
        v += e - t;
        t = e;
        if (t < n) break; // the next triplet starts the next row
        // the page ends in or after this row: the next page's first level says which
        segPos = flush(b, segV, segPos);
        boolean more = nextPage();
        segV = v;
        if (!more || rep[0] == 0) break;
      }
      off[at + i + 1] = segPos + (v - segV);
    }
    flush(b, segV, segPos);
    row += rows;
  }

  /** Copies the page's values [segV, v) to the chunk from {@code segPos}; returns the new end. */
  private int flush(ChunkBuilder b, int segV, int segPos) {
    int count = v - segV;
    if (count == 0) return segPos;
    long end = (long) segPos + count;
    Object out = b.values[list];
    if (end > java.lang.reflect.Array.getLength(out)) out = b.grow(list, end);
    if (out instanceof float[] f && values instanceof double[] d) { // a column decoded as float
      for (int i = 0; i < count; i++) f[segPos + i] = (float) d[segV + i];
    } else {
      System.arraycopy(values, segV, out, segPos, count);
    }
    return (int) end;
  }

  /** Loads the next page for row {@code at} of the row group, which must be there. */
  private void pageOrFail(long at) {
    if (!nextPage())
      throw new DataReadException(
          where + ": the column ends at row " + at + ", before the row count of the footer");
  }

  /** Decodes the next page of the column chunk; false at the end of the chunk. */
  private boolean nextPage() {
    if (tripletsLeft <= 0) return false;
    DataPage page = pages.readPage();
    if (page == null)
      throw new DataReadException(where + ": " + tripletsLeft + " values missing at the end");
    int count = page.getValueCount();
    tripletsLeft -= count;
    if (rep.length < count && maxRep > 0) rep = new int[count];
    if (def.length < count && maxDef > 0) def = new int[count];
    try {
      if (page instanceof DataPageV1 p) {
        ByteBuffer bb = heap(p.getBytes());
        byte[] buf = bb.array();
        int pos = bb.arrayOffset() + bb.position();
        int end = pos + bb.remaining();
        if (maxRep > 0) pos = levelsV1(p.getRlEncoding(), maxRep, buf, pos, end, rep, count, true);
        if (maxDef > 0) pos = levelsV1(p.getDlEncoding(), maxDef, buf, pos, end, def, count, false);
        decodeValues(p.getValueEncoding(), buf, pos, end, count);
      } else if (page instanceof DataPageV2 p) {
        if (maxRep > 0) levelsV2(p.getRepetitionLevels(), maxRep, rep, count);
        if (maxDef > 0) levelsV2(p.getDefinitionLevels(), maxDef, def, count);
        ByteBuffer bb = heap(p.getData());
        int pos = bb.arrayOffset() + bb.position();
        decodeValues(p.getDataEncoding(), bb.array(), pos, pos + bb.remaining(), count);
      } else {
        throw new DataReadException(where + ": unknown page type " + page.getClass().getName());
      }
    } catch (IOException e) {
      throw new DataReadException(where + ": " + DataReadException.reason(e), e);
    }
    n = count;
    t = 0;
    v = 0;
    return true;
  }

  private static ByteBuffer heap(BytesInput in) throws IOException {
    ByteBuffer bb = in.toByteBuffer();
    if (bb.hasArray()) return bb;
    ByteBuffer copy = ByteBuffer.allocate(bb.remaining());
    copy.put(bb.duplicate());
    copy.flip();
    return copy;
  }

  private static int bitWidth(int maxLevel) {
    return 32 - Integer.numberOfLeadingZeros(maxLevel);
  }

  /** Version-1 levels: RLE with a 4-byte length (Spark, parquet-mr), else Parquet's reader. */
  private int levelsV1(
      Encoding enc, int maxLevel, byte[] buf, int pos, int end, int[] out, int count, boolean r)
      throws IOException {
    if (enc == Encoding.RLE) {
      if (pos + 4 > end) throw new IllegalStateException("corrupt page: no level length");
      int len =
          (buf[pos] & 0xff)
              | (buf[pos + 1] & 0xff) << 8
              | (buf[pos + 2] & 0xff) << 16
              | (buf[pos + 3] & 0xff) << 24;
      pos += 4;
      if (len < 0 || len > end - pos)
        throw new IllegalStateException("corrupt page: levels of " + len + " bytes");
      HybridRle.decode(buf, pos, pos + len, bitWidth(maxLevel), out, count);
      return pos + len;
    }
    ValuesReader reader =
        enc.getValuesReader(
            descriptor, r ? ValuesType.REPETITION_LEVEL : ValuesType.DEFINITION_LEVEL);
    ByteBufferInputStream in = ByteBufferInputStream.wrap(ByteBuffer.wrap(buf, pos, end - pos));
    reader.initFromPage(count, in);
    for (int i = 0; i < count; i++) out[i] = reader.readInteger();
    return pos + (int) in.position();
  }

  /** Version-2 levels: always RLE, without a length. */
  private static void levelsV2(BytesInput bytes, int maxLevel, int[] out, int count)
      throws IOException {
    ByteBuffer bb = heap(bytes);
    int pos = bb.arrayOffset() + bb.position();
    HybridRle.decode(bb.array(), pos, pos + bb.remaining(), bitWidth(maxLevel), out, count);
  }

  /** Decodes the page's values (one per triplet at the maximum definition level). */
  private void decodeValues(Encoding enc, byte[] buf, int pos, int end, int triplets)
      throws IOException {
    int count = triplets;
    if (maxDef > 0) {
      count = 0;
      for (int i = 0; i < triplets; i++) if (def[i] == maxDef) count++;
    }
    allDefined = count == triplets;
    if (java.lang.reflect.Array.getLength(values) < count) values = newValues(count);
    if (count == 0) return;
    if (enc == Encoding.PLAIN) {
      int width = type == PrimitiveTypeName.INT32 || type == PrimitiveTypeName.FLOAT ? 4 : 8;
      if ((long) count * width > end - pos)
        throw new IllegalStateException(
            "corrupt page: " + count + " values in " + (end - pos) + " bytes");
      ByteBuffer bb = ByteBuffer.wrap(buf, pos, count * width).order(ByteOrder.LITTLE_ENDIAN);
      switch (type) {
        case INT32 -> bb.asIntBuffer().get((int[]) values, 0, count);
        case INT64 -> bb.asLongBuffer().get((long[]) values, 0, count);
        case FLOAT -> bb.asFloatBuffer().get((float[]) values, 0, count);
        case DOUBLE -> bb.asDoubleBuffer().get((double[]) values, 0, count);
        default -> throw new IllegalStateException("type " + type);
      }
    } else if (enc == Encoding.PLAIN_DICTIONARY || enc == Encoding.RLE_DICTIONARY) {
      if (dictionary == null)
        throw new IllegalStateException("corrupt chunk: dictionary-encoded page, no dictionary");
      if (pos >= end) throw new IllegalStateException("corrupt page: no dictionary id width");
      if (ids.length < count) ids = new int[count];
      HybridRle.decode(buf, pos + 1, end, buf[pos] & 0xff, ids, count);
      try {
        lookUp(count);
      } catch (ArrayIndexOutOfBoundsException e) {
        // the JVM's bounds check is the range check of the ids: no separate pass over them
        throw new IllegalStateException(
            "corrupt page: a dictionary id out of the "
                + java.lang.reflect.Array.getLength(dictionary)
                + " entries");
      }
    } else {
      // DELTA_BINARY_PACKED, BYTE_STREAM_SPLIT, ...: not written by Spark's default writer
      ValuesReader r = enc.getValuesReader(descriptor, ValuesType.VALUES);
      r.initFromPage(triplets, ByteBufferInputStream.wrap(ByteBuffer.wrap(buf, pos, end - pos)));
      switch (type) {
        case INT32 -> {
          int[] o = (int[]) values;
          for (int i = 0; i < count; i++) o[i] = r.readInteger();
        }
        case INT64 -> {
          long[] o = (long[]) values;
          for (int i = 0; i < count; i++) o[i] = r.readLong();
        }
        case FLOAT -> {
          float[] o = (float[]) values;
          for (int i = 0; i < count; i++) o[i] = r.readFloat();
        }
        case DOUBLE -> {
          double[] o = (double[]) values;
          for (int i = 0; i < count; i++) o[i] = r.readDouble();
        }
        default -> throw new IllegalStateException("type " + type);
      }
    }
  }

  /** Values from the dictionary ids of the page. */
  private void lookUp(int count) {
    switch (type) {
      case INT32 -> {
        int[] d = (int[]) dictionary;
        int[] o = (int[]) values;
        for (int i = 0; i < count; i++) o[i] = d[ids[i]];
      }
      case INT64 -> {
        long[] d = (long[]) dictionary;
        long[] o = (long[]) values;
        for (int i = 0; i < count; i++) o[i] = d[ids[i]];
      }
      case FLOAT -> {
        float[] d = (float[]) dictionary;
        float[] o = (float[]) values;
        for (int i = 0; i < count; i++) o[i] = d[ids[i]];
      }
      case DOUBLE -> {
        double[] d = (double[]) dictionary;
        double[] o = (double[]) values;
        for (int i = 0; i < count; i++) o[i] = d[ids[i]];
      }
      default -> throw new IllegalStateException("type " + type);
    }
  }

  private Object newValues(int length) {
    return switch (type) {
      case INT32 -> new int[length];
      case INT64 -> new long[length];
      case FLOAT -> new float[length];
      case DOUBLE -> new double[length];
      default -> throw new IllegalStateException("type " + type);
    };
  }

  private DataReadException corrupt(long row, String what) {
    return new DataReadException(where + ": corrupt page: " + what + " in row " + row);
  }

  private DataReadException nullAt(long row, String what) {
    return new DataReadException(where + ": " + what + " in row " + row + " of the row group");
  }
}
