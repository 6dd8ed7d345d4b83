package org.optimbench.jobs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local locations: plain paths as before, atomic replacement and write-once files. */
class LocationTest {
  @TempDir Path dir;

  @Test
  void aRelativePathResolvesAgainstTheWorkingDirectoryAndShowsAsAPlainPath() throws IOException {
    Location l = Location.of("some/relative/file.csv", new Configuration());
    assertTrue(l.isLocal());
    assertEquals(Path.of("some/relative/file.csv").toAbsolutePath(), l.toLocalPath());
    assertEquals(Path.of("some/relative/file.csv").toAbsolutePath().toString(), l.toString());
    assertTrue(l.uri().startsWith("file:/"), l.uri());
    assertEquals(l, Location.of(l.uri(), new Configuration()), "its URI names it again");
    assertEquals(l, Location.local(Path.of("some/relative/file.csv")));
  }

  @Test
  void replaceLeavesTheNewContentAndNoSideFiles() throws IOException {
    Location f = Location.local(dir.resolve("status.json"));
    f.replace("one");
    f.replace("two");
    assertEquals("two", Files.readString(dir.resolve("status.json")));
    try (var s = Files.list(dir)) {
      assertEquals(List.of("status.json"), s.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void createOnceRefusesAnExistingFileAndKeepsIt() throws IOException {
    Location f = Location.local(dir.resolve("marker"));
    f.createOnce(out -> out.write("first".getBytes(StandardCharsets.UTF_8)));
    FileAlreadyExistsException e =
        assertThrows(
            FileAlreadyExistsException.class,
            () -> f.createOnce(out -> out.write("second".getBytes(StandardCharsets.UTF_8))));
    assertTrue(e.getMessage().contains("marker"), e.getMessage());
    assertEquals("first", f.readString());
    try (var s = Files.list(dir)) {
      assertEquals(1, s.count(), "no temporary file left");
    }
  }

  @Test
  void ofWritersRacingForOneNameExactlyOneWins() throws Exception {
    Location f = Location.local(dir.resolve("attempt"));
    int n = 8;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Boolean>> won = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        byte[] body = ("writer " + i).getBytes(StandardCharsets.UTF_8);
        won.add(
            pool.submit(
                () -> {
                  go.await();
                  try {
                    f.createOnce(out -> out.write(body));
                    return true;
                  } catch (FileAlreadyExistsException e) {
                    return false;
                  }
                }));
      }
      go.countDown();
      int winners = 0;
      for (Future<Boolean> w : won) if (w.get()) winners++;
      assertEquals(1, winners);
      assertTrue(f.readString().startsWith("writer "));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void listingAMissingDirectoryIsEmptyAndReadingAMissingFileIsEmpty() throws IOException {
    Location missing = Location.local(dir.resolve("nope"));
    assertEquals(List.of(), missing.list());
    assertTrue(missing.readStringIfExists().isEmpty());
    assertFalse(missing.exists());
    missing.delete();
  }

  @Test
  void onlyFileSystemsThatRenameAtomicallyReplaceByRename() {
    for (String s : List.of("file", "hdfs", "viewfs", "webhdfs"))
      assertTrue(Location.renamesAtomically(s), s);
    for (String s : List.of("s3a", "gs", "abfs", "abfss", "wasb", "oss", "something-new"))
      assertFalse(Location.renamesAtomically(s), s);
  }
}
