package org.optimbench.jobs.compare;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.optimbench.jobs.fs.Location;

/**
 * One output table, written as CSV and (where asked) Parquet with the same columns. In CSV, +inf is
 * {@code inf}, -inf {@code -inf}, and a missing value (null or NaN) an empty cell; text with a
 * comma, quote or line break is quoted (RFC 4180). In Parquet, a missing value is null and
 * infinities stay infinite.
 */
final class Table {
  enum Kind {
    STRING,
    LONG,
    DOUBLE,
    BOOLEAN
  }

  private final List<String> names = new ArrayList<>();
  private final List<Kind> kinds = new ArrayList<>();
  private final List<Object[]> rows = new ArrayList<>();

  Table col(String name, Kind kind) {
    names.add(name);
    kinds.add(kind);
    return this;
  }

  Table add(Object... values) {
    if (values.length != names.size())
      throw new IllegalArgumentException(values.length + " values for columns " + names);
    Object[] v = values.clone();
    for (int i = 0; i < v.length; i++) {
      if (v[i] instanceof Double d && d.isNaN()) v[i] = null;
      if (v[i] instanceof Integer n && kinds.get(i) == Kind.LONG) v[i] = n.longValue();
      if (v[i] instanceof Number n && kinds.get(i) == Kind.DOUBLE)
        v[i] = Double.isNaN(n.doubleValue()) ? null : n.doubleValue();
    }
    rows.add(v);
    return this;
  }

  List<String> names() {
    return names;
  }

  List<Object[]> rows() {
    return rows;
  }

  void writeCsv(Location file) throws IOException {
    StringBuilder b = new StringBuilder(String.join(",", names)).append('\n');
    for (Object[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        if (i > 0) b.append(',');
        b.append(cell(r[i]));
      }
      b.append('\n');
    }
    file.replace(b.toString());
  }

  static String cell(Object v) {
    if (v == null) return "";
    if (v instanceof Double d) return number(d);
    String s = String.valueOf(v);
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r"))
      return '"' + s.replace("\"", "\"\"") + '"';
    return s;
  }

  /**
   * A double as the CSV writes it: {@code inf}, {@code -inf}, empty for NaN, else Java's shortest
   * round-trip form.
   */
  static String number(double d) {
    if (Double.isNaN(d)) return "";
    if (d == Double.POSITIVE_INFINITY) return "inf";
    if (d == Double.NEGATIVE_INFINITY) return "-inf";
    return Double.toString(d).toLowerCase(Locale.ROOT);
  }

  void writeParquet(SparkSession spark, Location dir) {
    StructType schema = new StructType();
    for (int i = 0; i < names.size(); i++)
      schema = schema.add(names.get(i), type(kinds.get(i)), true);
    List<Row> data = new ArrayList<>();
    for (Object[] r : rows) data.add(RowFactory.create(r));
    spark.createDataFrame(data, schema).coalesce(1).write().parquet(dir.uri());
  }

  private static DataType type(Kind k) {
    return switch (k) {
      case STRING -> DataTypes.StringType;
      case LONG -> DataTypes.LongType;
      case DOUBLE -> DataTypes.DoubleType;
      case BOOLEAN -> DataTypes.BooleanType;
    };
  }
}
