package org.optimbench.prep.common;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Lists input files on the driver: a file is itself; a directory gives its data files, recursively,
 * in natural order ({@code day_2} before {@code day_10}). Hidden files ({@code .x}, {@code _x}),
 * READMEs, {@code *.md} and checksum lists are not data.
 */
public final class InputListing {
  private static final Pattern NUMBER = Pattern.compile("\\d+");

  private InputListing() {}

  public static boolean isDataFileName(String name) {
    String lower = name.toLowerCase(java.util.Locale.ROOT);
    return !(name.startsWith(".")
        || name.startsWith("_")
        || lower.startsWith("readme")
        || lower.endsWith(".md")
        || lower.startsWith("license")
        || lower.endsWith("sums")
        || lower.endsWith(".sha256")
        || lower.endsWith(".crc"));
  }

  /** All data files under {@code input}, naturally sorted by path relative to it. */
  public static List<FileStatus> list(String input, Configuration conf) throws IOException {
    Path root = new Path(input);
    FileSystem fs = root.getFileSystem(conf);
    if (!fs.exists(root)) {
      throw new IllegalArgumentException("input " + input + " does not exist");
    }
    List<FileStatus> out = new ArrayList<>();
    collect(fs, fs.getFileStatus(root), out, true);
    out.sort(
        Comparator.comparing(
            (FileStatus s) -> s.getPath().toString(), InputListing::naturalCompare));
    if (out.isEmpty()) {
      throw new IllegalArgumentException("input " + input + " holds no data files");
    }
    return out;
  }

  private static void collect(FileSystem fs, FileStatus s, List<FileStatus> out, boolean top)
      throws IOException {
    if (s.isDirectory()) {
      if (!top && !isDataFileName(s.getPath().getName())) {
        return;
      }
      for (FileStatus c : fs.listStatus(s.getPath())) {
        collect(fs, c, out, false);
      }
    } else if (top || isDataFileName(s.getPath().getName())) {
      out.add(s);
    }
  }

  /** Compares strings with digit runs compared as numbers. */
  public static int naturalCompare(String a, String b) {
    Matcher ma = NUMBER.matcher(a);
    Matcher mb = NUMBER.matcher(b);
    int ia = 0;
    int ib = 0;
    while (true) {
      boolean fa = ma.find(ia);
      boolean fb = mb.find(ib);
      if (!fa || !fb || ma.start() - ia != mb.start() - ib) {
        return a.substring(ia).compareTo(b.substring(ib));
      }
      int c = a.substring(ia, ma.start()).compareTo(b.substring(ib, mb.start()));
      if (c != 0) {
        return c;
      }
      String na = ma.group().replaceFirst("^0+(?=.)", "");
      String nb = mb.group().replaceFirst("^0+(?=.)", "");
      c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
      if (c != 0) {
        return c;
      }
      ia = ma.end();
      ib = mb.end();
    }
  }
}
