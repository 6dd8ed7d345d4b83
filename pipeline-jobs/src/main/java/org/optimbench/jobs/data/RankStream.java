package org.optimbench.jobs.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;

/**
 * One rank's endless stream of training rows, epoch after epoch, as a pure function of (seed, rank,
 * ranks, position): stream position {@code p} is row {@code p mod S} of the rank's share in epoch
 * {@code p / S}, where the share is the rank's {@link ShardPlan} slice of S rows (the same S every
 * epoch).
 *
 * <p>Within an epoch the share is cut into windows of W = {@code shuffleBuffer} rows; window w
 * holds share rows {@code [wW, min((w + 1)W, S))}, and its rows are drawn in the order of a
 * permutation seeded by (seed, rank, epoch, w) ({@link ShardPlan#windowSeed}), or in share order
 * when shuffling is off. {@link #rows(long, int)} therefore needs only the windows its rows fall
 * in: resuming at any step reads nothing before the first requested row's window.
 *
 * <p>Windows are decoded whole by a {@link ParquetRangeReader}. With {@code prefetch > 0} one
 * daemon thread decodes the windows after the one being consumed, at most {@code prefetch} ahead,
 * so that a consumer reading in order waits only when decoding is slower than its own work. At most
 * {@code prefetch + 1} decoded windows exist at any time (the consumer's, those ready, the one
 * being decoded) whatever the dataset size; a jump elsewhere drops the windows decoded for the old
 * position. With {@code prefetch == 0} the caller's thread decodes and one window exists. An error
 * in the prefetch thread is rethrown, naming the file and row group, by the consumer's first call
 * that needs a window not decoded before it.
 *
 * <p>{@link #rows} is for one consumer thread; {@link #close()} may come from any thread, stops the
 * prefetch thread and releases every window.
 */
public final class RankStream implements AutoCloseable {
  /**
   * @param seed seed of the row-group order and the window permutations
   * @param shuffle shuffle row groups per epoch and rows within windows; identity order otherwise
   * @param shuffleBuffer W, rows per window: the span of the in-memory shuffle
   * @param prefetch windows decoded ahead by the background thread; 0 decodes on the caller's
   *     thread
   * @param maxChunkRows the most rows one {@link #rows} call may ask for (and the most rows of
   *     every chunk the stream builds)
   */
  public record Options(
      long seed, boolean shuffle, int shuffleBuffer, int prefetch, int maxChunkRows) {
    public Options {
      if (shuffleBuffer < 1)
        throw new IllegalArgumentException("shuffle_buffer " + shuffleBuffer + " < 1 row");
      if (prefetch < 0) throw new IllegalArgumentException("prefetch " + prefetch + " < 0");
      if (maxChunkRows < 1)
        throw new IllegalArgumentException("maxChunkRows " + maxChunkRows + " < 1");
    }

    /** Shuffled, windows of 65,536 rows, one window prefetched, chunks of up to 65,536 rows. */
    public static Options defaults(long seed) {
      return new Options(seed, true, 1 << 16, 1, 1 << 16);
    }

    public Options withSeed(long s) {
      return new Options(s, shuffle, shuffleBuffer, prefetch, maxChunkRows);
    }

    public Options withShuffle(boolean s) {
      return new Options(seed, s, shuffleBuffer, prefetch, maxChunkRows);
    }

    public Options withShuffleBuffer(int w) {
      return new Options(seed, shuffle, w, prefetch, maxChunkRows);
    }

    public Options withPrefetch(int p) {
      return new Options(seed, shuffle, shuffleBuffer, p, maxChunkRows);
    }

    public Options withMaxChunkRows(int c) {
      return new Options(seed, shuffle, shuffleBuffer, prefetch, c);
    }
  }

  /** Rows per part of a decoded window: windows are several chunks, so W is not array-bounded. */
  private static final int MAX_PART_ROWS = 1 << 16;

  private final SplitIndex index;
  private final ChunkSchema schema;
  private final int rank;
  private final int ranks;
  private final Options options;
  private final long share;
  private final int windowRows;
  private final long windowsPerEpoch;
  private final int partRows;
  private final long[] rowGroupRows;
  private final ParquetRangeReader reader; // used by the decoding thread only
  private final Map<Long, List<ShardPlan.Range>> plans = new LinkedHashMap<>();

  private final Object lock = new Object();
  private final Thread prefetcher;
  // guarded by lock:
  private long wanted = -1; // window the consumer is on or waits for
  private Window current; // the consumer's window
  private final TreeMap<Long, Window> ready = new TreeMap<>();
  private long decoding = -1;
  private Throwable failure;
  private boolean closed;
  private int live; // windows decoded or being decoded, not yet released
  private int maxLive;
  private long windowsDecoded;
  private long waits; // acquisitions that found their window not decoded yet
  private long waitNanos;

  /**
   * A stream over {@code index} for rank {@code rank} of {@code ranks}; fails when the rank's share
   * is empty (more ranks than rows).
   */
  public RankStream(
      SplitIndex index,
      ChunkSchema schema,
      int rank,
      int ranks,
      Options options,
      Configuration conf) {
    if (ranks < 1 || rank < 0 || rank >= ranks)
      throw new IllegalArgumentException("rank " + rank + " of " + ranks + " ranks");
    this.index = index;
    this.schema = schema;
    this.rank = rank;
    this.ranks = ranks;
    this.options = options;
    this.share = ShardPlan.shareSize(index.rows(), rank, ranks);
    if (share == 0)
      throw new DataReadException(
          index
              + ": rank "
              + rank
              + " of "
              + ranks
              + " gets no rows; use at most "
              + index.rows()
              + " ranks");
    this.windowRows = (int) Math.min(options.shuffleBuffer(), share);
    this.windowsPerEpoch = (share + windowRows - 1) / windowRows;
    this.partRows = Math.min(Math.min(windowRows, options.maxChunkRows()), MAX_PART_ROWS);
    this.rowGroupRows = index.rowGroupRows();
    this.reader = new ParquetRangeReader(index, schema, conf);
    if (options.prefetch() > 0) {
      prefetcher = new Thread(this::prefetchLoop, "optimbench-rank-stream-" + rank);
      prefetcher.setDaemon(true);
      prefetcher.start();
    } else {
      prefetcher = null;
    }
  }

  /** S: rows of this rank per epoch. */
  public long shareSize() {
    return share;
  }

  /** Rows per window (the shuffle buffer, or the whole share when that is smaller). */
  public int windowRows() {
    return windowRows;
  }

  /** The epoch of stream position {@code position}. */
  public long epochOf(long position) {
    return position / share;
  }

  public int rank() {
    return rank;
  }

  public int ranks() {
    return ranks;
  }

  public ChunkSchema schema() {
    return schema;
  }

  /**
   * Rows {@code [fromPosition, fromPosition + count)} of the stream, in stream order, as one chunk
   * (they may span windows and epochs). {@code count} is at most {@code maxChunkRows}.
   */
  public RowChunk rows(long fromPosition, int count) {
    return refs(fromPosition, count).gather();
  }

  /**
   * The same rows as {@link #rows}, referenced where they lie in the decoded windows instead of
   * copied into one chunk.
   */
  public RowRefs refs(long fromPosition, int count) {
    if (fromPosition < 0) throw new IllegalArgumentException("position " + fromPosition + " < 0");
    if (count < 0 || count > options.maxChunkRows())
      throw new IllegalArgumentException(
          count + " rows asked, at most maxChunkRows = " + options.maxChunkRows() + " per call");
    if (count == 0) checkOpen();
    RowChunk[] src = new RowChunk[count];
    int[] at = new int[count];
    long p = fromPosition;
    int done = 0;
    while (done < count) {
      long epoch = p / share;
      long offset = p % share;
      long w = offset / windowRows;
      int j = (int) (offset % windowRows);
      Window win = acquire(epoch * windowsPerEpoch + w);
      int take = Math.min(count - done, win.size - j);
      win.refs(j, take, src, at, done);
      done += take;
      p += take;
    }
    return new RowRefs(schema, src, at);
  }

  /** Windows decoded so far (by either thread). */
  public long windowsDecoded() {
    synchronized (lock) {
      return windowsDecoded;
    }
  }

  /** The most windows that existed at once so far: at most prefetch + 1. */
  public int maxLiveWindows() {
    synchronized (lock) {
      return maxLive;
    }
  }

  /**
   * How many times {@link #rows} found its window not decoded yet and waited (or, without prefetch,
   * decoded it): a consumer reading in order that is slower than decoding waits once, for the first
   * window.
   */
  public long waits() {
    synchronized (lock) {
      return prefetcher == null ? windowsDecoded : waits;
    }
  }

  /** Nanoseconds {@link #rows} spent waiting for the prefetch thread: the data stall. */
  public long waitNanos() {
    synchronized (lock) {
      return waitNanos;
    }
  }

  /** Rows decoded and dropped to start windows inside row groups (resumes and epoch starts). */
  long rowsSkipped() {
    synchronized (lock) {
      return reader.rowsSkipped();
    }
  }

  /** Whether the prefetch thread is running (false once closed, or without prefetch). */
  boolean prefetching() {
    return prefetcher != null && prefetcher.isAlive();
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (closed) return;
      closed = true;
      current = null;
      ready.clear();
      lock.notifyAll();
    }
    if (prefetcher != null) {
      prefetcher.interrupt();
      boolean interrupted = false;
      while (prefetcher.isAlive()) {
        try {
          prefetcher.join();
        } catch (InterruptedException e) {
          interrupted = true; // finish closing: the reader must not be closed under the thread
        }
      }
      if (interrupted) Thread.currentThread().interrupt();
    }
    reader.close();
  }

  private void checkOpen() {
    synchronized (lock) {
      if (closed) throw new IllegalStateException("rank stream of " + index + " is closed");
      if (failure != null) throw rethrown(failure);
    }
  }

  private Window acquire(long key) {
    if (prefetcher == null) return acquireHere(key);
    synchronized (lock) {
      if (current != null && current.key == key) return current;
      if (current != null) {
        current = null;
        live--;
      }
      wanted = key;
      dropOutside(key);
      lock.notifyAll();
      long waitedSince = 0;
      while (true) {
        if (closed) throw new IllegalStateException("rank stream of " + index + " is closed");
        // a window decoded before the prefetch thread failed is served first: which of the two a
        // call would otherwise see depended on the threads' timing, and the rows before a damaged
        // file are good rows
        Window w = ready.remove(key);
        if (w != null) {
          current = w;
          if (waitedSince != 0) waitNanos += System.nanoTime() - waitedSince;
          return w;
        }
        if (failure != null) throw rethrown(failure);
        if (waitedSince == 0) {
          waitedSince = System.nanoTime();
          waits++;
        }
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new DataReadException("interrupted while waiting for rows of " + index, e);
        }
      }
    }
  }

  /** Without prefetch: the caller decodes. */
  private Window acquireHere(long key) {
    synchronized (lock) {
      if (closed) throw new IllegalStateException("rank stream of " + index + " is closed");
      if (failure != null) throw rethrown(failure);
      if (current != null && current.key == key) return current;
      if (current != null) {
        current = null;
        live--;
      }
      live++;
      maxLive = Math.max(maxLive, live);
    }
    Window w;
    try {
      w = decode(key, () -> false);
    } catch (RuntimeException | Error e) {
      synchronized (lock) {
        live--;
        failure = e;
      }
      throw rethrown(e);
    }
    synchronized (lock) {
      current = w;
      windowsDecoded++;
      return w;
    }
  }

  /** Releases ready windows the consumer at {@code key} will not reach without jumping. */
  private void dropOutside(long key) {
    int before = ready.size();
    ready.headMap(key).clear();
    ready.tailMap(key + options.prefetch(), false).clear();
    live -= before - ready.size();
  }

  /** The next window the prefetch thread should decode, or -1; under lock. */
  private long nextToDecode() {
    if (wanted < 0 || closed || failure != null) return -1;
    int held = (current != null ? 1 : 0) + ready.size();
    if (held >= options.prefetch() + 1) return -1;
    for (long k = wanted; k <= wanted + options.prefetch(); k++) {
      if ((current != null && current.key == k) || ready.containsKey(k)) continue;
      return k;
    }
    return -1;
  }

  private boolean stale(long key) {
    synchronized (lock) {
      return closed || key < wanted || key > wanted + options.prefetch();
    }
  }

  private void prefetchLoop() {
    while (true) {
      long key;
      synchronized (lock) {
        while ((key = nextToDecode()) < 0) {
          if (closed || failure != null) return;
          try {
            lock.wait();
          } catch (InterruptedException e) {
            if (closed) return;
          }
        }
        decoding = key;
        live++;
        maxLive = Math.max(maxLive, live);
      }
      Window w = null;
      Throwable error = null;
      try {
        long k = key;
        w = decode(key, () -> stale(k));
      } catch (Cancelled c) {
        // the consumer jumped elsewhere, or the stream closed
      } catch (RuntimeException | Error e) {
        error = e;
      }
      synchronized (lock) {
        decoding = -1;
        if (w != null && !closed && key >= wanted && key <= wanted + options.prefetch()) {
          ready.put(key, w);
          windowsDecoded++;
        } else {
          live--;
          if (error != null && !closed) failure = error;
        }
        lock.notifyAll();
      }
    }
  }

  /** Thrown from a chunk callback to abandon a window nobody waits for any more. */
  private static final class Cancelled extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Cancelled() {
      super(null, null, false, false);
    }
  }

  private Window decode(long key, java.util.function.BooleanSupplier stale) {
    long epoch = key / windowsPerEpoch;
    long w = key % windowsPerEpoch;
    long from = w * windowRows;
    int size = (int) Math.min(windowRows, share - from);
    List<ShardPlan.Range> ranges = ShardPlan.subRanges(plan(epoch), from, from + size);
    List<RowChunk> parts = new ArrayList<>();
    reader.read(
        ranges,
        partRows,
        c -> {
          if (stale.getAsBoolean()) throw new Cancelled();
          parts.add(c.prepare()); // the chunk's facts for its consumers, on this decoding thread
        });
    int[] perm =
        options.shuffle()
            ? ShardPlan.permutation(size, ShardPlan.windowSeed(options.seed(), rank, epoch, w))
            : null;
    return new Window(key, parts.toArray(new RowChunk[0]), partRows, perm, size);
  }

  /**
   * The rank's share of {@code epoch}: the last few epochs' plans are kept (O(row groups) each).
   */
  private List<ShardPlan.Range> plan(long epoch) {
    synchronized (plans) {
      List<ShardPlan.Range> p = plans.get(epoch);
      if (p == null) {
        p = ShardPlan.share(rowGroupRows, options.seed(), epoch, rank, ranks, options.shuffle());
        if (plans.size() >= 4) plans.remove(plans.keySet().iterator().next());
        plans.put(epoch, p);
      }
      return p;
    }
  }

  private static DataReadException rethrown(Throwable t) {
    return new DataReadException(
        t instanceof DataReadException ? t.getMessage() : DataReadException.reason(t), t);
  }

  /** A decoded window: its rows in share order, cut into parts of {@code partRows}. */
  private final class Window {
    final long key;
    final RowChunk[] parts;
    final int partRows;
    final int[] perm;
    final int size;

    Window(long key, RowChunk[] parts, int partRows, int[] perm, int size) {
      this.key = key;
      this.parts = parts;
      this.partRows = partRows;
      this.perm = perm;
      this.size = size;
      int n = 0;
      for (RowChunk c : parts) n += c.size();
      if (n != size)
        throw new IllegalStateException("window " + key + ": " + n + " rows decoded, " + size);
    }

    /**
     * Stream rows {@code [j, j + n)} of this window, into {@code src} and {@code rows} at {@code
     * to}.
     */
    void refs(int j, int n, RowChunk[] src, int[] rows, int to) {
      for (int i = 0; i < n; i++) {
        int r = perm == null ? j + i : perm[j + i];
        src[to + i] = parts[r / partRows];
        rows[to + i] = r % partRows;
      }
    }
  }
}
