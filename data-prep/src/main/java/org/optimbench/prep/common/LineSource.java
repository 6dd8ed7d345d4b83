package org.optimbench.prep.common;

import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.util.LineReader;

/**
 * Streams one file line by line with 1-based line numbers, on any Hadoop file system, through gzip
 * ({@code .gz}) or any Hadoop codec ({@code .bz2}, ...), while computing the sha256 of the file's
 * stored bytes. Lines end at {@code \n}, {@code \r\n} or {@code \r}; the terminator is not part of
 * the line. Nothing is buffered beyond one line, so files of any size stream in constant memory;
 * one task reads one file (gzip is not splittable anyway).
 */
public final class LineSource implements Closeable {
  private static final int BUFFER = 1 << 16;

  private final String path;
  private final InputStream raw;
  private final DigestingStream digesting;
  private final InputStream decoded;
  private final LineReader reader;
  private final Text line = new Text();
  private final CharsetDecoder utf8 =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private long lineNumber;
  private boolean eof;
  private String sha256;

  private LineSource(String path, InputStream raw, Configuration conf) throws IOException {
    this.path = path;
    this.raw = raw;
    this.digesting = new DigestingStream(raw);
    if (path.endsWith(".gz")) {
      decoded = new GZIPInputStream(digesting, BUFFER);
    } else {
      CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(new Path(path));
      decoded = codec == null ? digesting : codec.createInputStream(digesting);
    }
    reader = new LineReader(decoded, BUFFER);
  }

  public static LineSource open(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    return new LineSource(path, fs.open(p, BUFFER), conf);
  }

  /** Advances to the next line; false at the end of the file. */
  public boolean next() throws IOException {
    if (eof) {
      return false;
    }
    if (reader.readLine(line) == 0) {
      eof = true;
      return false;
    }
    lineNumber++;
    return true;
  }

  public long lineNumber() {
    return lineNumber;
  }

  /** The current line's bytes; valid up to {@link #length()} and only until the next call. */
  public byte[] bytes() {
    return line.getBytes();
  }

  public int length() {
    return line.getLength();
  }

  public String path() {
    return path;
  }

  /** The current line decoded as strict UTF-8. */
  public String text() throws CharacterCodingException {
    byte[] b = line.getBytes();
    int n = line.getLength();
    if (isAscii(b, n)) {
      return new String(b, 0, n, StandardCharsets.ISO_8859_1);
    }
    return utf8.decode(ByteBuffer.wrap(b, 0, n)).toString();
  }

  /** True when the current line's bytes are valid UTF-8. */
  public boolean isValidUtf8() {
    byte[] b = line.getBytes();
    int n = line.getLength();
    if (isAscii(b, n)) {
      return true;
    }
    try {
      utf8.decode(ByteBuffer.wrap(b, 0, n));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  static boolean isAscii(byte[] b, int n) {
    for (int i = 0; i < n; i++) {
      if (b[i] < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads to the end of the stored bytes (a decompressor may stop early) and returns the metadata.
   */
  public FileMeta finish() throws IOException {
    if (sha256 == null) {
      byte[] skip = new byte[BUFFER];
      while (digesting.read(skip, 0, skip.length) >= 0) {
        // drain so the digest covers every stored byte
      }
      sha256 = HexFormat.of().formatHex(digesting.digest.digest());
    }
    return new FileMeta(path, digesting.count, lineNumber, sha256);
  }

  @Override
  public void close() throws IOException {
    try {
      decoded.close();
    } finally {
      raw.close();
    }
  }

  /** Counts and hashes the stored (possibly compressed) bytes as they are read. */
  private static final class DigestingStream extends FilterInputStream {
    final MessageDigest digest;
    long count;

    DigestingStream(InputStream in) {
      super(in);
      try {
        digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        digest.update((byte) b);
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        digest.update(b, off, n);
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] buf = new byte[(int) Math.min(n, BUFFER)];
      int r = read(buf, 0, buf.length);
      return Math.max(r, 0);
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }
}
