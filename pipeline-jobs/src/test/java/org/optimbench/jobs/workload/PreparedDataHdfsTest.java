package org.optimbench.jobs.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.fs.MiniHdfs;
import org.optimbench.optim.spec.SpecException;

/** A data-prep output on HDFS opens by URI or Hadoop path; an incomplete one is refused. */
class PreparedDataHdfsTest {
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

  @Test
  void opensAManifestOnHdfs() throws IOException {
    Location dir = Location.of(hdfs.uri("/prep/digits"));
    dir.mkdirs();
    dir.resolve("manifest.json")
        .replace("{\"job\": \"libsvm\", \"rows\": {\"train\": 1500}, \"num_features\": 64}");
    SpecException e =
        assertThrows(SpecException.class, () -> PreparedData.open(dir.uri(), "data.train"));
    assertTrue(
        e.getMessage().startsWith("data.train: ") && e.getMessage().contains("_SUCCESS"),
        e.getMessage());

    dir.resolve("_SUCCESS").replace("");
    PreparedData byUri = PreparedData.open(dir.uri(), "data.train");
    assertEquals("libsvm", byUri.job());
    assertEquals(1500, byUri.rows("train"));
    assertEquals(64, byUri.integer("num_features"));
    assertEquals(dir, byUri.dir());
    PreparedData byPath = PreparedData.open(dir.path(), "data.valid");
    assertEquals(byUri.manifest(), byPath.manifest());
  }
}
