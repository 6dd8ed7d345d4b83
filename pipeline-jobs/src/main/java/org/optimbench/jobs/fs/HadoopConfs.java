package org.optimbench.jobs.fs;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * The Hadoop configuration that file system access uses when the caller gives none: on the driver
 * the Spark session's own ({@code spark.hadoop.*} settings and the cluster's {@code *-site.xml}),
 * in an executor one built like Spark builds it there (the {@code *-site.xml} on the classpath plus
 * the application's {@code spark.hadoop.*} settings, which carry object-store credentials and
 * endpoints), and outside Spark the plain {@code *-site.xml} one.
 */
public final class HadoopConfs {
  private static final String PREFIX = "spark.hadoop.";

  private HadoopConfs() {}

  public static Configuration current() {
    scala.Option<SparkSession> active = SparkSession.getActiveSession();
    if (active.isEmpty()) active = SparkSession.getDefaultSession();
    if (active.isDefined()) return active.get().sparkContext().hadoopConfiguration();
    SparkEnv env = SparkEnv.get();
    Configuration conf = new Configuration();
    // in an executor, the application's settings; on a driver before its session starts, those
    // spark-submit passed as system properties
    copySparkHadoopSettings(env != null ? env.conf() : new SparkConf(true), conf);
    return conf;
  }

  static void copySparkHadoopSettings(SparkConf from, Configuration to) {
    for (Tuple2<String, String> kv : from.getAll()) {
      if (kv._1().startsWith(PREFIX)) to.set(kv._1().substring(PREFIX.length()), kv._2());
    }
  }
}
