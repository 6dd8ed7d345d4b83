package org.optimbench.prep.libsvm;

import java.util.Arrays;
import org.optimbench.prep.common.RowFormatException;

/**
 * Parses one LIBSVM/SVMlight line {@code <label> [qid:<n>] <index>:<value> ... [# comment]}.
 *
 * <p>Accepted: tokens separated by any run of spaces or tabs, a trailing space (heart_scale has
 * one), {@code +1}, a {@code qid:} token after the label (dropped, and flagged so the job can count
 * it), a {@code #} comment tail, blank and comment-only lines (skipped: the parser returns null).
 * Rejected, with the reason as the message: a non-numeric or non-integer label, a multilabel {@code
 * 1,2} label, a token without {@code :}, a non-integer index, index 0 (indices are 1-based), an
 * index that repeats or goes down, a non-numeric value, NaN or infinite values. Spark's own reader
 * splits on single spaces only and fails on tabs and {@code qid:}.
 */
public final class LibsvmLineParser {
  private LibsvmLineParser() {}

  public static LibsvmRecord parse(String line) throws RowFormatException {
    int end = line.indexOf('#');
    if (end < 0) {
      end = line.length();
    }
    int pos = skipSpace(line, 0, end);
    if (pos == end) {
      return null;
    }
    int tokEnd = tokenEnd(line, pos, end);
    double label = parseLabel(line.substring(pos, tokEnd));
    pos = skipSpace(line, tokEnd, end);

    int[] idx = new int[8];
    double[] val = new double[8];
    int n = 0;
    boolean qid = false;
    int previous = 0;
    while (pos < end) {
      tokEnd = tokenEnd(line, pos, end);
      String tok = line.substring(pos, tokEnd);
      pos = skipSpace(line, tokEnd, end);
      if (tok.startsWith("qid:")) {
        if (n > 0 || qid) {
          throw new RowFormatException("qid token '" + tok + "' must come right after the label");
        }
        parseIndex(tok.substring(4), tok, true);
        qid = true;
        continue;
      }
      int colon = tok.indexOf(':');
      if (colon < 0) {
        throw new RowFormatException("token '" + tok + "' is not index:value");
      }
      int index = parseIndex(tok.substring(0, colon), tok, false);
      if (index == previous) {
        throw new RowFormatException("duplicate index " + index);
      }
      if (index < previous) {
        throw new RowFormatException(
            "unsorted index " + index + " after " + previous + " (indices must ascend)");
      }
      double value = parseValue(tok.substring(colon + 1), index);
      if (n == idx.length) {
        idx = Arrays.copyOf(idx, n * 2);
        val = Arrays.copyOf(val, n * 2);
      }
      idx[n] = index;
      val[n] = value;
      n++;
      previous = index;
    }
    return new LibsvmRecord(label, Arrays.copyOf(idx, n), Arrays.copyOf(val, n), qid);
  }

  private static int skipSpace(String s, int i, int end) {
    while (i < end && isSpace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static int tokenEnd(String s, int i, int end) {
    while (i < end && !isSpace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == 0x0B;
  }

  static double parseLabel(String tok) throws RowFormatException {
    if (tok.indexOf(',') >= 0) {
      throw new RowFormatException("multilabel label '" + tok + "' is not supported");
    }
    double v = parseNumber(tok, "label");
    if (v != Math.rint(v)) {
      throw new RowFormatException("label " + tok + " is not an integer class");
    }
    return v;
  }

  private static int parseIndex(String s, String tok, boolean qid) throws RowFormatException {
    String what = qid ? "qid" : "index";
    if (s.isEmpty()) {
      throw new RowFormatException("bad " + what + " in '" + tok + "': empty");
    }
    long v = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9' || v > Integer.MAX_VALUE) {
        throw new RowFormatException("bad " + what + " in '" + tok + "': not a positive integer");
      }
      v = v * 10 + (c - '0');
    }
    if (v > Integer.MAX_VALUE) {
      throw new RowFormatException("bad " + what + " in '" + tok + "': too large");
    }
    if (v == 0 && !qid) {
      throw new RowFormatException("index 0 in '" + tok + "' (indices are 1-based)");
    }
    return (int) v;
  }

  static double parseValue(String s, int index) throws RowFormatException {
    return parseNumber(s, "value for index " + index);
  }

  /** Strict decimal: digits, sign, point and exponent only (no hex, no 'd'/'f' suffix, no NaN). */
  static double parseNumber(String s, String what) throws RowFormatException {
    String lower = s.toLowerCase(java.util.Locale.ROOT);
    String unsigned = lower.startsWith("+") || lower.startsWith("-") ? lower.substring(1) : lower;
    if (unsigned.equals("nan") || unsigned.startsWith("inf")) {
      throw new RowFormatException("NaN/Inf " + what + " '" + s + "'");
    }
    boolean digit = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        digit = true;
      } else if (c != '+' && c != '-' && c != '.' && c != 'e' && c != 'E') {
        digit = false;
        break;
      }
    }
    double v;
    try {
      if (!digit) {
        throw new NumberFormatException();
      }
      v = Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw new RowFormatException("non-numeric " + what + " '" + s + "'");
    }
    if (Double.isInfinite(v)) {
      throw new RowFormatException("NaN/Inf " + what + " '" + s + "' (overflows a double)");
    }
    return v;
  }
}
