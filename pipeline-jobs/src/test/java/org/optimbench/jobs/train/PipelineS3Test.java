package org.optimbench.jobs.train;

import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.fs.MiniS3;
import org.optimbench.jobs.testing.LocalSpark;

/**
 * The whole pipeline with every path an {@code s3a://} URI on an S3-compatible store (S3Mock),
 * through Hadoop's S3 connector configured as a Spark application configures it ({@code
 * spark.hadoop.fs.s3a.*}): no atomic rename, objects visible only once whole.
 */
class PipelineS3Test extends PipelineOnStoreTestBase {
  static MiniS3 s3;

  @BeforeAll
  static void setUp() {
    s3 = MiniS3.start("optimbench");
    spark = LocalSpark.start("pipeline-s3-test", s3.settings());
  }

  @AfterAll
  static void tearDown() {
    LocalSpark.stop(spark);
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
