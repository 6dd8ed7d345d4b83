package org.optimbench.prep.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommonCoreTest {
  @TempDir Path tmp;

  @Test
  void splitAssignmentIsDeterministicAndNearTheFractions() {
    SplitAssigner a = new SplitAssigner(7, 0.1, 0.2);
    Map<String, Integer> counts = new java.util.HashMap<>();
    for (long k = 0; k < 100_000; k++) {
      String s = a.assign(k);
      assertEquals(s, new SplitAssigner(7, 0.1, 0.2).assign(k));
      counts.merge(s, 1, Integer::sum);
    }
    assertEquals(0.7, counts.get("train") / 1e5, 0.01);
    assertEquals(0.1, counts.get("valid") / 1e5, 0.01);
    assertEquals(0.2, counts.get("test") / 1e5, 0.01);
    int moved = 0;
    for (long k = 0; k < 1000; k++) {
      moved += a.assign(k).equals(new SplitAssigner(8, 0.1, 0.2).assign(k)) ? 0 : 1;
    }
    assertTrue(moved > 100, "another seed gives another split");
  }

  @Test
  void splitFractionsAreValidated() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new SplitAssigner(0, 0.6, 0.5));
    assertTrue(e.getMessage().contains("valid + test fractions (1.1)"), e.getMessage());
  }

  @Test
  void stableHashValuesNeverChange() {
    // Pinned: row ids, splits and hashed categorical ids of every existing output depend on these.
    assertEquals(0x5692161d100b05e5L, StableHash.mix64(1));
    assertEquals(
        StableHash.hashString(3, "abc"),
        StableHash.hashBytes(3, "abc".getBytes(StandardCharsets.UTF_8), 0, 3));
  }

  @Test
  void naturalOrderPutsDay2BeforeDay10() {
    List<String> names = new ArrayList<>(List.of("day_10", "day_2", "day_1.gz", "day_0"));
    names.sort(InputListing::naturalCompare);
    assertEquals(List.of("day_0", "day_1.gz", "day_2", "day_10"), names);
    assertFalse(InputListing.isDataFileName("README.md"));
    assertFalse(InputListing.isDataFileName("SHA256SUMS"));
    assertFalse(InputListing.isDataFileName("_SUCCESS"));
    assertTrue(InputListing.isDataFileName("a9a.t.gz"));
  }

  @Test
  void lineSourceReadsGzipWithLineNumbersTerminatorsAndChecksum() throws Exception {
    byte[] raw = "a\r\nb\n\nd\u00e9".getBytes(StandardCharsets.ISO_8859_1);
    Path f = tmp.resolve("x.gz");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(f))) {
      o.write(raw);
    }
    List<String> lines = new ArrayList<>();
    try (LineSource s = LineSource.open(f.toString(), new Configuration())) {
      while (s.next()) {
        lines.add(s.lineNumber() + ":" + (s.isValidUtf8() ? s.text() : "<invalid>"));
      }
      FileMeta m = s.finish();
      assertEquals(4, m.lines());
      assertEquals(Files.size(f), m.bytes());
      assertEquals(
          HexFormat.of()
              .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))),
          m.sha256());
    }
    assertEquals(List.of("1:a", "2:b", "3:", "4:<invalid>"), lines);
  }

  @Test
  void atomicOutputRefusesExistingOutputAndCommitsWithSuccessLast() throws IOException {
    Configuration conf = new Configuration();
    String target = tmp.resolve("out").toString();
    AtomicOutput out = AtomicOutput.begin(target, false, conf);
    out.write("data.txt", "x".getBytes(StandardCharsets.UTF_8));
    assertFalse(Files.exists(tmp.resolve("out")), "nothing at the target before commit");
    out.commit(new Manifest("test", Map.of()).toJson());
    assertTrue(AtomicOutput.isComplete(target, conf));
    assertTrue(Files.exists(tmp.resolve("out/manifest.json")));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> AtomicOutput.begin(target, false, conf));
    assertTrue(e.getMessage().contains("already exists and is complete"), e.getMessage());

    AtomicOutput again = AtomicOutput.begin(target, true, conf);
    again.abort();
    assertTrue(AtomicOutput.isComplete(target, conf), "an aborted overwrite keeps the old output");
    try (var list = Files.list(tmp)) {
      assertEquals(1, list.count(), "the aborted temporary directory is gone");
    }
  }

  @Test
  void overwriteReplacesOnlyDataPrepsOwnOutputAndRefusesAnythingElseDeletingNothing()
      throws IOException {
    Configuration conf = new Configuration();
    Path own = tmp.resolve("own");
    AtomicOutput first = AtomicOutput.begin(own.toString(), false, conf);
    first.write("old.txt", "old".getBytes(StandardCharsets.UTF_8));
    first.commit(new Manifest("test", Map.of()).toJson());
    AtomicOutput second = AtomicOutput.begin(own.toString(), true, conf);
    second.write("new.txt", "new".getBytes(StandardCharsets.UTF_8));
    second.commit(new Manifest("test", Map.of()).toJson());
    assertTrue(Files.exists(own.resolve("new.txt")), "the tool's own output is replaced");
    assertFalse(Files.exists(own.resolve("old.txt")));

    // a user's directory, one with a manifest.json of its own, and a file
    Path foreign = tmp.resolve("home");
    Files.createDirectories(foreign);
    Files.writeString(foreign.resolve("thesis.tex"), "keep me");
    Path otherTool = tmp.resolve("other");
    Files.createDirectories(otherTool);
    Files.writeString(otherTool.resolve("manifest.json"), "{\"tool\": \"something else\"}");
    Files.writeString(otherTool.resolve(AtomicOutput.SUCCESS), "");
    Path file = tmp.resolve("notes.txt");
    Files.writeString(file, "keep me too");
    for (Path p : List.of(foreign, otherTool, file)) {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class, () -> AtomicOutput.begin(p.toString(), true, conf));
      assertTrue(
          e.getMessage().startsWith("--overwrite: file:" + p + " is not an output of data-prep")
              && e.getMessage().contains("not deleting it"),
          e.getMessage());
      assertEquals(1, e.getMessage().lines().count());
      e =
          assertThrows(
              IllegalStateException.class, () -> AtomicOutput.begin(p.toString(), false, conf));
      assertTrue(e.getMessage().contains("is not an output of data-prep"), e.getMessage());
    }
    assertEquals("keep me", Files.readString(foreign.resolve("thesis.tex")));
    assertTrue(Files.exists(otherTool.resolve("manifest.json")));
    assertEquals("keep me too", Files.readString(file));
    try (var list = Files.list(tmp)) {
      assertEquals(
          List.of("home", "notes.txt", "other", "own"),
          list.map(p -> p.getFileName().toString()).sorted().toList(),
          "no temporary directory left by a refusal");
    }

    // a directory that became foreign while the job ran is refused at commit, and kept
    Path swapped = tmp.resolve("swapped");
    AtomicOutput a = AtomicOutput.begin(swapped.toString(), false, conf);
    a.commit(new Manifest("test", Map.of()).toJson());
    AtomicOutput b = AtomicOutput.begin(swapped.toString(), true, conf);
    Files.writeString(swapped.resolve(AtomicOutput.MANIFEST), "{}");
    Files.writeString(swapped.resolve("data.csv"), "1,2");
    assertThrows(
        IllegalStateException.class, () -> b.commit(new Manifest("test", Map.of()).toJson()));
    b.abort();
    assertEquals("1,2", Files.readString(swapped.resolve("data.csv")));
  }

  /** A config record shaped like the jobs' configs. */
  public record Sample(String input, Long maxBadRows, Map<String, Integer> dimensions) {
    public Sample {
      maxBadRows = maxBadRows == null ? 0L : maxBadRows;
    }
  }

  @Test
  void configsReadKebabCaseYamlAndRejectUnknownKeys() throws IOException {
    Sample s =
        Configs.fromYaml(Sample.class, "input: x\nmax-bad-rows: 5\ndimensions: {a1a: 123}\n");
    assertEquals(5L, s.maxBadRows());
    assertEquals(123, s.dimensions().get("a1a"));
    assertEquals(0L, Configs.fromYaml(Sample.class, "input: x").maxBadRows());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Configs.fromYaml(Sample.class, "input: x\nmax-bad-row: 5\n"));
    assertTrue(e.getMessage().contains("unknown key 'max-bad-row'"), e.getMessage());
  }
}
