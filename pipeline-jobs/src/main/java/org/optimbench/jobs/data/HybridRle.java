package org.optimbench.jobs.data;

import org.apache.parquet.column.values.bitpacking.BytePacker;
import org.apache.parquet.column.values.bitpacking.Packer;

/**
 * Parquet's RLE / bit-packing hybrid encoding (repetition and definition levels, dictionary ids),
 * decoded in bulk from a byte array into an int array. Parquet's own decoder returns one value per
 * call through an InputStream; on Criteo's list columns that per-value path took half the reading
 * time.
 */
final class HybridRle {
  private HybridRle() {}

  private static final BytePacker[] PACKERS = new BytePacker[33];

  static {
    for (int w = 0; w <= 32; w++) PACKERS[w] = Packer.LITTLE_ENDIAN.newBytePacker(w);
  }

  /**
   * Decodes {@code count} values of {@code bitWidth} bits from {@code buf[pos .. end)} into {@code
   * out[0 .. count)}; returns the position after the last run read. A run may hold more values than
   * asked for (bit-packed runs are padded to groups of 8): the extra ones are dropped.
   */
  static int decode(byte[] buf, int pos, int end, int bitWidth, int[] out, int count) {
    if (bitWidth < 0 || bitWidth > 32)
      throw new IllegalStateException("corrupt RLE data: bit width " + bitWidth);
    BytePacker packer = PACKERS[bitWidth];
    int bytesPerValue = (bitWidth + 7) >>> 3;
    int n = 0;
    int[] tail = null;
    while (n < count) {
      if (pos >= end)
        throw new IllegalStateException("corrupt RLE data: " + n + " of " + count + " values");
      int header = 0;
      int shift = 0;
      int b;
      do {
        if (pos >= end || shift > 28) throw new IllegalStateException("corrupt RLE run header");
        b = buf[pos++];
        header |= (b & 0x7f) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      if ((header & 1) == 0) {
        int run = header >>> 1;
        if (pos + bytesPerValue > end) throw new IllegalStateException("corrupt RLE run value");
        int value = 0;
        for (int i = 0; i < bytesPerValue; i++) value |= (buf[pos++] & 0xff) << (8 * i);
        int k = Math.min(run, count - n);
        java.util.Arrays.fill(out, n, n + k, value);
        n += k;
      } else {
        int groups = header >>> 1;
        int g = 0;
        for (; g < groups && n < count; g++) {
          if (pos >= end && bitWidth > 0)
            throw new IllegalStateException("corrupt RLE data: bit-packed run past the end");
          if (g + 4 <= groups && pos + 4 * bitWidth <= end && n + 32 <= count) {
            packer.unpack32Values(buf, pos, out, n); // fewer calls for long packed runs
            n += 32;
            pos += 3 * bitWidth;
            g += 3;
          } else if (pos + bitWidth <= end && n + 8 <= count) {
            packer.unpack8Values(buf, pos, out, n);
            n += 8;
          } else {
            // the last group: fewer values wanted, or fewer bytes stored than a full group
            byte[] in = new byte[Math.max(bitWidth, 1)];
            System.arraycopy(buf, pos, in, 0, Math.max(0, Math.min(bitWidth, end - pos)));
            if (tail == null) tail = new int[8];
            packer.unpack8Values(in, 0, tail, 0);
            int k = Math.min(8, count - n);
            System.arraycopy(tail, 0, out, n, k);
            n += k;
          }
          pos += bitWidth;
        }
        // groups past the values wanted are padding
        pos = (int) Math.min(end, pos + (long) (groups - g) * bitWidth);
      }
    }
    return pos;
  }
}
