package org.optimbench.jobs.run;

import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.fs.MiniS3;

/**
 * A run directory on an S3-compatible store (S3Mock) through Hadoop's {@code s3a} connector, with
 * its settings given as {@code spark-submit} gives them to a driver ({@code spark.hadoop.*} system
 * properties), so the code under test finds them as it would in production. Racing attempts are not
 * tested here: Hadoop 3.3's S3 connector has no conditional put, so two attempts racing for a
 * number are narrowed, not excluded (docs/STORAGE.md, "Attempt fencing").
 */
class RunDirectoryS3Test extends RunDirectoryOnStoreTestBase {
  static MiniS3 s3;

  @BeforeAll
  static void start() {
    s3 = MiniS3.start("runs");
    s3.settings().forEach((k, v) -> System.setProperty("spark.hadoop." + k, v));
  }

  @AfterAll
  static void stop() {
    s3.settings().keySet().forEach(k -> System.clearProperty("spark.hadoop." + k));
    s3.close();
  }

  @Override
  String uri(String absolutePath) {
    return s3.uri(absolutePath);
  }

  @Override
  Location location(String absolutePath) throws IOException {
    return s3.location(absolutePath);
  }
}
