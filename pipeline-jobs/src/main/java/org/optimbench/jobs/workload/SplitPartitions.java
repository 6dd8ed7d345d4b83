package org.optimbench.jobs.workload;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.data.SplitIndex;

/**
 * A split's row groups as a Spark RDD of row-group numbers, for jobs that read the split on the
 * executors themselves ({@code org.optimbench.jobs.data.ParquetRangeReader}) instead of through
 * Spark's Parquet source: each task reads whole row groups, a handful per task.
 */
public final class SplitPartitions {
  private SplitPartitions() {}

  /** The row groups of {@code split}, spread over up to four partitions per core. */
  public static JavaRDD<Integer> of(SparkSession spark, SplitIndex split) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Integer> groups = new ArrayList<>();
    for (int g = 0; g < split.rowGroupCount(); g++) groups.add(g);
    int slices = Math.max(1, Math.min(groups.size(), 4 * sc.defaultParallelism()));
    return sc.parallelize(groups, slices);
  }
}
