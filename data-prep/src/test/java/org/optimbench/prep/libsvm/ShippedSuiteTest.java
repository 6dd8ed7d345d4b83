package org.optimbench.prep.libsvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.optimbench.prep.SparkTestBase;

/**
 * The LIBSVM suite shipped in data/libsvm-suite is the one its README describes: every file is
 * listed in SHA256SUMS with the digest it has, and nothing unlisted sits beside them.
 */
class ShippedSuiteTest {
  static final Path SUITE = SparkTestBase.repoRoot().resolve("data/libsvm-suite");

  @Test
  void everyFileMatchesItsChecksumAndEveryFileIsListed() throws Exception {
    List<String> lines = Files.readAllLines(SUITE.resolve("SHA256SUMS"));
    Set<String> listed = new TreeSet<>();
    for (String line : lines) {
      String[] f = line.split(" +", 2);
      assertEquals(2, f.length, "SHA256SUMS: '" + line + "'");
      String name = f[1].replaceFirst("^\\./", "");
      listed.add(name);
      assertEquals(f[0], sha256(SUITE.resolve(name)), name);
    }
    Set<String> present = new TreeSet<>();
    try (Stream<Path> s = Files.walk(SUITE)) {
      s.filter(p -> p.toString().endsWith(".gz"))
          .forEach(p -> present.add(SUITE.relativize(p).toString()));
    }
    assertEquals(listed, present);
    assertTrue(listed.contains("dna/dna.scale.t.gz") && listed.size() == 12, listed.toString());
  }

  static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
