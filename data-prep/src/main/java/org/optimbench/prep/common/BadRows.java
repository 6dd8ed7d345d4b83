package org.optimbench.prep.common;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.util.LongAccumulator;

/**
 * A task's handler for the malformed rows of one input file under a {@link BadRowPolicy}: throws
 * under the fail policy, else counts, writes the reject line, and throws once the file alone has
 * more than the allowed number (the driver checks the job-wide total afterwards).
 */
public final class BadRows implements Closeable {
  private static final int MAX_RAW_CHARS = 2000;

  private final BadRowPolicy policy;
  private final InputFile file;
  private final Configuration conf;
  private final LongAccumulator counter;
  private OutputStream out;
  private long count;

  public BadRows(BadRowPolicy policy, InputFile file, Configuration conf, LongAccumulator counter) {
    this.policy = policy;
    this.file = file;
    this.conf = conf;
    this.counter = counter;
  }

  public void reject(long line, String reason, byte[] raw, int len) throws IOException {
    String where = BadInputException.describe(file.path(), line, reason);
    if (policy.maxBadRows() == 0) {
      throw new BadInputException(where);
    }
    count++;
    if (count > policy.maxBadRows()) {
      throw new BadInputException(
          "more than " + policy.maxBadRows() + " bad rows (--max-bad-rows); the last: " + where);
    }
    if (!policy.writeRejects()) {
      return;
    }
    counter.add(1);
    if (out == null) {
      Path p = new Path(policy.rejectDir(), String.format("rejects-%05d.tsv", file.ordinal()));
      out = p.getFileSystem(conf).create(p, true);
    }
    String text = new String(raw, 0, len, StandardCharsets.UTF_8);
    if (text.length() > MAX_RAW_CHARS) {
      text = text.substring(0, MAX_RAW_CHARS) + "...";
    }
    String row = file.path() + '\t' + line + '\t' + reason + '\t' + escape(text) + '\n';
    out.write(row.getBytes(StandardCharsets.UTF_8));
  }

  public long count() {
    return count;
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r");
  }

  @Override
  public void close() throws IOException {
    if (out != null) {
      out.close();
      out = null;
    }
  }
}
