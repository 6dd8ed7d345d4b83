package org.optimbench.jobs.run;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.time.Instant;
import org.optimbench.jobs.fs.Location;

/**
 * The attempts of a run: {@code <run>/attempts/<n>}, one write-once marker per attempt, numbered
 * from 1. A new attempt takes the highest number found plus one and creates its marker without
 * overwriting (see {@link Location#createOnce}), so two attempts that race for the same number
 * cannot both get it: the loser counts again. A writer holding attempt {@code n} checks before each
 * commit that no marker above {@code n} exists ({@link #check}).
 */
final class Attempts {
  static final String DIR = "attempts";
  private static final int MAX_RACES = 100;

  private Attempts() {}

  /** Begins a new attempt of the run in {@code runDir}; returns its number. */
  static int begin(Location runDir) throws IOException {
    Location dir = runDir.resolve(DIR);
    dir.mkdirs();
    String note = Instant.now() + " " + host() + "\n";
    for (int race = 0; ; race++) {
      int next = latest(runDir) + 1;
      try {
        dir.resolve(Integer.toString(next))
            .createOnce(out -> out.write(note.getBytes(StandardCharsets.UTF_8)));
        return next;
      } catch (FileAlreadyExistsException e) {
        if (race >= MAX_RACES)
          throw new IOException(
              dir + ": lost the race for a new attempt number " + MAX_RACES + " times", e);
      }
    }
  }

  /** The highest attempt number begun, 0 when none was. */
  static int latest(Location runDir) throws IOException {
    int max = 0;
    for (Location l : runDir.resolve(DIR).list()) {
      String n = l.name();
      if (n.matches("[1-9][0-9]{0,8}")) max = Math.max(max, Integer.parseInt(n));
    }
    return max;
  }

  static boolean exists(Location runDir, int attempt) throws IOException {
    return runDir.resolve(DIR).resolve(Integer.toString(attempt)).exists();
  }

  /**
   * @throws StaleAttemptException when an attempt newer than {@code attempt} has begun
   */
  static void check(Location runDir, String run, int attempt) throws IOException {
    int latest = latest(runDir);
    if (latest > attempt) throw new StaleAttemptException(run, attempt, latest);
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "(unknown host)";
    }
  }
}
