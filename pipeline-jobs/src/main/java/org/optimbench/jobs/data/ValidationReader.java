package org.optimbench.jobs.data;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.LongPredicate;
import org.apache.hadoop.conf.Configuration;

/**
 * A rank's pass over a split for evaluation: the rank's {@link ShardPlan} slice of the split in
 * file order (no shuffle), in chunks of at most {@code chunkRows} rows, keeping only the rows whose
 * id passes a filter (an evaluation on a fixed hashed fraction of the ids, say). Each {@link
 * #open()} starts a new pass from the first row, so one reader serves every evaluation of a run; a
 * pass holds one chunk and one page per column at a time. Rows the filter drops are still read and
 * decoded.
 */
public final class ValidationReader {
  private final SplitIndex index;
  private final ChunkSchema schema;
  private final int chunkRows;
  private final LongPredicate keep;
  private final Configuration conf;
  private final List<ShardPlan.Range> slice;
  private final long rows;

  /**
   * @param keep which ids to keep; null keeps every row
   */
  public ValidationReader(
      SplitIndex index,
      ChunkSchema schema,
      int rank,
      int ranks,
      int chunkRows,
      LongPredicate keep,
      Configuration conf) {
    if (ranks < 1 || rank < 0 || rank >= ranks)
      throw new IllegalArgumentException("rank " + rank + " of " + ranks + " ranks");
    if (chunkRows < 1) throw new IllegalArgumentException("chunkRows " + chunkRows + " < 1");
    this.index = index;
    this.schema = schema;
    this.chunkRows = chunkRows;
    this.keep = keep;
    this.conf = conf;
    long[] groupRows = index.rowGroupRows();
    long from = ShardPlan.shareStart(index.rows(), rank, ranks);
    long to = ShardPlan.shareStart(index.rows(), rank + 1, ranks);
    this.slice = ShardPlan.slice(groupRows, ShardPlan.identity(groupRows.length), from, to);
    this.rows = to - from;
  }

  /** Rows of this rank's slice, before the filter. */
  public long rows() {
    return rows;
  }

  /** A new pass from the first row of the slice; close it when done early. */
  public Pass open() {
    return new Pass();
  }

  /** One pass: chunks of kept rows, never empty, each of at most {@code chunkRows} rows. */
  public final class Pass implements Iterator<RowChunk>, AutoCloseable {
    private final ParquetRangeReader reader = new ParquetRangeReader(index, schema, conf);
    private long at; // rows of the slice read so far
    private RowChunk next;
    private boolean closed;

    private Pass() {}

    @Override
    public boolean hasNext() {
      while (next == null && !closed && at < rows) {
        long end = Math.min(rows, at + chunkRows);
        RowChunk c = reader.readAll(ShardPlan.subRanges(slice, at, end));
        at = end;
        c = filter(c);
        if (c.size() > 0) next = c;
      }
      if (next == null) close();
      return next != null;
    }

    @Override
    public RowChunk next() {
      if (!hasNext()) throw new NoSuchElementException();
      RowChunk c = next;
      next = null;
      return c;
    }

    @Override
    public void close() {
      closed = true;
      reader.close();
    }
  }

  private RowChunk filter(RowChunk c) {
    if (keep == null) return c;
    long[] ids = c.ids();
    int[] kept = new int[ids.length];
    int n = 0;
    for (int i = 0; i < ids.length; i++) if (keep.test(ids[i])) kept[n++] = i;
    return n == ids.length ? c : c.gather(kept, 0, n);
  }
}
