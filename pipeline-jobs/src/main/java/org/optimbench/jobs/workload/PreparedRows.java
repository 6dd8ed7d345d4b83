package org.optimbench.jobs.workload;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.optimbench.optim.spec.SpecException;

/**
 * Readers of data-prep's Parquet, one per data kind, giving {@link Example}s with the rows' stable
 * ids (data-prep's {@code row_id} or {@code block_id}, a function of file order and line or block
 * number, so every run and every worker count sees the same ids):
 *
 * <ul>
 *   <li>{@link #libsvm}: {@code indices} = 0-based sparse feature indices, {@code values} their
 *       values, {@code label} the class id;
 *   <li>{@link #criteo}: {@code indices} = the 26 categorical ids, {@code values} = the 13 dense
 *       features (log1p-transformed), {@code label} 0 or 1;
 *   <li>{@link #textBlocks}: {@code indices} = one packed token block of seq_len + 1 tokens, no
 *       values, label 0.
 * </ul>
 */
public final class PreparedRows {
  private PreparedRows() {}

  public static JavaRDD<Example> libsvm(
      SparkSession spark, Path dataDir, String split, boolean valid) {
    return split(spark, dataDir, split, "row_id", "label", "indices", "values")
        .javaRDD()
        .map(
            (Row r) ->
                new Example(
                    r.getLong(0), r.getInt(1), ints(r.getList(2)), doubles(r.getList(3)), valid));
  }

  public static JavaRDD<Example> criteo(
      SparkSession spark, Path dataDir, String split, boolean valid) {
    return split(spark, dataDir, split, "row_id", "label", "categorical", "dense")
        .javaRDD()
        .map(
            (Row r) ->
                new Example(
                    r.getLong(0), r.getInt(1), ints(r.getList(2)), floats(r.getList(3)), valid));
  }

  public static JavaRDD<Example> textBlocks(
      SparkSession spark, Path dataDir, String split, boolean valid) {
    return split(spark, dataDir, split, "block_id", "tokens")
        .javaRDD()
        .map((Row r) -> new Example(r.getLong(0), 0, ints(r.getList(1)), new double[0], valid));
  }

  /** The columns of one split; a missing column is an error naming the directory and the column. */
  private static Dataset<Row> split(
      SparkSession spark, Path dataDir, String split, String... columns) {
    Path data = dataDir.resolve("data");
    Dataset<Row> df = spark.read().parquet(data.toString());
    List<String> have = Arrays.asList(df.schema().fieldNames());
    for (String c : columns) {
      if (!have.contains(c))
        throw new SpecException(
            "data", data + ": no column '" + c + "' (columns: " + String.join(", ", have) + ")");
    }
    return df.where(org.apache.spark.sql.functions.col("split").equalTo(split))
        .select(columns[0], Arrays.copyOfRange(columns, 1, columns.length));
  }

  private static int[] ints(List<Integer> l) {
    int[] a = new int[l.size()];
    for (int i = 0; i < a.length; i++) a[i] = l.get(i);
    return a;
  }

  private static double[] doubles(List<Double> l) {
    double[] a = new double[l.size()];
    for (int i = 0; i < a.length; i++) a[i] = l.get(i);
    return a;
  }

  private static double[] floats(List<Float> l) {
    double[] a = new double[l.size()];
    for (int i = 0; i < a.length; i++) a[i] = l.get(i);
    return a;
  }
}
