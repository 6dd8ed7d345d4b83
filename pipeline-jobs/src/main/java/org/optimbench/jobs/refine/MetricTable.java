package org.optimbench.jobs.refine;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.monotonically_increasing_id;

import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.run.MetricsLog;

/**
 * A metric log as rows of text cells, one per header column; an empty cell is a value that was not
 * logged at that step. Numbers are their {@link Double#toString} / {@link Long#toString} text, so a
 * run's {@code metrics.csv} and its {@code metrics.parquet} give the same cells and hence the same
 * schedule bit for bit.
 */
interface MetricTable extends AutoCloseable {
  /** The Parquet copy of a run's metric log that the training job writes next to metrics.csv. */
  String PARQUET_LOG = "metrics.parquet";

  /** The column names. */
  List<String> header();

  /** Where the header is, for messages ({@code "metrics.csv line 1"}). */
  String headerWhere();

  /** The next row's cells, or null after the last row. */
  String[] next() throws IOException, MetricLogException;

  /**
   * Where the row last returned by {@link #next} is ({@code "metrics.csv line 7"}, {@code
   * "metrics.parquet row 6"}).
   */
  String where();

  @Override
  void close() throws IOException;

  /**
   * The log {@code path} names: a run directory (its metrics.csv, else its metrics.parquet), a
   * Parquet log (a directory, or a file named {@code *.parquet}; read with the session {@code
   * spark} supplies), or else a CSV file.
   */
  static MetricTable open(Location path, Supplier<SparkSession> spark)
      throws IOException, MetricLogException {
    Location file = locate(path);
    // Spark's committer writes _SUCCESS last: the training job's copy without it may be partial
    if (file.name().equals(PARQUET_LOG) && file.isDirectory() && !file.resolve("_SUCCESS").exists())
      throw new MetricLogException(
          file + ": incomplete (no _SUCCESS): the training job has not finished writing it");
    if (file.isDirectory() && !isParquetName(file) && !hasParquetFiles(file))
      throw new MetricLogException(
          file
              + ": not a run directory (no "
              + MetricsLog.FILE
              + " or "
              + PARQUET_LOG
              + ") nor a Parquet log");
    return file.isDirectory() || isParquetName(file) ? parquet(spark.get(), file) : csv(file);
  }

  /**
   * The metric log of a run directory, or {@code path} itself when it is not one.
   *
   * @throws FileNotFoundException naming {@code path} when it does not exist
   */
  static Location locate(Location path) throws IOException {
    if (!path.exists()) throw new FileNotFoundException(path.toString());
    if (path.isDirectory() && !isParquetName(path)) {
      // metrics.csv first: it needs no Spark, and the training job writes it as it goes, the
      // Parquet copy only when the run ends
      Location csv = path.resolve(MetricsLog.FILE);
      if (csv.isFile()) return csv;
      Location parquet = path.resolve(PARQUET_LOG);
      if (parquet.isDirectory()) return parquet;
    }
    return path;
  }

  private static boolean isParquetName(Location p) {
    return p.name().endsWith(".parquet");
  }

  /** The CSV table of {@code file}: a header row, then one row per line (blank lines skipped). */
  static MetricTable csv(Location file) throws IOException, MetricLogException {
    BufferedReader r =
        new BufferedReader(new InputStreamReader(file.open(), StandardCharsets.UTF_8));
    String header = r.readLine();
    if (header == null) {
      r.close();
      throw new MetricLogException(file + ": empty file, expected a header row");
    }
    List<String> names = Arrays.stream(header.split(",", -1)).map(MetricTable::unquote).toList();
    return new MetricTable() {
      int lineNo = 1;

      @Override
      public List<String> header() {
        return names;
      }

      @Override
      public String headerWhere() {
        return file + " line 1";
      }

      @Override
      public String[] next() throws IOException, MetricLogException {
        String line;
        do {
          line = r.readLine();
          if (line == null) return null;
          lineNo++;
        } while (line.isBlank());
        String[] f = line.split(",", -1);
        if (f.length != names.size())
          throw new MetricLogException(
              where() + ": " + f.length + " fields, the header has " + names.size());
        for (int i = 0; i < f.length; i++) f[i] = unquote(f[i]);
        return f;
      }

      @Override
      public String where() {
        return file + " line " + lineNo;
      }

      @Override
      public void close() throws IOException {
        r.close();
      }
    };
  }

  /** W&B exports, which the reference repository ships, quote every cell. */
  private static String unquote(String s) {
    String t = s.trim();
    return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")
        ? t.substring(1, t.length() - 1)
        : t;
  }

  /**
   * The rows of a Parquet log in file order: part files by name, rows in their order within a file,
   * as a CSV is read line by line (steps must increase, as in a CSV). A null is an empty cell.
   * Messages name {@code FILE row N}, 1-based in that order.
   */
  static MetricTable parquet(SparkSession spark, Location file) throws MetricLogException {
    List<String> names;
    List<Row> rows;
    try {
      Dataset<Row> df = spark.read().parquet(file.uri());
      names = Arrays.asList(df.columns());
      rows =
          df.withColumn("_file", input_file_name())
              .withColumn("_pos", monotonically_increasing_id())
              .orderBy(col("_file"), col("_pos"))
              .drop("_file", "_pos")
              .collectAsList();
    } catch (Exception e) { // no Parquet files (AnalysisException), a bad footer (at collect)
      throw new MetricLogException(
          file
              + ": not a readable Parquet log ("
              + String.valueOf(e.getMessage()).lines().findFirst().orElse("")
              + ")");
    }
    Iterator<Row> it = rows.iterator();
    return new MetricTable() {
      int row;

      @Override
      public List<String> header() {
        return names;
      }

      @Override
      public String headerWhere() {
        return file + " (schema)";
      }

      @Override
      public String[] next() {
        if (!it.hasNext()) return null;
        Row r = it.next();
        row++;
        String[] cells = new String[names.size()];
        for (int i = 0; i < cells.length; i++)
          cells[i] = r.isNullAt(i) ? "" : String.valueOf(r.get(i));
        return cells;
      }

      @Override
      public String where() {
        return file + " row " + row;
      }

      @Override
      public void close() {}
    };
  }

  private static boolean hasParquetFiles(Location dir) throws IOException {
    for (Location p : dir.list()) if (isParquetName(p)) return true;
    return false;
  }
}
