package org.optimbench.jobs.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.run.MetricsLog;

/**
 * A run's {@code metrics.parquet}: the rows of {@code metrics.csv} with the same columns (step and
 * samples as longs, the rest doubles), for readers that want Spark. Readers trust it only with
 * {@code _SUCCESS}, which Spark's committer writes last. Where directories rename atomically
 * ({@link Location#renamesAtomically}) it is written into a hidden sibling and renamed into place,
 * so an earlier copy stays readable until the new one replaces it; on object stores, where a rename
 * is a copy, the old copy is deleted and the new one written in place.
 */
final class MetricsParquet {
  static final String DIR = "metrics.parquet";
  static final String SUCCESS = "_SUCCESS";

  private MetricsParquet() {}

  static boolean isCommitted(Location runDir) throws IOException {
    return runDir.resolve(DIR).resolve(SUCCESS).exists();
  }

  static void write(SparkSession spark, Location runDir) throws IOException {
    Location csv = runDir.resolve(MetricsLog.FILE);
    if (!csv.exists()) return;
    List<Map<String, Object>> rows = MetricsLog.read(csv);
    if (rows.isEmpty()) return;
    List<String> cols = new ArrayList<>(rows.get(0).keySet());
    StructType schema = new StructType();
    for (String c : cols) {
      boolean isLong = c.equals("step") || c.equals("samples");
      schema = schema.add(c, isLong ? DataTypes.LongType : DataTypes.DoubleType, true);
    }
    List<Row> data = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      Object[] v = new Object[cols.size()];
      for (int i = 0; i < v.length; i++) v[i] = r.get(cols.get(i));
      data.add(RowFactory.create(v));
    }
    Location target = runDir.resolve(DIR);
    if (target.renamesAtomically()) {
      Location tmp = runDir.resolve(".metrics.parquet.tmp");
      tmp.delete();
      spark.createDataFrame(data, schema).coalesce(1).write().parquet(tmp.uri());
      target.delete();
      tmp.renameTo(target);
    } else {
      target.delete();
      spark.createDataFrame(data, schema).coalesce(1).write().parquet(target.uri());
    }
  }
}
