package org.optimbench.jobs.testing;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.optimbench.prep.libsvm.LibsvmConfig;
import org.optimbench.prep.libsvm.LibsvmJob;

/**
 * The shipped iris data ({@code data/libsvm/iris}) prepared by data-prep's LIBSVM job as the
 * training tests use it: 20% validation split with seed 7, no test split.
 */
public final class ShippedIris {
  private ShippedIris() {}

  /** The shipped LIBSVM file's folder (tests run in pipeline-jobs/). */
  public static Path source() {
    return Path.of("..").toAbsolutePath().normalize().resolve("data/libsvm/iris");
  }

  /** Prepares it into {@code output}, a local path or any Hadoop URI. */
  public static void prepare(SparkSession spark, String output) throws IOException {
    LibsvmJob.run(
        spark,
        new LibsvmConfig(source().toString(), output, false, 0L, 7L, 0.2, 0.0, null, null, null));
  }
}
