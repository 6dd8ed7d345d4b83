package org.optimbench.prep.common;

import java.util.Properties;
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

  /**
   * Ends a job's main with exit status {@code code}. Under YARN in cluster mode the
   * ApplicationMaster runs main in a thread of its own JVM and records the application as FAILED
   * when that JVM exits before main returns, even with status 0 (and YARN then starts the
   * application again); it ends the JVM itself once main returns. There a success returns instead.
   */
  public static void exit(int code) {
    if (exitsJvm(code, System.getProperties())) System.exit(code);
  }

  /** Whether {@link #exit} ends the JVM, for the system properties {@code system}. */
  static boolean exitsJvm(int code, Properties system) {
    boolean yarnCluster =
        "yarn".equals(system.getProperty("spark.master"))
            && "cluster".equals(system.getProperty("spark.submit.deployMode"));
    return code != 0 || !yarnCluster;
  }
}
