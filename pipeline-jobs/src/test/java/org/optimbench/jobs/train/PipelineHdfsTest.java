package org.optimbench.jobs.train;

import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.fs.MiniHdfs;
import org.optimbench.jobs.testing.LocalSpark;

/** The whole pipeline with every path an {@code hdfs://} URI on a real HDFS (MiniDFSCluster). */
class PipelineHdfsTest extends PipelineOnStoreTestBase {
  static MiniHdfs hdfs;

  @BeforeAll
  static void setUp() throws Exception {
    hdfs = MiniHdfs.start(tmp.resolve("dfs"));
    spark = LocalSpark.start("pipeline-hdfs-test");
  }

  @AfterAll
  static void tearDown() {
    LocalSpark.stop(spark);
    hdfs.close();
  }

  @Override
  String uri(String absolutePath) {
    return hdfs.uri(absolutePath);
  }

  @Override
  Location location(String absolutePath) throws IOException {
    return hdfs.location(absolutePath);
  }
}
