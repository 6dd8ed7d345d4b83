package org.optimbench.prep.common;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Builds the job's SparkSession: {@code --master} if given, else spark-submit's, else local[*]. */
public final class Sparks {
  private Sparks() {}

  public static SparkSession session(String master, String appName) {
    SparkConf conf = new SparkConf();
    if (master != null) {
      conf.setMaster(master);
    } else if (!conf.contains("spark.master")) {
      conf.setMaster("local[*]");
    }
    conf.setIfMissing("spark.app.name", appName);
    // Our own _SUCCESS marks the whole output; Spark's per-dataset marker would only confuse.
    conf.setIfMissing("spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs", "false");
    return SparkSession.builder().config(conf).getOrCreate();
  }
}
