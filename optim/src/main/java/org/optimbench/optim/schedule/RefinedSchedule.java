package org.optimbench.optim.schedule;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
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

  /** Reads a local schedule file. */
  public static RefinedSchedule read(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
  }

  /**
   * Reads a schedule file's content from {@code in} (UTF-8); {@code source} names it in errors.
   * Where the file lives (a local disk, HDFS, an object store) is the caller's business.
   */
  public static RefinedSchedule read(InputStream in, String source) throws IOException {
    return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), source);
  }

  /**
   * Parses a schedule file's content; errors name {@code source} and the line.
   *
   * @throws IllegalArgumentException for content that is not a schedule file
   */
  public static RefinedSchedule parse(String text, String source) {
    List<Double> v = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new StringReader(text))) {
      String header = r.readLine();
      if (header == null || !header.trim().equals("step,factor"))
        throw new IllegalArgumentException(source + " line 1: expected header 'step,factor'");
      String line;
      int lineNo = 1;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) continue;
        String[] f =
            line.split(",", -1); // -1: a trailing comma is an extra (empty) field, not ignored
        if (f.length != 2)
          throw new IllegalArgumentException(
              source + " line " + lineNo + ": expected 2 fields, got " + f.length);
        try {
          long step = Long.parseLong(f[0].trim());
          if (step != v.size())
            throw new IllegalArgumentException(
                source + " line " + lineNo + ": step " + step + ", expected " + v.size());
          v.add(Double.parseDouble(f[1].trim()));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              source + " line " + lineNo + ": not a number: " + line);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringReader does not fail
    }
    if (v.isEmpty()) throw new IllegalArgumentException(source + ": no steps after the header");
    double[] a = new double[v.size()];
    for (int i = 0; i < a.length; i++) a[i] = v.get(i);
    return new RefinedSchedule(a);
  }

  /** The file's content: header {@code step,factor}, then one line per step. */
  public String toCsv() {
    StringBuilder b = new StringBuilder("step,factor\n");
    for (int i = 0; i < factors.length; i++)
      b.append(i).append(',').append(factors[i]).append('\n');
    return b.toString();
  }

  /** Writes a local file atomically (temporary file, then rename). */
  public void write(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        w.write(toCsv());
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp); // a failed write or move must not leave the temporary file behind
    }
  }
}
