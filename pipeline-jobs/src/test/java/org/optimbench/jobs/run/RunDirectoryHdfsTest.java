package org.optimbench.jobs.run;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.fs.MiniHdfs;

/**
 * A run directory on a real HDFS (MiniDFSCluster); and, since the NameNode creates a file without
 * overwrite atomically, attempts racing for a number never share one.
 */
class RunDirectoryHdfsTest extends RunDirectoryOnStoreTestBase {
  @TempDir static Path base;
  static MiniHdfs hdfs;

  @BeforeAll
  static void start() throws IOException {
    hdfs = MiniHdfs.start(base);
  }

  @AfterAll
  static void stop() {
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

  @Test
  void racingAttemptsGetDistinctNumbers() throws Exception {
    RunAttemptsTest.racingAttemptsGetDistinctNumbers(hdfs.location("/race/runs"));
  }
}
