package org.optimbench.jobs.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * The row groups of one split of a data-prep output, as the driver lists them: the files of {@code
 * <dir>/data/split=<split>/} sorted by name, and each row group's row count from the file footers
 * (no data is read). Row groups are numbered 0 .. {@link #rowGroupCount()} - 1 in file order, then
 * row-group order within a file; {@link #firstRow(int)} is the number of rows before a row group in
 * that order.
 *
 * <p>Small and serializable (a few longs per row group, one path and length per file), so that the
 * driver lists once and ships the index to every task; tasks then open files with the recorded
 * length and never list a directory. A split with no rows is valid (Spark writes no directory for
 * an empty partition).
 */
public final class SplitIndex implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Footers are read by this many threads at most: listing object stores is latency bound. */
  private static final int FOOTER_THREADS = 16;

  private final String dataset;
  private final String split;
  private final String[] files;
  private final long[] fileLengths;
  private final int[] groupFile;
  private final int[] groupInFile;
  private final long[] groupRows;
  private final long[] groupStart;
  private final long rows;

  /**
   * @param dataset the dataset directory, for messages
   * @param files the files, in reading order
   * @param fileLengths their lengths in bytes
   * @param rowGroupRows per file, the row count of each of its row groups
   */
  public SplitIndex(
      String dataset, String split, List<String> files, long[] fileLengths, long[][] rowGroupRows) {
    if (files.size() != fileLengths.length || files.size() != rowGroupRows.length)
      throw new IllegalArgumentException(
          files.size() + " files, " + fileLengths.length + " lengths, " + rowGroupRows.length);
    this.dataset = dataset;
    this.split = split;
    this.files = files.toArray(new String[0]);
    this.fileLengths = fileLengths.clone();
    int groups = 0;
    for (long[] g : rowGroupRows) groups += g.length;
    groupFile = new int[groups];
    groupInFile = new int[groups];
    groupRows = new long[groups];
    groupStart = new long[groups];
    int g = 0;
    long at = 0;
    for (int f = 0; f < rowGroupRows.length; f++) {
      for (int b = 0; b < rowGroupRows[f].length; b++, g++) {
        if (rowGroupRows[f][b] < 0)
          throw new IllegalArgumentException(this.files[f] + ": negative row count");
        groupFile[g] = f;
        groupInFile[g] = b;
        groupRows[g] = rowGroupRows[f][b];
        groupStart[g] = at;
        at += rowGroupRows[f][b];
      }
    }
    rows = at;
  }

  /**
   * Lists split {@code split} of the data-prep output {@code datasetDir} (any Hadoop file system:
   * {@code file:}, {@code hdfs:}, {@code s3a:}). Refuses a directory without {@code _SUCCESS} (a
   * data-prep job still running or killed), and a split whose footers disagree with the row count
   * of {@code manifest.json} when it gives one. Every error names the file.
   */
  public static SplitIndex load(String datasetDir, String split, Configuration conf) {
    Path dir = new Path(datasetDir);
    FileSystem fs;
    try {
      fs = dir.getFileSystem(conf);
      dir = fs.makeQualified(dir);
      if (!fs.exists(new Path(dir, "_SUCCESS")))
        throw new DataReadException(
            dir + ": no _SUCCESS, so not a complete data-prep output (still running, or killed)");
    } catch (IOException e) {
      throw new DataReadException(dir + ": " + DataReadException.reason(e), e);
    }
    Path splitDir = new Path(dir, "data/split=" + split);
    List<FileStatus> listed = new ArrayList<>();
    try {
      for (FileStatus st : fs.listStatus(splitDir)) {
        String name = st.getPath().getName();
        if (name.startsWith(".") || name.startsWith("_")) continue; // Hadoop's hidden files
        if (st.isDirectory())
          throw new DataReadException(st.getPath() + ": a directory where Parquet files belong");
        listed.add(st);
      }
    } catch (FileNotFoundException e) {
      // Spark writes no directory for a partition without rows: an empty split, if data/ exists.
      try {
        if (!fs.exists(new Path(dir, "data")))
          throw new DataReadException(dir + ": no data/ directory");
      } catch (IOException io) {
        throw new DataReadException(dir + ": " + DataReadException.reason(io), io);
      }
    } catch (IOException e) {
      throw new DataReadException(splitDir + ": " + DataReadException.reason(e), e);
    }
    listed.sort(Comparator.comparing(st -> st.getPath().getName()));
    long[][] groups = footers(listed, conf);
    List<String> names = new ArrayList<>();
    long[] lengths = new long[listed.size()];
    for (int f = 0; f < listed.size(); f++) {
      names.add(listed.get(f).getPath().toString());
      lengths[f] = listed.get(f).getLen();
    }
    SplitIndex index = new SplitIndex(dir.toString(), split, names, lengths, groups);
    Long expected = manifestRows(fs, dir, split);
    if (expected != null && expected != index.rows)
      throw new DataReadException(
          new Path(dir, "manifest.json")
              + " says split "
              + split
              + " has "
              + expected
              + " rows, but the footers of its "
              + listed.size()
              + " files hold "
              + index.rows);
    return index;
  }

  private static long[][] footers(List<FileStatus> files, Configuration conf) {
    long[][] out = new long[files.size()][];
    if (files.isEmpty()) return out;
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(FOOTER_THREADS, files.size()),
            r -> {
              Thread t = new Thread(r, "optimbench-split-index");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<long[]>> pending = new ArrayList<>();
      for (FileStatus st : files) pending.add(pool.submit(() -> rowGroupRows(st, conf)));
      for (int f = 0; f < out.length; f++) {
        try {
          out[f] = pending.get(f).get();
        } catch (ExecutionException e) {
          Throwable c = e.getCause();
          if (c instanceof DataReadException d) throw d;
          throw new DataReadException(
              files.get(f).getPath() + ": " + DataReadException.reason(c), c);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DataReadException("interrupted while reading the footers of " + files.size());
    } finally {
      pool.shutdownNow();
    }
    return out;
  }

  private static long[] rowGroupRows(FileStatus st, Configuration conf) {
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromStatus(st, conf))) {
      List<BlockMetaData> blocks = r.getFooter().getBlocks();
      long[] rows = new long[blocks.size()];
      for (int b = 0; b < rows.length; b++) rows[b] = blocks.get(b).getRowCount();
      return rows;
    } catch (IOException | RuntimeException e) {
      throw new DataReadException(
          st.getPath() + ": cannot read the Parquet footer: " + DataReadException.reason(e), e);
    }
  }

  /** {@code rows.<split>} of the manifest; null when there is no manifest or no such field. */
  private static Long manifestRows(FileSystem fs, Path dir, String split) {
    Path manifest = new Path(dir, "manifest.json");
    try (InputStream in = fs.open(manifest)) {
      JsonNode n = new ObjectMapper().readTree(in).path("rows").path(split);
      return n.canConvertToLong() ? n.asLong() : null;
    } catch (FileNotFoundException e) {
      return null;
    } catch (IOException e) {
      throw new DataReadException(manifest + ": " + DataReadException.reason(e), e);
    }
  }

  /** The dataset directory (qualified). */
  public String dataset() {
    return dataset;
  }

  public String split() {
    return split;
  }

  /** Rows of the split. */
  public long rows() {
    return rows;
  }

  public int fileCount() {
    return files.length;
  }

  /** The qualified path of file {@code f}. */
  public String file(int f) {
    return files[f];
  }

  /** The length of file {@code f} when it was listed. */
  public long fileLength(int f) {
    return fileLengths[f];
  }

  public int rowGroupCount() {
    return groupRows.length;
  }

  /** The file of row group {@code g}. */
  public int fileOf(int g) {
    return groupFile[g];
  }

  /** The index of row group {@code g} within its file. */
  public int indexInFile(int g) {
    return groupInFile[g];
  }

  /** Rows of row group {@code g}. */
  public long rows(int g) {
    return groupRows[g];
  }

  /** Rows before row group {@code g} in index order. */
  public long firstRow(int g) {
    return groupStart[g];
  }

  /** The row count of every row group, in index order (a copy). */
  public long[] rowGroupRows() {
    return groupRows.clone();
  }

  /** "row group 2 of FILE", the way errors name a row group. */
  public String describe(int g) {
    return "row group " + groupInFile[g] + " of " + files[groupFile[g]];
  }

  @Override
  public String toString() {
    return "split "
        + split
        + " of "
        + dataset
        + ": "
        + rows
        + " rows in "
        + groupRows.length
        + " row groups of "
        + files.length
        + " files";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SplitIndex s
        && s.dataset.equals(dataset)
        && s.split.equals(split)
        && Arrays.equals(s.files, files)
        && Arrays.equals(s.fileLengths, fileLengths)
        && Arrays.equals(s.groupFile, groupFile)
        && Arrays.equals(s.groupRows, groupRows);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(groupRows) * 31 + Arrays.hashCode(files);
  }
}
