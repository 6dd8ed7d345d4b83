package org.optimbench.prep.criteo;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.optimbench.prep.common.RowFormatException;

/**
 * Parses a Criteo line straight from its bytes: {@code label \t I1..I13 \t C1..C26}, 40 fields,
 * empty fields allowed. The label must be 0 or 1; I-fields are (possibly negative) integers;
 * C-fields are 1 to 8 hexadecimal digits (the logs write 8, lower case). Reasons given for
 * malformed lines: wrong field count, bad label, non-numeric integer, bad hex, invalid UTF-8.
 */
public final class CriteoLineParser {
  public static final int NUM_DENSE = 13;
  public static final int NUM_CATEGORICAL = 26;
  public static final int NUM_FIELDS = 1 + NUM_DENSE + NUM_CATEGORICAL;

  private CriteoLineParser() {}

  public static void parse(byte[] b, int len, CriteoRecord out) throws RowFormatException {
    int fields = 1;
    boolean ascii = true;
    for (int i = 0; i < len; i++) {
      byte c = b[i];
      if (c == '\t') {
        fields++;
      } else if (c < 0) {
        ascii = false;
      }
    }
    if (!ascii && !validUtf8(b, len)) {
      throw new RowFormatException("invalid UTF-8");
    }
    if (fields != NUM_FIELDS) {
      throw new RowFormatException(fields + " fields, expected " + NUM_FIELDS);
    }
    int start = 0;
    int field = 0;
    for (int i = 0; i <= len; i++) {
      if (i == len || b[i] == '\t') {
        if (field == 0) {
          out.label = label(b, start, i);
        } else if (field <= NUM_DENSE) {
          out.dense[field - 1] = integer(b, start, i, field);
        } else {
          out.categorical[field - 1 - NUM_DENSE] = hex(b, start, i, field - NUM_DENSE);
        }
        field++;
        start = i + 1;
      }
    }
  }

  private static int label(byte[] b, int from, int to) throws RowFormatException {
    if (to - from == 1 && (b[from] == '0' || b[from] == '1')) {
      return b[from] - '0';
    }
    throw new RowFormatException("label '" + text(b, from, to) + "' is not 0 or 1");
  }

  private static long integer(byte[] b, int from, int to, int column) throws RowFormatException {
    if (from == to) {
      return 0;
    }
    int i = from;
    boolean negative = b[i] == '-';
    if (negative || b[i] == '+') {
      i++;
    }
    if (i == to || to - i > 18) {
      throw new RowFormatException("non-numeric integer '" + text(b, from, to) + "' in I" + column);
    }
    long v = 0;
    for (; i < to; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        throw new RowFormatException(
            "non-numeric integer '" + text(b, from, to) + "' in I" + column);
      }
      v = v * 10 + d;
    }
    return negative ? -v : v;
  }

  private static long hex(byte[] b, int from, int to, int column) throws RowFormatException {
    if (from == to) {
      return -1;
    }
    if (to - from > 8) {
      throw new RowFormatException(
          "bad hex '" + text(b, from, to) + "' in C" + column + ": more than 8 digits");
    }
    long v = 0;
    for (int i = from; i < to; i++) {
      int c = b[i];
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        throw new RowFormatException("bad hex '" + text(b, from, to) + "' in C" + column);
      }
      v = (v << 4) | d;
    }
    return v;
  }

  private static String text(byte[] b, int from, int to) {
    return new String(b, from, to - from, StandardCharsets.UTF_8);
  }

  private static boolean validUtf8(byte[] b, int len) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, 0, len));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
