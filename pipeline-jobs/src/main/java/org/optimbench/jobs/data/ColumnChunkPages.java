package org.optimbench.jobs.data;

import java.io.Closeable;
import java.io.IOException;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.DictionaryPageHeader;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * The pages of one column chunk, read from storage one at a time as the decoder asks for them: a
 * stream positioned at the chunk's first page, each page's header, then its bytes, decompressed.
 * Only the page being decoded is held, so a reader's memory does not grow with the row-group size
 * (parquet-mr's {@code readRowGroup} holds every requested column chunk of the row group, which
 * data-prep's writers make up to 128 MB).
 *
 * <p>Reads data pages of both versions and the dictionary page; index pages are skipped. Page
 * checksums are not verified and encrypted files are not supported (data-prep writes neither).
 */
final class ColumnChunkPages implements PageReader, Closeable {
  private final SeekableInputStream in;
  private final CompressionCodecFactory.BytesInputDecompressor decompressor;
  private final long valueCount;
  private final long end;
  private final String where;
  private long pos;
  private PageHeader pending; // a data page's header read while looking for the dictionary
  private boolean dictionaryLooked;

  ColumnChunkPages(
      InputFile file, ColumnChunkMetaData chunk, CompressionCodecFactory codecs, String where)
      throws IOException {
    this.where = where;
    this.pos = chunk.getStartingPos();
    this.end = pos + chunk.getTotalSize();
    this.valueCount = chunk.getValueCount();
    this.decompressor = codecs.getDecompressor(chunk.getCodec());
    this.in = file.newStream();
    try {
      in.seek(pos);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  @Override
  public long getTotalValueCount() {
    return valueCount;
  }

  /** The chunk's dictionary page, when it starts with one; asked once, before the data pages. */
  @Override
  public DictionaryPage readDictionaryPage() {
    if (dictionaryLooked) return null;
    dictionaryLooked = true;
    PageHeader h = nextHeader();
    if (h == null) return null;
    if (h.getType() != org.apache.parquet.format.PageType.DICTIONARY_PAGE) {
      pending = h;
      return null;
    }
    DictionaryPageHeader d = h.getDictionary_page_header();
    try {
      BytesInput bytes =
          decompressor.decompress(
              BytesInput.from(readBytes(h.getCompressed_page_size())),
              h.getUncompressed_page_size());
      return new DictionaryPage(
          BytesInput.copy(bytes), d.getNum_values(), encoding(d.getEncoding()));
    } catch (IOException e) {
      throw failure(e);
    }
  }

  /** The next data page, decompressed, or null at the end of the chunk. */
  @Override
  public DataPage readPage() {
    dictionaryLooked = true;
    try {
      while (true) {
        PageHeader h = pending != null ? pending : nextHeader();
        pending = null;
        if (h == null) return null;
        int compressed = h.getCompressed_page_size();
        int uncompressed = h.getUncompressed_page_size();
        switch (h.getType()) {
          case DATA_PAGE -> {
            DataPageHeader d = h.getData_page_header();
            // materialized now: the decompressor is shared with the row group's other columns
            BytesInput bytes =
                BytesInput.copy(
                    decompressor.decompress(BytesInput.from(readBytes(compressed)), uncompressed));
            return new DataPageV1(
                bytes,
                d.getNum_values(),
                uncompressed,
                null,
                encoding(d.getRepetition_level_encoding()),
                encoding(d.getDefinition_level_encoding()),
                encoding(d.getEncoding()));
          }
          case DATA_PAGE_V2 -> {
            DataPageHeaderV2 d = h.getData_page_header_v2();
            int rl = d.getRepetition_levels_byte_length();
            int dl = d.getDefinition_levels_byte_length();
            BytesInput rep = BytesInput.from(readBytes(rl));
            BytesInput def = BytesInput.from(readBytes(dl));
            BytesInput data = BytesInput.from(readBytes(compressed - rl - dl));
            if (!d.isSetIs_compressed() || d.isIs_compressed())
              data = BytesInput.copy(decompressor.decompress(data, uncompressed - rl - dl));
            return DataPageV2.uncompressed(
                d.getNum_rows(),
                d.getNum_nulls(),
                d.getNum_values(),
                rep,
                def,
                encoding(d.getEncoding()),
                data,
                null);
          }
          case DICTIONARY_PAGE ->
              throw new DataReadException(where + ": a dictionary page after the first page");
          default -> skip(compressed);
        }
      }
    } catch (IOException e) {
      throw failure(e);
    }
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      // read-only: nothing was lost
    }
  }

  private PageHeader nextHeader() {
    if (pos >= end) return null;
    try {
      PageHeader h = Util.readPageHeader(in);
      pos = in.getPos();
      if (h.getCompressed_page_size() < 0 || pos + h.getCompressed_page_size() > end)
        throw new DataReadException(
            where
                + ": a page of "
                + h.getCompressed_page_size()
                + " bytes runs past the column chunk's end");
      return h;
    } catch (IOException e) {
      throw failure(e);
    }
  }

  private byte[] readBytes(int n) throws IOException {
    byte[] b = new byte[n];
    in.readFully(b);
    pos += n;
    return b;
  }

  private void skip(int n) throws IOException {
    pos += n;
    in.seek(pos);
  }

  private DataReadException failure(IOException e) {
    return new DataReadException(where + ": " + DataReadException.reason(e), e);
  }

  private static Encoding encoding(org.apache.parquet.format.Encoding e) {
    return Encoding.valueOf(e.name());
  }
}
