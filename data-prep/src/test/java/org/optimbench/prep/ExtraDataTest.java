package org.optimbench.prep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/**
 * Where tests find the optional extra datasets: the system property first, then the environment
 * variable; a test that needs them is skipped, not failed, when neither names a directory that has
 * the requested subdirectory.
 */
class ExtraDataTest {
  @TempDir Path dir;

  @Test
  void propertyWinsOverEnvironment() throws Exception {
    Path fromProperty = Files.createDirectories(dir.resolve("a/libsvm-suite"));
    Files.createDirectories(dir.resolve("b/libsvm-suite"));
    assertEquals(
        fromProperty,
        SparkTestBase.extraData(
            "libsvm-suite", dir.resolve("a").toString(), dir.resolve("b").toString()));
  }

  @Test
  void environmentIsReadWhenThePropertyIsUnset() throws Exception {
    Path suite = Files.createDirectories(dir.resolve("libsvm-binary"));
    assertEquals(suite, SparkTestBase.extraData("libsvm-binary", null, dir.toString()));
    assertEquals(suite, SparkTestBase.extraData("libsvm-binary", " ", dir.toString()));
  }

  @Test
  void skipsWhenNothingIsConfiguredOrTheSubdirectoryIsMissing() {
    assertThrows(
        TestAbortedException.class, () -> SparkTestBase.extraData("libsvm-suite", null, null));
    assertThrows(
        TestAbortedException.class,
        () -> SparkTestBase.extraData("libsvm-suite", dir.toString(), null));
  }
}
