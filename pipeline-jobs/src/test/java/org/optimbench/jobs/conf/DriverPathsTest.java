package org.optimbench.jobs.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/** Paths from a conf, qualified on the driver before executors see them. */
class DriverPathsTest {
  static Configuration fs(String defaultFs) {
    Configuration c = new Configuration(false);
    c.set("fs.defaultFS", defaultFs);
    return c;
  }

  @Test
  void aRelativeLocalPathResolvesAgainstTheWorkingDirectoryOnALocalMaster() {
    String q = DriverPaths.qualify("output", "runs/exp1", "local[4]", fs("file:///"));
    assertEquals(
        Path.of("runs/exp1").toAbsolutePath().toUri().getPath(), java.net.URI.create(q).getPath());
    assertTrue(q.startsWith("file:/"), q);
  }

  @Test
  void aRelativeLocalPathOnAClusterIsRefusedNamingTheKey() {
    for (String master : new String[] {"yarn", "k8s://https://api:6443", "spark://m:7077"}) {
      ConfException e =
          assertThrows(
              ConfException.class,
              () -> DriverPaths.qualify("data.train", "prep/digits", master, fs("file:///")));
      assertEquals("data.train", e.key());
      assertTrue(
          e.getMessage().startsWith("data.train: 'prep/digits' is a relative local path")
              && e.getMessage().contains(master)
              && !e.getMessage().contains("\n"),
          e.getMessage());
    }
  }

  @Test
  void absolutePathsAndUrisAreQualifiedAsTheyAre() {
    assertEquals(
        "file:/data/runs", DriverPaths.qualify("output", "/data/runs", "yarn", fs("file:///")));
    assertEquals(
        "hdfs://nn:8020/data/runs",
        DriverPaths.qualify("output", "/data/runs", "yarn", fs("hdfs://nn:8020")));
    assertEquals(
        "hdfs://other:9000/x",
        DriverPaths.qualify("output", "hdfs://other:9000/x", "yarn", fs("file:///")));
    assertEquals("", DriverPaths.qualify("data.valid", "", "yarn", fs("file:///")));
  }

  @Test
  void aSourceKeepsItsOptionsAndAGeneratorStaysAsItIs() {
    assertEquals(
        "file:/raw/day_0?rows=100",
        DriverPaths.qualifySource("data.source", "/raw/day_0?rows=100", "yarn", fs("file:///")));
    assertEquals(
        "generate-criteo?rows=10",
        DriverPaths.qualifySource(
            "data.source", "generate-criteo?rows=10", "yarn", fs("file:///")));
  }
}
