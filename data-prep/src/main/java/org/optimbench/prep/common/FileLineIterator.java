package org.optimbench.prep.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * Streams one input file inside a Spark task and turns its lines into records, lazily, so a task
 * holds one line at a time. Malformed lines go to {@link BadRows}; at the end of the file its
 * {@link FileMeta} (bytes, lines, sha256) is added to the job's accumulator. The file is closed at
 * the end, or when the task ends early (failure, limit).
 */
public abstract class FileLineIterator<T> implements Iterator<T> {
  protected final InputFile file;
  private final LineSource source;
  private final BadRows bad;
  private final CollectionAccumulator<FileMeta> metas;
  private T next;
  private boolean done;

  protected FileLineIterator(
      InputFile file,
      HadoopConf conf,
      BadRowPolicy policy,
      LongAccumulator badCounter,
      CollectionAccumulator<FileMeta> metas) {
    this.file = file;
    this.metas = metas;
    try {
      this.source = LineSource.open(file.path(), conf.get());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + file.path(), e);
    }
    this.bad = new BadRows(policy, file, conf.get(), badCounter);
    TaskContext ctx = TaskContext.get();
    if (ctx != null) {
      ctx.addTaskCompletionListener(
          (org.apache.spark.util.TaskCompletionListener) c -> closeQuietly());
    }
  }

  /**
   * Returns the record of the current line, or null to skip it (blank line, comment, or a row
   * rejected through {@code bad.reject}).
   */
  protected abstract T parseLine(LineSource line, BadRows bad) throws IOException;

  /** Called once at the end of the file; may return a final record (a packer's remainder). */
  protected T atEnd() {
    return null;
  }

  @Override
  public boolean hasNext() {
    if (next != null) {
      return true;
    }
    if (done) {
      return false;
    }
    try {
      while (source.next()) {
        T t = parseLine(source, bad);
        if (t != null) {
          next = t;
          return true;
        }
      }
      done = true;
      if (metas != null) {
        metas.add(source.finish());
      }
      next = atEnd();
      closeQuietly();
      return next != null;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "reading " + file.path() + " at line " + source.lineNumber(), e);
    }
  }

  @Override
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    T t = next;
    next = null;
    return t;
  }

  private void closeQuietly() {
    try {
      bad.close();
      source.close();
    } catch (IOException e) {
      // the data is already read; a failing close of a reader has nothing left to lose
    }
  }
}
