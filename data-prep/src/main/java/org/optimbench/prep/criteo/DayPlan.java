package org.optimbench.prep.criteo;

import java.io.Serializable;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.optimbench.prep.common.InputFile;
import org.optimbench.prep.common.SplitAssigner;

/**
 * Which day and split each line belongs to, in one of three ways:
 *
 * <ul>
 *   <li>by file name: every input file is named {@code day_N} as in Criteo 1TB ({@code day_0},
 *       {@code day_0.gz}, {@code day_23.tsv}, or AlgoPerf's pieces {@code day_23_00 .. day_23_35}),
 *       and N is its day ({@link #dayFromName});
 *   <li>by cutting ({@code --days K}): the concatenated files, in order, are cut into K equal parts
 *       by line count (the Kaggle {@code train.txt} is 7 days);
 *   <li>without days: no file is named {@code day_N} (a sample, a single export): a seeded hash of
 *       each row id sends the row to train, valid or test ({@link SplitAssigner}, the LIBSVM job's
 *       rule and fractions); every row has day {@link #NO_DAY}.
 * </ul>
 *
 * With days, all days but the last are train; the last day is split in two halves, the first test
 * and the second valid, as facebookresearch/dlrm does ({@code np.array_split} of the last day).
 * Other digits in a name say nothing about days ({@code sample39.tsv}, {@code part-00003} have
 * none), so they are never read as one.
 */
public final class DayPlan implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The day of every row of an input without days. */
  public static final int NO_DAY = -1;

  /** {@code day_N}, optionally {@code _PIECE}, optionally any extensions ({@code .tsv.gz}). */
  private static final Pattern DAY_NAME = Pattern.compile("day_(\\d{1,6})(?:_\\d+)?(?:\\..*)?");

  private final int[] dayOfFile;

  /** Lines before each file within its day (only needed for last-day files, or all with --days). */
  private final long[] offsetInDay;

  private final long[] fileStart; // with --days: global line offset of each file
  private final int lastDay;
  private final long lastDayLines;
  private final long totalLines;
  private final int cutDays;
  private final SplitAssigner rows; // without days

  private DayPlan(
      int[] dayOfFile,
      long[] offsetInDay,
      long[] fileStart,
      int lastDay,
      long lastDayLines,
      long totalLines,
      int cutDays,
      SplitAssigner rows) {
    this.dayOfFile = dayOfFile;
    this.offsetInDay = offsetInDay;
    this.fileStart = fileStart;
    this.lastDay = lastDay;
    this.lastDayLines = lastDayLines;
    this.totalLines = totalLines;
    this.cutDays = cutDays;
    this.rows = rows;
  }

  /** The day of a file named {@code day_N} (see the class comment), else -1. */
  public static int dayFromName(String name) {
    Matcher m = DAY_NAME.matcher(name);
    return m.matches() ? Integer.parseInt(m.group(1)) : -1;
  }

  /**
   * Day of each file from its {@code day_N} name, or null when no name has a day. Some files with a
   * day and some without is an error naming one of each: neither a day split nor a row split would
   * be what the files' names promise.
   */
  public static int[] daysFromNames(List<String> names) {
    int[] days = new int[names.size()];
    String withDay = null;
    String without = null;
    for (int i = 0; i < names.size(); i++) {
      days[i] = dayFromName(names.get(i));
      if (days[i] < 0 && without == null) without = names.get(i);
      if (days[i] >= 0 && withDay == null) withDay = names.get(i);
    }
    if (withDay == null) return null;
    if (without != null)
      throw new IllegalArgumentException(
          "input mixes day files and other files: "
              + withDay
              + " is named day_N but "
              + without
              + " is not; rename the files day_N (day_0, day_1.gz, ...), give only the day files,"
              + " or pass --days K to cut all files in order into K days");
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
              + " (from their day_N names); the day split needs at least two days (or pass --days"
              + " K to cut the files into K days)");
    }
    long[] offset = new long[dayOfFile.length];
    long lastLines = 0;
    for (int f = 0; f < dayOfFile.length; f++) {
      if (dayOfFile[f] == last) {
        offset[f] = lastLines;
        lastLines += lineCounts[f];
      }
    }
    return new DayPlan(dayOfFile, offset, null, last, lastLines, -1, 0, null);
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
    return new DayPlan(null, null, start, days - 1, total - lastStart, total, days, null);
  }

  /** No days: each row's split from a seeded hash of its row id. */
  public static DayPlan withoutDays(SplitAssigner rows) {
    return new DayPlan(null, null, null, NO_DAY, 0, -1, 0, rows);
  }

  private static long dayStart(int day, int days, long total) {
    return Math.floorDiv((long) day * total + days - 1, days); // ceil(day * total / days)
  }

  public boolean needsAllCounts() {
    return cutDays > 0;
  }

  /** Whether the split depends on days (false: a hash split of rows). */
  public boolean hasDays() {
    return rows == null;
  }

  /** Day of a line (1-based line number in file {@code file}). */
  public int day(int file, long line) {
    if (rows != null) {
      return NO_DAY;
    }
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
    if (rows != null) {
      return rows.assign(InputFile.rowId(file, line));
    }
    if (day != lastDay) {
      return "train";
    }
    long position =
        cutDays == 0
            ? offsetInDay[file] + line - 1
            : fileStart[file] + line - 1 - dayStart(lastDay, cutDays, totalLines);
    return position < (lastDayLines + 1) / 2 ? "test" : "valid";
  }

  /** The split rule in words, for the manifest. */
  public String rule() {
    if (rows != null) {
      return "no day_N file names: hash(seed, row_id) -> u in [0, 1): test if u < "
          + rows.testFraction()
          + ", valid if u < "
          + (rows.testFraction() + rows.validFraction())
          + ", else train; day = "
          + NO_DAY;
    }
    return "days before the last: train; last day ("
        + lastDay
        + ", "
        + lastDayLines
        + " lines): first half test, second half valid (facebookresearch/dlrm)";
  }

  public int lastDay() {
    return lastDay;
  }

  public long lastDayLines() {
    return lastDayLines;
  }
}
