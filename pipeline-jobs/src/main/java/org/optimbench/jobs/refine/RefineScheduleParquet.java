package org.optimbench.jobs.refine;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.monotonically_increasing_id;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.optimbench.optim.schedule.RefineScheduleMain;
import org.optimbench.optim.schedule.RefineScheduleMain.InputException;
import org.optimbench.optim.schedule.RefineScheduleMain.MetricTable;

/**
 * {@code scripts/refine-schedule} when {@code --metrics} is a Parquet log (the training job's
 * {@code metrics.parquet} directory, or a {@code .parquet} file); a CSV log is read exactly as
 * optim's {@link RefineScheduleMain} reads it. Options, outputs and exit codes are that command's.
 *
 * <p>Each Parquet row becomes a row of text cells: numbers as {@link Long#toString} / {@link
 * Double#toString} (the text the CSV log holds for the same value, so both logs give the same
 * schedule bit for bit), a null as an empty cell (not logged). Rows are taken in file order: part
 * files by name, rows in their order within a file, as a CSV is read line by line; steps must
 * increase, as in a CSV. Messages name {@code FILE row N} (1-based, in that order).
 */
public final class RefineScheduleParquet {
  private RefineScheduleParquet() {}

  public static void main(String[] args) {
    int rc;
    try {
      rc = RefineScheduleMain.run(args, System.out, System.err, RefineScheduleParquet::open);
    } finally {
      SparkSession.getActiveSession()
          .foreach(
              s -> {
                s.stop();
                return null;
              });
    }
    System.exit(rc);
  }

  /** A Parquet file or directory: read with Spark; anything else: optim's CSV reader. */
  public static MetricTable open(Path file) throws IOException, InputException {
    if (!isParquet(file)) return RefineScheduleMain.csv(file);
    if (!Files.exists(file)) throw new java.nio.file.NoSuchFileException(file.toString());
    SparkSession spark =
        SparkSession.builder()
            .master("local[1]")
            .appName("refine-schedule")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    return read(spark, file);
  }

  static boolean isParquet(Path file) {
    return Files.isDirectory(file) || file.getFileName().toString().endsWith(".parquet");
  }

  /** The rows of a Parquet log in file order (see the class comment). */
  public static MetricTable read(SparkSession spark, Path file) throws InputException {
    org.apache.spark.sql.Dataset<Row> df;
    try {
      df = spark.read().parquet(file.toString());
    } catch (
        Exception e) { // AnalysisException for a directory without Parquet files, a bad footer, ...
      throw new InputException(
          file
              + ": not a readable Parquet log ("
              + e.getMessage().lines().findFirst().orElse("")
              + ")");
    }
    List<String> names = Arrays.asList(df.columns());
    List<Row> rows =
        df.withColumn("_file", input_file_name())
            .withColumn("_pos", monotonically_increasing_id())
            .orderBy(col("_file"), col("_pos"))
            .drop("_file", "_pos")
            .collectAsList();
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
}
