package org.optimbench.jobs.collective;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.optimbench.optim.EmbeddingTable;

/**
 * The sum across workers of a flat gradient in which some tables are row-sparse, moving only the
 * rows that are non-zero somewhere instead of the whole tables. An embedding table's gradient is
 * zero except at the rows its batch looked up (DLRM at laptop size touches a small fraction of the
 * rows of its 26 tables per step), yet a plain {@link AllReduce#sumInPlace(INDArray, double[])}
 * moves every element: 16.7 MB per step for 4.2M parameters (BENCHMARKS.md, "DLRM embedding
 * gradients").
 *
 * <p>One call, the same result contract as {@code sumInPlace(flat, scalars)} (every worker ends
 * with the same bytes, never different between workers or runs with the same ranks):
 *
 * <ol>
 *   <li>each worker finds its non-zero rows of every table (a row counts as non-zero when any of
 *       its elements has a bit set, so -0.0 and NaN are sent too);
 *   <li>one all-reduce sums the elements outside the tables, the scalars and every worker's payload
 *       length;
 *   <li>if the rows of all workers together would take at least as many bytes as the tables (8
 *       bytes per id and value), a second all-reduce sums the tables dense instead, a decision
 *       every worker takes alike;
 *   <li>otherwise the payloads (row ids and row values as float64) are all-gathered ({@link
 *       AllReduce#allGatherInPlace}: each worker's payload crosses each ring link once), and every
 *       worker sums each row over the workers that sent it, in rank order and in float64 starting
 *       from 0.0, and writes the rounded sum into the row. Rows nobody sent are zero on every
 *       worker already.
 * </ol>
 *
 * Compared with the dense ring sum, a row touched by several workers is rounded once (from a
 * float64 sum) instead of at every ring hop, so the two differ in the last bits of such rows.
 *
 * <p>{@link #meanInPlace} is the same call for gradient sharing's weighted mean: each worker's rows
 * are multiplied by its weight (in float64) as they are packed, and each summed row is divided by
 * the total weight before its one rounding; the elements outside the tables (and the tables, when
 * the call falls back to dense) take {@link AllReduce#meanInPlace}'s scale, sum and divide.
 *
 * <p>Costs: two collective calls instead of one (each a round trip through the ring, whatever the
 * payload; BENCHMARKS.md, "Measurements behind code choices"), one pass over the tables to find the
 * rows, and one write per sent row. The tables are read and written on the host, like the transport
 * does for every array it sends; on the CUDA backend that is a device-to-host copy of the gradient,
 * which the dense path makes too. Arrays that are not float32 or float64, or not dense, use the
 * dense sum.
 */
public final class RowSparseSum {
  /**
   * What the last call did: whether it went sparse, and the float64 values all workers' rows took.
   */
  public record LastCall(boolean sparse, long payloadValues, long rowsSent) {}

  private final AllReduce comm;

  /** The tables by offset. */
  private final List<EmbeddingTable> tables;

  /** {@code given[i]}: the position of {@code tables.get(i)} in the constructor's list. */
  private final int[] given;

  private final long flatLength;

  /** The elements outside every table. */
  private final Region outside;

  /** The tables' elements, for the dense fallback. */
  private final Region inTables;

  private LastCall last = new LastCall(false, 0, 0);

  /** The rows the last sparse call wrote, per table in the constructor's order; else null. */
  private int[][] lastRows;

  private INDArray gatherStore;

  /**
   * Elements of the flat array as [from, to) runs in ascending order, summed densely through a
   * staging copy that is kept between calls (native allocations per step cost more than the
   * copies).
   */
  private static final class Region {
    final List<long[]> runs = new ArrayList<>();
    long length;
    INDArray staging;

    void add(long from, long to) {
      if (to > from) {
        runs.add(new long[] {from, to});
        length += to - from;
      }
    }

    INDArray staging(DataType type) {
      if (staging == null || staging.dataType() != type || staging.length() != length)
        staging = Nd4j.createUninitialized(type, length);
      return staging;
    }
  }

  public RowSparseSum(AllReduce comm, List<EmbeddingTable> tables, long flatLength) {
    this.comm = comm;
    this.tables = tables.stream().sorted(Comparator.comparingLong(EmbeddingTable::offset)).toList();
    this.given = new int[tables.size()];
    for (int i = 0; i < given.length; i++) given[i] = tables.indexOf(this.tables.get(i));
    this.flatLength = flatLength;
    this.outside = new Region();
    this.inTables = new Region();
    long next = 0;
    for (EmbeddingTable t : this.tables) {
      if (t.offset() < next)
        throw new IllegalArgumentException(
            "table "
                + t.name()
                + " at "
                + t.offset()
                + " overlaps the previous table, which ends at "
                + next);
      if (t.offset() + t.elements() > flatLength)
        throw new IllegalArgumentException(
            "table " + t.name() + " ends after the flat array's " + flatLength + " elements");
      outside.add(next, t.offset());
      next = t.offset() + t.elements();
      inTables.add(t.offset(), next);
    }
    outside.add(next, flatLength);
  }

  public LastCall lastCall() {
    return last;
  }

  /**
   * The rows at which the last call's result may be non-zero in each table (in the order the
   * constructor was given the tables; ascending, distinct): the rows some worker sent. Null when
   * the last call summed the tables dense (every row may be non-zero).
   */
  public int[][] lastRows() {
    return lastRows;
  }

  /**
   * Replaces {@code flat} by its sum over all workers and returns the summed {@code scalars}, as
   * {@link AllReduce#sumInPlace(INDArray, double[])}.
   */
  public double[] sumInPlace(INDArray flat, double[] scalars) {
    return reduce(flat, scalars, -1, null);
  }

  /**
   * Replaces {@code flat}, this worker's mean over {@code scalars[weightAt]} examples, by the
   * weighted mean over all workers, as {@link AllReduce#meanInPlace}. The weighting is folded into
   * the exchange: sent rows are scaled as they are packed and summed rows divided by the total
   * weight as they are written (one rounding, from float64), so the tables are not read and written
   * twice more (BENCHMARKS.md, "Measurements behind code choices").
   */
  public double[] meanInPlace(INDArray flat, double[] scalars, int weightAt) {
    return meanInPlace(flat, scalars, weightAt, null);
  }

  /**
   * {@link #meanInPlace(INDArray, double[], int)} where the rows at which this worker's tables may
   * be non-zero are known: {@code candidates[i]} for table {@code i} of the constructor's list
   * (ascending, distinct; null where unknown, and a null array where none are), so only those rows
   * are read to find the ones to send (the same rows the scan of the whole table finds).
   */
  public double[] meanInPlace(INDArray flat, double[] scalars, int weightAt, int[][] candidates) {
    if (weightAt < 0 || weightAt >= scalars.length)
      throw new IllegalArgumentException(
          "weight index " + weightAt + " outside the " + scalars.length + " scalars");
    return reduce(flat, scalars, weightAt, candidates);
  }

  /** The sum ({@code weightAt} < 0) or the weighted mean (weight {@code scalars[weightAt]}). */
  private double[] reduce(INDArray flat, double[] scalars, int weightAt, int[][] candidates) {
    if (candidates != null && candidates.length != tables.size())
      throw new IllegalArgumentException(
          "rows for " + candidates.length + " tables, the sum has " + tables.size());
    lastRows = null;
    if (flat.length() != flatLength)
      throw new IllegalArgumentException(
          "expected a flat array of " + flatLength + " elements, got " + flat.length());
    DataType type = flat.dataType();
    if (tables.isEmpty()
        || comm.size() == 1
        || (type != DataType.FLOAT && type != DataType.DOUBLE)
        || !RingAllReduce.isDense(flat)) {
      return dense(flat, scalars, weightAt);
    }
    double weight = weightAt < 0 ? 1.0 : scalars[weightAt];
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      RingAllReduce.hostRead(flat);
      Elements x = Elements.of(flat);
      int[][] rows = new int[tables.size()][];
      long localLength = 0;
      for (int t = 0; t < tables.size(); t++) {
        int[] c = candidates == null ? null : candidates[given[t]];
        rows[t] = x.nonZeroRows(tables.get(t), c);
        localLength += 1 + rows[t].length * (1 + tables.get(t).width());
      }
      // One call for the elements outside the tables, the scalars and every worker's payload
      // length.
      int k = scalars.length;
      double[] withLengths = Arrays.copyOf(scalars, k + comm.size());
      withLengths[k + comm.rank()] = localLength;
      sumRegion(flat, outside, withLengths, weightAt);
      System.arraycopy(withLengths, 0, scalars, 0, k);
      double totalWeight = weightAt < 0 ? 1.0 : scalars[weightAt];
      double[] lengths = Arrays.copyOfRange(withLengths, k, withLengths.length);
      long total = 0;
      long ownStart = 0;
      for (int r = 0; r < lengths.length; r++) {
        if (r < comm.rank()) ownStart += (long) lengths[r];
        total += (long) lengths[r];
      }
      if (total * Double.BYTES >= inTables.length * type.width() || total > Integer.MAX_VALUE) {
        if (weightAt < 0) sumRegion(flat, inTables, new double[0], -1);
        else sumRegion(flat, inTables, new double[] {weight}, 0); // the weights again, a free rider
        last = new LastCall(false, 0, 0);
        return scalars;
      }

      long[] bounds = new long[comm.size() + 1];
      for (int r = 0; r < comm.size(); r++) bounds[r + 1] = bounds[r] + (long) lengths[r];
      INDArray gathered = gatherBuffer(total);
      DoubleBuffer all = RingAllReduce.nativeBytes(gathered).asDoubleBuffer();
      int at = (int) ownStart;
      for (int t = 0; t < tables.size(); t++) {
        EmbeddingTable table = tables.get(t);
        all.put(at++, rows[t].length);
        for (int id : rows[t]) all.put(at++, id);
        for (int id : rows[t]) at = x.readRow(table, id, weight, all, at);
      }
      RingAllReduce.hostWritten(gathered);
      comm.allGatherInPlace(gathered, bounds);
      RingAllReduce.hostRead(gathered);
      long sent = merge(x, all, lengths, totalWeight);
      RingAllReduce.hostWritten(flat);
      last = new LastCall(true, total, sent);
      return scalars;
    }
  }

  private double[] dense(
      INDArray flat,
      double[] scalars,
      int weightAt) { // same decision on every worker: it depends on the layout only
    last = new LastCall(false, 0, 0);
    return weightAt < 0
        ? comm.sumInPlace(flat, scalars)
        : comm.meanInPlace(flat, scalars, weightAt);
  }

  /**
   * Sums the elements of {@code region} and the scalars in one all-reduce, through its staging
   * copy; with {@code weightAt >= 0}, the weighted mean of the region instead (weight {@code
   * scalars[weightAt]}).
   */
  private void sumRegion(INDArray flat, Region region, double[] scalars, int weightAt) {
    if (region.length == 0) {
      comm.sumInPlace(scalars);
      return;
    }
    int w = flat.dataType().width();
    INDArray staging = region.staging(flat.dataType());
    ByteBuffer src = RingAllReduce.nativeBytes(flat);
    ByteBuffer stage = RingAllReduce.nativeBytes(staging);
    for (long[] run : region.runs)
      stage.put(src.duplicate().position((int) (run[0] * w)).limit((int) (run[1] * w)));
    RingAllReduce.hostWritten(staging);
    if (weightAt < 0) comm.sumInPlace(staging, scalars);
    else comm.meanInPlace(staging, scalars, weightAt);
    RingAllReduce.hostRead(staging);
    stage.clear();
    for (long[] run : region.runs) {
      int bytes = (int) ((run[1] - run[0]) * w);
      src.duplicate()
          .position((int) (run[0] * w))
          .put(stage.duplicate().limit(stage.position() + bytes));
      stage.position(stage.position() + bytes);
    }
  }

  /**
   * A float64 vector of {@code length} over a buffer kept between calls (grown by half when too
   * small).
   */
  private INDArray gatherBuffer(long length) {
    if (gatherStore == null || gatherStore.length() < length)
      gatherStore =
          Nd4j.createUninitialized(DataType.DOUBLE, Math.max(length, length + length / 2));
    return gatherStore.get(NDArrayIndex.interval(0, length));
  }

  /**
   * Sums every table's gathered rows in rank order and writes them divided by {@code divisor};
   * returns the rows sent by all workers.
   */
  private long merge(Elements x, DoubleBuffer all, double[] lengths, double divisor) {
    int workers = lengths.length;
    int[] cursor = new int[workers];
    for (int r = 1; r < workers; r++) cursor[r] = cursor[r - 1] + (int) lengths[r - 1];
    long sent = 0;
    int[][] written = new int[tables.size()][];
    for (int ti = 0; ti < tables.size(); ti++) {
      EmbeddingTable table = tables.get(ti);
      int width = (int) table.width();
      int[] count = new int[workers];
      int[] idsAt = new int[workers];
      int unionBound = 0;
      for (int r = 0; r < workers; r++) {
        count[r] = (int) all.get(cursor[r]);
        idsAt[r] = cursor[r] + 1;
        unionBound += count[r];
      }
      int[] union = union(all, idsAt, count, unionBound);
      written[given[ti]] = union;
      double[] sum = new double[union.length * width];
      for (int r = 0; r < workers; r++) {
        int valuesAt = idsAt[r] + count[r];
        int u = 0;
        for (int k = 0; k < count[r]; k++) {
          int id = (int) all.get(idsAt[r] + k);
          while (union[u] != id) u++;
          int from = valuesAt + k * width;
          for (int j = 0; j < width; j++) sum[u * width + j] += all.get(from + j);
        }
        cursor[r] = valuesAt + count[r] * width;
        sent += count[r];
      }
      if (divisor != 1.0) for (int i = 0; i < sum.length; i++) sum[i] /= divisor;
      for (int u = 0; u < union.length; u++) x.writeRow(table, union[u], sum, u * width);
    }
    lastRows = written;
    return sent;
  }

  /** The sorted distinct ids of all workers' sorted id lists. */
  private static int[] union(DoubleBuffer all, int[] idsAt, int[] count, int bound) {
    int[] ids = new int[bound];
    int n = 0;
    for (int r = 0; r < idsAt.length; r++)
      for (int k = 0; k < count[r]; k++) ids[n++] = (int) all.get(idsAt[r] + k);
    Arrays.sort(ids);
    int distinct = 0;
    for (int i = 0; i < n; i++)
      if (distinct == 0 || ids[distinct - 1] != ids[i]) ids[distinct++] = ids[i];
    return Arrays.copyOf(ids, distinct);
  }

  /** Host access to a dense float32 or float64 array's elements. */
  private abstract static class Elements {
    static Elements of(INDArray flat) {
      ByteBuffer b = RingAllReduce.nativeBytes(flat);
      return flat.dataType() == DataType.FLOAT ? new Floats(b) : new Doubles(b);
    }

    /**
     * The elements' bits as ints: {@link #intsPerElement} per element (an element is non-zero when
     * any of its ints is).
     */
    private final IntBuffer bits;

    /** 1 for float32, 2 for float64. */
    private final int intsPerElement;

    Elements(ByteBuffer bytes, int intsPerElement) {
      this.bits = bytes.asIntBuffer();
      this.intsPerElement = intsPerElement;
    }

    abstract double get(int i);

    abstract void set(int i, double v);

    /**
     * The rows of {@code t} with a non-zero element ({@link EmbeddingTable#nonZeroRows}), among
     * {@code candidates} unless null.
     */
    final int[] nonZeroRows(EmbeddingTable t, int[] candidates) {
      return t.nonZeroRows(bits, intsPerElement, candidates);
    }

    /**
     * Copies row {@code id} of {@code t}, times {@code scale} (in float64), into {@code out} from
     * {@code at}; returns the next free index.
     */
    final int readRow(EmbeddingTable t, int id, double scale, DoubleBuffer out, int at) {
      long first = t.offset() + id * t.rowStride();
      for (int j = 0; j < t.width(); j++)
        out.put(at++, scale * get((int) (first + j * t.colStride())));
      return at;
    }

    final void writeRow(EmbeddingTable t, int id, double[] values, int from) {
      long first = t.offset() + id * t.rowStride();
      for (int j = 0; j < t.width(); j++) set((int) (first + j * t.colStride()), values[from + j]);
    }
  }

  private static final class Floats extends Elements {
    private final java.nio.FloatBuffer b;

    Floats(ByteBuffer bytes) {
      super(bytes, 1);
      b = bytes.asFloatBuffer();
    }

    @Override
    double get(int i) {
      return b.get(i);
    }

    @Override
    void set(int i, double v) {
      b.put(i, (float) v);
    }
  }

  private static final class Doubles extends Elements {
    private final java.nio.DoubleBuffer b;

    Doubles(ByteBuffer bytes) {
      super(bytes, 2);
      b = bytes.asDoubleBuffer();
    }

    @Override
    double get(int i) {
      return b.get(i);
    }

    @Override
    void set(int i, double v) {
      b.put(i, v);
    }
  }
}
