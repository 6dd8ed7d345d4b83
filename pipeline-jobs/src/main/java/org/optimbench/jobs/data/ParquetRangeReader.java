package org.optimbench.jobs.data;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Reads rows of a split, given as {@link ShardPlan.Range}s of row groups, into {@link RowChunk}s:
 * only the schema's columns are fetched (a row group's other column chunks stay on storage), and
 * each column chunk's pages are decoded in bulk straight into the chunk's primitive arrays ({@link
 * ColumnDecoder}), with no object per row or per value.
 *
 * <p>The reader is a cursor: it keeps the last row group open, positioned after the last row read,
 * so that ranges continuing where the previous one stopped (the next window of a rank's share, the
 * next chunk of a validation pass) cost nothing to resume. A range starting elsewhere opens its row
 * group and decodes and drops the rows before it. A row group is released as soon as its last row
 * is read. Each requested column chunk is read a page at a time ({@link ColumnChunkPages}), so what
 * the reader holds is one page per column, whatever the row groups' size.
 *
 * <p>Columns are checked against the file schema when a file is opened: the id a non-repeated
 * INT64, the label a non-repeated INT32, each list Spark's standard 3-level LIST ({@code optional
 * group name (LIST) { repeated group list { element } }}) of INT32, FLOAT or DOUBLE. A null id,
 * label, list or list element is an error naming the file, row group and column, as is any decoding
 * failure. Files are opened through Hadoop's FileSystem ({@code file:}, {@code hdfs:}, {@code
 * s3a:}) with the length the index recorded, so no extra metadata call is made per file.
 *
 * <p>Not thread-safe: one thread reads.
 */
public final class ParquetRangeReader implements Closeable {
  private final SplitIndex index;
  private final ChunkSchema schema;
  private final Configuration conf;

  private int openFile = -1;
  private ParquetFileReader file;
  private InputFile input;
  private CompressionCodecFactory codecs;
  private ColumnDecoder[] decoders;
  private final List<ColumnChunkPages> openPages = new ArrayList<>();

  private int openGroup = -1;
  private long nextRow; // row of openGroup the decoders stand at
  private double[] valuesPerRow; // of the open row group, per list column

  private long rowsDecoded;
  private long rowsSkipped;
  private long rowGroupsOpened;

  public ParquetRangeReader(SplitIndex index, ChunkSchema schema, Configuration conf) {
    this.index = index;
    this.schema = schema;
    this.conf = conf;
  }

  /**
   * Opens the first file of {@code index} and checks that it has {@code schema}'s columns with the
   * right types; for a driver to fail early, before tasks start. A split without files passes.
   */
  public static void checkColumns(SplitIndex index, ChunkSchema schema, Configuration conf) {
    if (index.fileCount() == 0) return;
    try (ParquetRangeReader r = new ParquetRangeReader(index, schema, conf)) {
      r.open(0);
    }
  }

  /**
   * Decodes the rows of {@code ranges}, in order, handing them to {@code sink} in chunks of exactly
   * {@code chunkRows} rows except the last (which holds the rest; no chunk when the ranges hold no
   * rows).
   */
  public void read(List<ShardPlan.Range> ranges, int chunkRows, Consumer<RowChunk> sink) {
    if (chunkRows < 1) throw new IllegalArgumentException("chunkRows " + chunkRows + " < 1");
    long left = ShardPlan.rows(ranges);
    ChunkBuilder b = null;
    for (ShardPlan.Range r : ranges) {
      position(r.rowGroup(), r.firstRow(), r.endRow());
      long inRange = r.rows();
      while (inRange > 0) {
        if (b == null) b = builder((int) Math.min(chunkRows, left));
        int k = (int) Math.min(inRange, b.capacity - b.size);
        decode(b, k);
        inRange -= k;
        left -= k;
        if (b.size == b.capacity) {
          sink.accept(b.build());
          b = null;
        }
      }
    }
    if (b != null && b.size > 0) sink.accept(b.build());
  }

  /** The rows of {@code ranges} as one chunk. */
  public RowChunk readAll(List<ShardPlan.Range> ranges) {
    long n = ShardPlan.rows(ranges);
    if (n == 0) return RowChunk.empty(schema);
    List<RowChunk> out = new ArrayList<>(1);
    read(ranges, RowChunk.checkedLength(n, "ids"), out::add);
    return out.get(0);
  }

  /** Rows handed out so far. */
  public long rowsDecoded() {
    return rowsDecoded;
  }

  /** Rows decoded and dropped to reach a range starting inside a row group. */
  public long rowsSkipped() {
    return rowsSkipped;
  }

  /** Row groups fetched from storage so far. */
  public long rowGroupsOpened() {
    return rowGroupsOpened;
  }

  @Override
  public void close() {
    closeFile();
  }

  private ChunkBuilder builder(int rows) {
    long[] hints = new long[schema.listCount()];
    for (int k = 0; k < hints.length; k++) hints[k] = (long) Math.ceil(rows * valuesPerRow[k]);
    return new ChunkBuilder(schema, rows, hints);
  }

  /** Puts the decoders on row {@code firstRow} of row group {@code g}. */
  private void position(int g, long firstRow, long endRow) {
    if (g >= index.rowGroupCount() || endRow > index.rows(g))
      throw new IllegalArgumentException(
          "rows ["
              + firstRow
              + ", "
              + endRow
              + ") of "
              + index.describe(g)
              + " ("
              + index.rows(g)
              + " rows)");
    if (g != openGroup || firstRow < nextRow) openGroup(g);
    long skip = firstRow - nextRow;
    if (skip > 0) {
      String column = null;
      try {
        for (ColumnDecoder d : decoders) {
          column = d.name;
          d.skip(skip);
        }
      } catch (RuntimeException e) {
        throw failure(g, column, e);
      }
      nextRow = firstRow;
      rowsSkipped += skip;
    }
  }

  private void decode(ChunkBuilder b, int rows) {
    String column = null;
    try {
      for (ColumnDecoder d : decoders) {
        column = d.name;
        d.read(b, b.size, rows);
      }
    } catch (RuntimeException e) {
      throw failure(openGroup, column, e);
    }
    b.size += rows;
    nextRow += rows;
    rowsDecoded += rows;
    if (nextRow == index.rows(openGroup)) releaseGroup();
  }

  private DataReadException failure(int g, String column, RuntimeException e) {
    if (e instanceof DataReadException d) return d;
    return new DataReadException(
        index.describe(g)
            + (column == null ? "" : ", column '" + column + "'")
            + ": "
            + DataReadException.reason(e),
        e);
  }

  private void openGroup(int g) {
    releaseGroup();
    int f = index.fileOf(g);
    if (f != openFile) open(f);
    int b = index.indexInFile(g);
    List<BlockMetaData> blocks = file.getRowGroups();
    if (b >= blocks.size() || blocks.get(b).getRowCount() != index.rows(g))
      throw new DataReadException(
          index.file(f)
              + " changed since the split was listed: "
              + (b >= blocks.size()
                  ? blocks.size() + " row groups, the index has " + (b + 1) + " or more"
                  : "row group "
                      + b
                      + " has "
                      + blocks.get(b).getRowCount()
                      + " rows, the index "
                      + index.rows(g)));
    BlockMetaData block = blocks.get(b);
    valuesPerRow = new double[schema.listCount()];
    for (ColumnChunkMetaData c : block.getColumns()) {
      String top = c.getPath().toArray()[0];
      for (int k = 0; k < valuesPerRow.length; k++)
        if (schema.list(k).name().equals(top) && block.getRowCount() > 0)
          valuesPerRow[k] = c.getValueCount() / (double) block.getRowCount();
    }
    String column = null;
    try {
      for (ColumnDecoder d : decoders) {
        column = d.name;
        ColumnChunkMetaData chunk = chunk(block, d.descriptor);
        if (chunk == null) throw new DataReadException(index.describe(g) + ": no column chunk");
        String where = index.describe(g) + ", column '" + d.name + "'";
        ColumnChunkPages pages = new ColumnChunkPages(input, chunk, codecs, where);
        openPages.add(pages);
        d.open(pages, where);
      }
    } catch (IOException e) {
      throw new DataReadException(index.describe(g) + ": " + DataReadException.reason(e), e);
    } catch (RuntimeException e) {
      throw failure(g, column, e);
    }
    openGroup = g;
    nextRow = 0;
    rowGroupsOpened++;
  }

  /** The chunk of {@code column} in {@code block}, or null. */
  private static ColumnChunkMetaData chunk(BlockMetaData block, ColumnDescriptor column) {
    for (ColumnChunkMetaData c : block.getColumns())
      if (java.util.Arrays.equals(c.getPath().toArray(), column.getPath())) return c;
    return null;
  }

  private void releaseGroup() {
    if (decoders != null) for (ColumnDecoder d : decoders) d.release();
    for (ColumnChunkPages p : openPages) p.close();
    openPages.clear();
    openGroup = -1;
    nextRow = 0;
  }

  private void open(int f) {
    closeFile();
    String name = index.file(f);
    try {
      Path path = new Path(name);
      FileStatus status = new FileStatus(index.fileLength(f), false, 1, 0, 0, path);
      InputFile in = HadoopInputFile.fromStatus(status, conf);
      ParquetReadOptions options = HadoopReadOptions.builder(conf).build();
      ParquetFileReader r = ParquetFileReader.open(in, options);
      try {
        MessageType fileSchema = r.getFooter().getFileMetaData().getSchema();
        ColumnDecoder[] ds = resolve(fileSchema, name);
        List<Type> fields = new ArrayList<>();
        for (String c : schema.columnNames()) fields.add(fileSchema.getType(c));
        MessageType proj = new MessageType(fileSchema.getName(), fields);
        r.setRequestedSchema(proj);
        file = r;
        input = in;
        codecs = options.getCodecFactory();
        decoders = ds;
        openFile = f;
      } catch (RuntimeException e) {
        r.close();
        throw e;
      }
    } catch (DataReadException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new DataReadException(
          name + ": cannot open: " + changed(f).orElse(DataReadException.reason(e)), e);
    }
  }

  /**
   * Why a file that fails to open may do so: it is gone or has another length than when the split
   * was listed (asked only after a failure, so that no open costs a metadata call).
   */
  private java.util.Optional<String> changed(int f) {
    try {
      Path path = new Path(index.file(f));
      long length = path.getFileSystem(conf).getFileStatus(path).getLen();
      if (length == index.fileLength(f)) return java.util.Optional.empty();
      return java.util.Optional.of(
          "changed since the split was listed ("
              + length
              + " bytes, the index has "
              + index.fileLength(f)
              + ")");
    } catch (java.io.FileNotFoundException e) {
      return java.util.Optional.of("no such file (removed since the split was listed)");
    } catch (IOException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  private void closeFile() {
    releaseGroup();
    if (file != null) {
      try {
        file.close();
      } catch (IOException e) {
        // read-only: nothing was lost
      }
    }
    if (codecs instanceof org.apache.parquet.hadoop.CodecFactory c) c.release();
    codecs = null;
    input = null;
    file = null;
    openFile = -1;
    decoders = null;
  }

  /** A decoder per requested column, after checking its type in the file's schema. */
  private ColumnDecoder[] resolve(MessageType fileSchema, String file) {
    List<ColumnDecoder> out = new ArrayList<>();
    out.add(
        new ColumnDecoder(
            flat(fileSchema, file, schema.idColumn(), PrimitiveTypeName.INT64),
            schema.idColumn(),
            ColumnDecoder.Target.IDS,
            -1,
            -1));
    if (schema.hasLabel())
      out.add(
          new ColumnDecoder(
              flat(fileSchema, file, schema.labelColumn(), PrimitiveTypeName.INT32),
              schema.labelColumn(),
              ColumnDecoder.Target.LABELS,
              -1,
              -1));
    for (int k = 0; k < schema.listCount(); k++) {
      ChunkSchema.ListColumn c = schema.list(k);
      out.add(
          new ColumnDecoder(
              list(fileSchema, file, c),
              c.name(),
              ColumnDecoder.Target.LIST,
              k,
              fileSchema.getMaxDefinitionLevel(new String[] {c.name()})));
    }
    return out.toArray(new ColumnDecoder[0]);
  }

  private static Type field(MessageType fileSchema, String file, String name) {
    if (!fileSchema.containsField(name)) {
      List<String> have = new ArrayList<>();
      for (Type t : fileSchema.getFields()) have.add(t.getName());
      throw new DataReadException(
          file + ": no column '" + name + "' (columns: " + String.join(", ", have) + ")");
    }
    return fileSchema.getType(name);
  }

  private static ColumnDescriptor flat(
      MessageType fileSchema, String file, String name, PrimitiveTypeName want) {
    Type t = field(fileSchema, file, name);
    if (!t.isPrimitive()
        || t.isRepetition(Type.Repetition.REPEATED)
        || t.asPrimitiveType().getPrimitiveTypeName() != want
        || !plainInteger(t.asPrimitiveType()))
      throw new DataReadException(
          file + ": column '" + name + "' is " + oneLine(t) + ", expected a single " + want);
    return fileSchema.getColumnDescription(new String[] {name});
  }

  private static ColumnDescriptor list(
      MessageType fileSchema, String file, ChunkSchema.ListColumn c) {
    Type t = field(fileSchema, file, c.name());
    PrimitiveTypeName want =
        switch (c.stored()) {
          case INT -> PrimitiveTypeName.INT32;
          case FLOAT -> PrimitiveTypeName.FLOAT;
          case DOUBLE -> PrimitiveTypeName.DOUBLE;
        };
    String expected =
        "expected a standard 3-level LIST of "
            + want
            + " (optional group "
            + c.name()
            + " (LIST) { repeated group list { element } })";
    if (t.isPrimitive()
        || t.isRepetition(Type.Repetition.REPEATED)
        || !(t.getLogicalTypeAnnotation()
            instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation)
        || t.asGroupType().getFieldCount() != 1)
      throw new DataReadException(
          file + ": column '" + c.name() + "' is " + oneLine(t) + ", " + expected);
    Type repeated = t.asGroupType().getType(0);
    if (repeated.isPrimitive()
        || !repeated.isRepetition(Type.Repetition.REPEATED)
        || repeated.asGroupType().getFieldCount() != 1
        // the backward-compatibility rules of the Parquet spec read these as lists of structs
        || repeated.getName().equals("array")
        || repeated.getName().equals(c.name() + "_tuple"))
      throw new DataReadException(
          file + ": column '" + c.name() + "' is " + oneLine(t) + ", " + expected);
    Type element = ((GroupType) repeated).getType(0);
    if (!element.isPrimitive()
        || element.isRepetition(Type.Repetition.REPEATED)
        || element.asPrimitiveType().getPrimitiveTypeName() != want
        || !plainInteger(element.asPrimitiveType()))
      throw new DataReadException(
          file + ": column '" + c.name() + "' is " + oneLine(t) + ", " + expected);
    return fileSchema.getColumnDescription(
        new String[] {c.name(), repeated.getName(), element.getName()});
  }

  /** No annotation, or a signed integer one (Spark's byte and short are INT32 with INT(8/16)). */
  private static boolean plainInteger(PrimitiveType t) {
    LogicalTypeAnnotation a = t.getLogicalTypeAnnotation();
    return a == null
        || (a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && i.isSigned());
  }

  private static String oneLine(Type t) {
    return t.toString().replaceAll("\\s+", " ").trim();
  }
}
