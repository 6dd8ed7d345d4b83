package org.optimbench.optim.schedule;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A schedule given as one factor per step, as written by {@link ScheduleRefinement}. File format:
 * CSV with header {@code step,factor}, steps 0..T-1 in order. Steps past the end use the last
 * factor.
 */
public final class RefinedSchedule implements Schedule {
  private final double[] factors;

  public RefinedSchedule(double[] factors) {
    if (factors.length == 0) throw new IllegalArgumentException("empty schedule");
    for (int i = 0; i < factors.length; i++) {
      if (!(factors[i] >= 0) || Double.isInfinite(factors[i]))
        throw new IllegalArgumentException(
            "factor at step " + i + " is " + factors[i] + ", must be finite and >= 0");
    }
    this.factors = factors.clone();
  }

  public int length() {
    return factors.length;
  }

  public double[] factors() {
    return factors.clone();
  }

  @Override
  public double factor(long step) {
    return factors[(int) Math.min(step, factors.length - 1)];
  }

  /** Linear interpolation onto {@code n} points spanning the same relative positions [0, 1]. */
  public RefinedSchedule resample(int n) {
    return new RefinedSchedule(ScheduleRefinement.interpolate(factors, n));
  }

  public static RefinedSchedule read(Path file) throws IOException {
    List<Double> v = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = r.readLine();
      if (header == null || !header.trim().equals("step,factor"))
        throw new IllegalArgumentException(file + " line 1: expected header 'step,factor'");
      String line;
      int lineNo = 1;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) continue;
        String[] f =
            line.split(",", -1); // -1: a trailing comma is an extra (empty) field, not ignored
        if (f.length != 2)
          throw new IllegalArgumentException(
              file + " line " + lineNo + ": expected 2 fields, got " + f.length);
        try {
          long step = Long.parseLong(f[0].trim());
          if (step != v.size())
            throw new IllegalArgumentException(
                file + " line " + lineNo + ": step " + step + ", expected " + v.size());
          v.add(Double.parseDouble(f[1].trim()));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(file + " line " + lineNo + ": not a number: " + line);
        }
      }
    }
    if (v.isEmpty()) throw new IllegalArgumentException(file + ": no steps after the header");
    double[] a = new double[v.size()];
    for (int i = 0; i < a.length; i++) a[i] = v.get(i);
    return new RefinedSchedule(a);
  }

  /** Writes the file atomically (temporary file, then rename). */
  public void write(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        w.write("step,factor\n");
        for (int i = 0; i < factors.length; i++) w.write(i + "," + factors[i] + "\n");
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp); // a failed write or move must not leave the temporary file behind
    }
  }
}
