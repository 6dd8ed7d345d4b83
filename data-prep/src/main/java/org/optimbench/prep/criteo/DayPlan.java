package org.optimbench.prep.criteo;

import java.io.Serializable;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which day and split each line belongs to. Days come from file names ({@code day_0 .. day_23}, or
 * AlgoPerf's pieces {@code day_23_00 .. day_23_35}: the first number in the name), or, with {@code
 * --days K}, from cutting the concatenated files into K equal parts by line count (the Kaggle
 * {@code train.txt} is 7 days). All days but the last are train; the last day is split in two
 * halves, the first test and the second valid, as facebookresearch/dlrm does ({@code
 * np.array_split} of the last day).
 */
public final class DayPlan implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Pattern NUMBER = Pattern.compile("\\d+");

  private final int[] dayOfFile;

  /** Lines before each file within its day (only needed for last-day files, or all with --days). */
  private final long[] offsetInDay;

  private final long[] fileStart; // with --days: global line offset of each file
  private final int lastDay;
  private final long lastDayLines;
  private final long totalLines;
  private final int cutDays;

  private DayPlan(
      int[] dayOfFile,
      long[] offsetInDay,
      long[] fileStart,
      int lastDay,
      long lastDayLines,
      long totalLines,
      int cutDays) {
    this.dayOfFile = dayOfFile;
    this.offsetInDay = offsetInDay;
    this.fileStart = fileStart;
    this.lastDay = lastDay;
    this.lastDayLines = lastDayLines;
    this.totalLines = totalLines;
    this.cutDays = cutDays;
  }

  /**
   * Day of each file from its name: the first number, if every name has one, else the file order.
   */
  public static int[] daysFromNames(List<String> names) {
    int[] days = new int[names.size()];
    for (int i = 0; i < names.size(); i++) {
      Matcher m = NUMBER.matcher(names.get(i));
      if (!m.find() || m.group().length() > 6) {
        for (int j = 0; j < days.length; j++) {
          days[j] = j;
        }
        return days;
      }
      days[i] = Integer.parseInt(m.group());
    }
    return days;
  }

  /** Days from file names; {@code lineCounts} is needed for the files of the last day only. */
  public static DayPlan byFile(int[] dayOfFile, long[] lineCounts) {
    int last = Integer.MIN_VALUE;
    int first = Integer.MAX_VALUE;
    for (int d : dayOfFile) {
      last = Math.max(last, d);
      first = Math.min(first, d);
    }
    if (first == last) {
      throw new IllegalArgumentException(
          "all input files are day "
              + last
              + "; a day split needs at least two days (or pass --days K to cut the files into K days)");
    }
    long[] offset = new long[dayOfFile.length];
    long lastLines = 0;
    for (int f = 0; f < dayOfFile.length; f++) {
      if (dayOfFile[f] == last) {
        offset[f] = lastLines;
        lastLines += lineCounts[f];
      }
    }
    return new DayPlan(dayOfFile, offset, null, last, lastLines, -1, 0);
  }

  /** The concatenation of all files (in order) cut into {@code days} equal parts by line count. */
  public static DayPlan cut(int days, long[] lineCounts) {
    if (days < 2) {
      throw new IllegalArgumentException("days (" + days + ") must be >= 2");
    }
    long[] start = new long[lineCounts.length];
    long total = 0;
    for (int f = 0; f < lineCounts.length; f++) {
      start[f] = total;
      total += lineCounts[f];
    }
    long lastStart = dayStart(days - 1, days, total);
    return new DayPlan(null, null, start, days - 1, total - lastStart, total, days);
  }

  private static long dayStart(int day, int days, long total) {
    return Math.floorDiv((long) day * total + days - 1, days); // ceil(day * total / days)
  }

  public boolean needsAllCounts() {
    return cutDays > 0;
  }

  /** Day of a line (1-based line number in file {@code file}). */
  public int day(int file, long line) {
    if (cutDays == 0) {
      return dayOfFile[file];
    }
    long g = fileStart[file] + line - 1;
    int d = (int) Math.min(cutDays - 1, g * cutDays / totalLines);
    while (d + 1 < cutDays && g >= dayStart(d + 1, cutDays, totalLines)) {
      d++;
    }
    while (d > 0 && g < dayStart(d, cutDays, totalLines)) {
      d--;
    }
    return d;
  }

  public String split(int file, long line, int day) {
    if (day != lastDay) {
      return "train";
    }
    long position =
        cutDays == 0
            ? offsetInDay[file] + line - 1
            : fileStart[file] + line - 1 - dayStart(lastDay, cutDays, totalLines);
    return position < (lastDayLines + 1) / 2 ? "test" : "valid";
  }

  public int lastDay() {
    return lastDay;
  }

  public long lastDayLines() {
    return lastDayLines;
  }
}
