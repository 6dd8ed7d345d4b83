package org.optimbench.prep.criteo;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.optimbench.prep.common.OwnedOutput;
import org.optimbench.prep.common.StableHash;

/**
 * Writes Criteo-format day files ({@code day_0 .. day_{D-1}}, optionally gzipped) with the
 * structure of the real logs, for tests and benchmarks at any size. Deterministic in the seed.
 *
 * <ul>
 *   <li>Categorical columns: the Kaggle set's per-column cardinalities; values drawn with a power
 *       law (rank {@code floor((V+1)^u)} in 1..V, u uniform: P(rank r) about 1/r, Zipf s=1) and
 *       written as 8 lower-case hex digits of a fixed hash of (column, rank); missing rates per
 *       column close to the Kaggle set's (C19-C26 about 44% empty).
 *   <li>Integer columns: log-normal counts with the Kaggle set's missing rates (I12 77% empty); I2
 *       sometimes -1..-3, as in the real data.
 *   <li>Labels: a logistic model of I1, I5 and the rank of C1, calibrated to about 3% clicks.
 * </ul>
 */
public final class CriteoGenerator {
  /** Distinct values per categorical column in the Kaggle Display Advertising train set. */
  static final int[] CARDINALITY = {
    1460, 583, 10131227, 2202608, 305, 24, 12517, 633, 3, 93145, 5683, 8351593, 3194, 27, 14992,
    5461306, 10, 5652, 2173, 4, 7046547, 18, 15, 286181, 105, 142572
  };

  static final double[] CAT_MISSING = {
    0, 0, 0.034, 0.034, 0, 0.12, 0, 0, 0, 0, 0, 0.034, 0, 0, 0, 0.034, 0, 0, 0.44, 0.44, 0.034, 0,
    0, 0.44, 0.034, 0.44
  };
  static final double[] INT_MISSING = {
    0.45, 0, 0.21, 0.22, 0.03, 0.22, 0.04, 0, 0.04, 0.45, 0.04, 0.77, 0.22
  };
  static final double[] INT_LOG_MEAN = {0.5, 3, 2, 1.8, 7.5, 4, 1.5, 2.5, 3.7, 0.3, 1, 0.2, 1.8};
  private static final byte[] HEX =
      "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final double BASE_LOGIT = -2.85;

  /**
   * The file that marks a directory as this generator's output, so that regenerating deletes only
   * such a directory. Its name starts with {@code _}, so input listings skip it.
   */
  public static final String MARKER = "_generate-criteo.json";

  private static final String TOOL = "optimbench generate-criteo";
  private static final OwnedOutput OWNER =
      new OwnedOutput("generate-criteo", List.of(new OwnedOutput.Marker(MARKER, TOOL)));

  private CriteoGenerator() {}

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  /** Parameters: days, rows per day, seed, gzip. */
  public record Spec(int days, long rowsPerDay, long seed, boolean gzip) {
    public Spec {
      if (days < 1 || rowsPerDay < 0) {
        throw new IllegalArgumentException(
            "days (" + days + ") must be >= 1 and rows per day (" + rowsPerDay + ") >= 0");
      }
    }
  }

  /**
   * Writes the day files into {@code dir}, which must be missing, empty, or an earlier output of
   * this generator (recognised by {@link #MARKER}, written first); an earlier output is deleted
   * first, so no day of a larger earlier run is left behind.
   *
   * @throws IllegalStateException naming {@code dir} when it holds anything else (nothing in it is
   *     touched)
   */
  public static List<Path> generate(Path dir, Spec spec, int threads) throws IOException {
    if (Files.exists(dir) && !(Files.isDirectory(dir) && isEmpty(dir))) {
      OWNER.delete(dir);
    }
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve(MARKER),
        String.format(
            "{\"tool\": \"%s\", \"days\": %d, \"rows_per_day\": %d, \"seed\": %d, \"gzip\": %b}%n",
            TOOL, spec.days(), spec.rowsPerDay(), spec.seed(), spec.gzip()));
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
    try {
      List<Future<Path>> futures = new ArrayList<>();
      for (int d = 0; d < spec.days(); d++) {
        int day = d;
        futures.add(pool.submit(() -> writeDay(dir, spec, day)));
      }
      List<Path> out = new ArrayList<>();
      for (Future<Path> f : futures) {
        out.add(f.get());
      }
      return out;
    } catch (Exception e) {
      throw new IOException("generating Criteo data in " + dir + " failed", e);
    } finally {
      pool.shutdownNow();
    }
  }

  static Path writeDay(Path dir, Spec spec, int day) throws IOException {
    Path file = dir.resolve("day_" + day + (spec.gzip() ? ".gz" : ""));
    SplittableRandom rnd = new SplittableRandom(StableHash.hash(spec.seed(), day));
    OutputStream raw = Files.newOutputStream(file);
    try (OutputStream out =
        new BufferedOutputStream(spec.gzip() ? new GZIPOutputStream(raw, 1 << 16) : raw, 1 << 16)) {
      byte[] line = new byte[1024];
      for (long r = 0; r < spec.rowsPerDay(); r++) {
        int n = row(rnd, line);
        out.write(line, 0, n);
      }
    }
    return file;
  }

  /** Writes one line (with its newline) into {@code buf}; returns its length. */
  static int row(SplittableRandom rnd, byte[] buf) {
    long[] ints = new long[CriteoLineParser.NUM_DENSE];
    boolean[] intMissing = new boolean[ints.length];
    for (int i = 0; i < ints.length; i++) {
      intMissing[i] = rnd.nextDouble() < INT_MISSING[i];
      double g = rnd.nextGaussian(INT_LOG_MEAN[i], 1.2);
      ints[i] = (long) Math.floor(Math.exp(Math.max(g, 0))) - 1;
      if (i == 1 && rnd.nextDouble() < 0.1) {
        ints[i] = -1 - rnd.nextInt(3);
      }
    }
    long[] ranks = new long[CriteoLineParser.NUM_CATEGORICAL];
    for (int c = 0; c < ranks.length; c++) {
      ranks[c] =
          rnd.nextDouble() < CAT_MISSING[c]
              ? 0
              : (long) Math.floor(Math.pow(CARDINALITY[c] + 1.0, rnd.nextDouble()));
    }
    double logit =
        BASE_LOGIT
            + 0.35 * Math.log1p(Math.max(ints[0], 0))
            - 0.12 * Math.log1p(Math.max(ints[4], 0))
            + (ranks[0] == 1 ? 0.9 : ranks[0] <= 10 ? 0.3 : -0.2);
    int label = rnd.nextDouble() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;

    int p = 0;
    buf[p++] = (byte) ('0' + label);
    for (int i = 0; i < ints.length; i++) {
      buf[p++] = '\t';
      if (!intMissing[i]) {
        p = writeLong(buf, p, ints[i]);
      }
    }
    for (int c = 0; c < ranks.length; c++) {
      buf[p++] = '\t';
      if (ranks[c] > 0) {
        long v = StableHash.hash(c, ranks[c]) & 0xffffffffL;
        for (int s = 28; s >= 0; s -= 4) {
          buf[p++] = HEX[(int) (v >>> s) & 0xf];
        }
      }
    }
    buf[p++] = '\n';
    return p;
  }

  private static int writeLong(byte[] buf, int p, long v) {
    if (v < 0) {
      buf[p++] = '-';
      v = -v;
    }
    int start = p;
    do {
      buf[p++] = (byte) ('0' + v % 10);
      v /= 10;
    } while (v > 0);
    for (int i = start, j = p - 1; i < j; i++, j--) {
      byte t = buf[i];
      buf[i] = buf[j];
      buf[j] = t;
    }
    return p;
  }
}
