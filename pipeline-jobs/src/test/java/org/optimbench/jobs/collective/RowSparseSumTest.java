package org.optimbench.jobs.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.optimbench.optim.EmbeddingTable;

/**
 * Sparse-row sums over the loopback ring: the result is what summing every worker's array would
 * give (table rows exactly the float64 sum in rank order, rounded once), identical bytes on every
 * worker, and the call falls back to a dense sum when the rows would not be smaller.
 */
class RowSparseSumTest {
  /**
   * [dense 7 | A: 50 x 4 column-major | dense 3 | B: 30 x 3 row-major | dense 5] = 300 elements.
   */
  private static final List<EmbeddingTable> TABLES =
      List.of(new EmbeddingTable("A", 7, 50, 4, 1, 50), new EmbeddingTable("B", 210, 30, 3, 3, 1));

  private static final int LENGTH = 7 + 200 + 3 + 90 + 5;

  /** Element indices of row {@code id} of {@code t}. */
  private static long[] rowElements(EmbeddingTable t, int id) {
    long[] e = new long[(int) t.width()];
    for (int j = 0; j < e.length; j++) e[j] = t.offset() + id * t.rowStride() + j * t.colStride();
    return e;
  }

  /**
   * Worker {@code rank}'s gradient: Gaussian outside the tables, and in each table {@code
   * rowsPerTable} rows set: all but one drawn at random from the first 20 (so workers overlap), and
   * one whose last element alone is non-zero; plus one row set to -0.0 only.
   */
  private static double[] gradient(int rank, int rowsPerTable, boolean allRows) {
    Random r = new Random(77 + rank);
    double[] g = new double[LENGTH];
    for (int i = 0; i < LENGTH; i++) g[i] = r.nextGaussian();
    for (EmbeddingTable t : TABLES) {
      for (int id = 0; id < t.rows(); id++)
        for (long e : rowElements(t, id)) g[(int) e] = allRows ? r.nextGaussian() : 0.0;
      if (allRows) continue;
      for (int k = 0; k < rowsPerTable - 1; k++)
        for (long e : rowElements(t, r.nextInt(20))) g[(int) e] = r.nextGaussian();
      for (long e : rowElements(t, 20 + rank)) g[(int) e] = -0.0;
      long[] lastOnly = rowElements(t, (int) t.rows() - 1 - rank);
      g[(int) lastOnly[lastOnly.length - 1]] = 1.5 + rank;
    }
    return g;
  }

  /**
   * Runs the sum on {@code workers} loopback workers; each array is a view at offset 2 of a larger
   * buffer.
   */
  private static List<Object[]> sum(int workers, DataType type, boolean allRows) throws Exception {
    return reduce(workers, type, allRows, false);
  }

  /** Worker {@code rank}'s weight (its example count) in the weighted-mean runs. */
  private static double weight(int rank) {
    return 3 + 2 * rank;
  }

  /**
   * As {@link #sum}, or with {@code mean} the weighted mean with scalars {rank + 1, weight(rank)}
   * and the weight at index 1.
   */
  private static List<Object[]> reduce(int workers, DataType type, boolean allRows, boolean mean)
      throws Exception {
    List<AllReduce> ring = LoopbackRing.open(workers, CollectiveOptions.defaults());
    try {
      return LoopbackRing.onAll(
          ring,
          ar -> {
            INDArray base = Nd4j.zeros(type, LENGTH + 4);
            INDArray flat = base.get(NDArrayIndex.interval(2, 2 + LENGTH));
            flat.assign(Nd4j.createFromArray(gradient(ar.rank(), 4, allRows)).castTo(type));
            RowSparseSum s = new RowSparseSum(ar, TABLES, LENGTH);
            double[] scalars =
                mean
                    ? s.meanInPlace(flat, new double[] {ar.rank() + 1, weight(ar.rank())}, 1)
                    : s.sumInPlace(flat, new double[] {ar.rank() + 1, 0.5});
            assertEquals(0.0, base.getDouble(0), "wrote before the view");
            assertEquals(0.0, base.getDouble(LENGTH + 3), "wrote after the view");
            return new Object[] {
              RingAllReduceTest.bytes(flat),
              flat.castTo(DataType.DOUBLE).toDoubleVector(),
              scalars,
              s.lastCall()
            };
          });
    } finally {
      for (AllReduce ar : ring) ar.close();
    }
  }

  @Test
  void tableRowsAreTheRankOrderSumAndEveryWorkerHoldsTheSameBytes() throws Exception {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      for (int workers = 2; workers <= 3; workers++) {
        List<Object[]> out = sum(workers, type, false);
        double[] exact = new double[LENGTH];
        for (int r = 0; r < workers; r++) {
          double[] g =
              Nd4j.createFromArray(gradient(r, 4, false))
                  .castTo(type)
                  .castTo(DataType.DOUBLE)
                  .toDoubleVector();
          for (int i = 0; i < LENGTH; i++) exact[i] += g[i];
        }
        double[] got = (double[]) out.get(0)[1];
        boolean[] inTable = new boolean[LENGTH];
        for (EmbeddingTable t : TABLES)
          for (long i = t.offset(); i < t.offset() + t.rows() * t.width(); i++)
            inTable[(int) i] = true;
        for (int i = 0; i < LENGTH; i++) {
          double expected = type == DataType.FLOAT ? (float) exact[i] : exact[i];
          if (inTable[i])
            assertEquals(
                expected, got[i], 0.0, type + ", " + workers + " workers: table element " + i);
          else
            assertEquals(
                exact[i],
                got[i],
                1e-5 * (1 + Math.abs(exact[i])),
                type + ", " + workers + " workers: element " + i);
        }
        double rankSum = workers * (workers + 1) / 2.0;
        for (Object[] w : out) {
          assertArrayEquals((byte[]) out.get(0)[0], (byte[]) w[0], "workers hold different bytes");
          assertArrayEquals(new double[] {rankSum, 0.5 * workers}, (double[]) w[2], 0.0, "scalars");
          RowSparseSum.LastCall c = (RowSparseSum.LastCall) w[3];
          assertTrue(c.sparse(), "4 rows of 50 and 30 should go sparse: " + c);
          // each worker sends at most 3 drawn rows plus its last-element row and its -0.0 row per
          // table
          assertTrue(
              c.rowsSent() <= workers * 2 * 5L && c.rowsSent() >= workers * 2 * 3L, c.toString());
        }
      }
    }
  }

  /** The rows of {@code t} in which {@code g} has an element with a bit set. */
  private static java.util.TreeSet<Integer> nonZero(double[] g, EmbeddingTable t, DataType type) {
    java.util.TreeSet<Integer> out = new java.util.TreeSet<>();
    for (int id = 0; id < t.rows(); id++)
      for (long e : rowElements(t, id)) {
        double v = type == DataType.FLOAT ? (float) g[(int) e] : g[(int) e];
        if (Double.doubleToRawLongBits(v) != 0) out.add(id);
      }
    return out;
  }

  /**
   * Rows named by whoever computed the gradient (a superset of each worker's non-zero rows, tables
   * given out of offset order) give the bytes of the scan, and the sum names the rows it wrote: the
   * non-zero rows of every worker, per table in the order it was given them.
   */
  @Test
  void namedRowsGiveTheScansBytesAndTheSumNamesTheRowsItWrote() throws Exception {
    List<EmbeddingTable> given = List.of(TABLES.get(1), TABLES.get(0));
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      int workers = 3;
      List<Object[]> scanned = reduce(workers, type, false, true);
      List<AllReduce> ring = LoopbackRing.open(workers, CollectiveOptions.defaults());
      List<Object[]> named;
      try {
        named =
            LoopbackRing.onAll(
                ring,
                ar -> {
                  double[] g = gradient(ar.rank(), 4, false);
                  INDArray flat = Nd4j.createFromArray(g).castTo(type);
                  int[][] candidates = new int[given.size()][];
                  for (int i = 0; i < given.size(); i++) {
                    java.util.TreeSet<Integer> rows = nonZero(g, given.get(i), type);
                    for (int id = 0; id < given.get(i).rows(); id += 7) rows.add(id);
                    candidates[i] = rows.stream().mapToInt(Integer::intValue).toArray();
                  }
                  RowSparseSum s = new RowSparseSum(ar, given, LENGTH);
                  s.meanInPlace(
                      flat, new double[] {ar.rank() + 1, weight(ar.rank())}, 1, candidates);
                  return new Object[] {RingAllReduceTest.bytes(flat), s.lastRows(), s.lastCall()};
                });
      } finally {
        for (AllReduce ar : ring) ar.close();
      }
      for (Object[] w : named) {
        assertArrayEquals((byte[]) scanned.get(0)[0], (byte[]) w[0], type + ": bytes");
        assertTrue(((RowSparseSum.LastCall) w[2]).sparse(), type + ": sparse");
        int[][] written = (int[][]) w[1];
        for (int i = 0; i < given.size(); i++) {
          java.util.TreeSet<Integer> union = new java.util.TreeSet<>();
          for (int r = 0; r < workers; r++)
            union.addAll(nonZero(gradient(r, 4, false), given.get(i), type));
          assertArrayEquals(
              union.stream().mapToInt(Integer::intValue).toArray(),
              written[i],
              type + ": rows written in " + given.get(i).name());
        }
      }
    }
  }

  @Test
  void denseTablesFallBackToADenseSum() throws Exception {
    for (int workers = 2; workers <= 3; workers++) {
      List<Object[]> out = sum(workers, DataType.FLOAT, true);
      double[] exact = new double[LENGTH];
      for (int r = 0; r < workers; r++) {
        double[] g =
            Nd4j.createFromArray(gradient(r, 4, true))
                .castTo(DataType.FLOAT)
                .castTo(DataType.DOUBLE)
                .toDoubleVector();
        for (int i = 0; i < LENGTH; i++) exact[i] += g[i];
      }
      for (Object[] w : out) {
        assertFalse(
            ((RowSparseSum.LastCall) w[3]).sparse(), "every row is set: the sum must be dense");
        assertArrayEquals((byte[]) out.get(0)[0], (byte[]) w[0], "workers hold different bytes");
        assertArrayEquals(
            new double[] {workers * (workers + 1) / 2.0, 0.5 * workers},
            (double[]) w[2],
            0.0,
            "scalars");
        double[] got = (double[]) w[1];
        for (int i = 0; i < LENGTH; i++)
          assertEquals(
              exact[i],
              got[i],
              1e-5 * (1 + Math.abs(exact[i])),
              workers + " workers: element " + i);
      }
    }
  }

  /**
   * Gradient sharing's call: each worker's mean gradient over its own example count becomes the
   * mean over all examples. Table rows are the float64 sum of weight x row in rank order divided by
   * the total weight, rounded once; the rest, and the dense fallback, agree within float32
   * rounding.
   */
  @Test
  void weightedMeanDividesByTheTotalWeightSparseAndDense() throws Exception {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      for (boolean allRows : new boolean[] {false, true}) {
        int workers = 3;
        List<Object[]> out = reduce(workers, type, allRows, true);
        double total = 0;
        double[] weighted = new double[LENGTH];
        for (int r = 0; r < workers; r++) {
          double[] g =
              Nd4j.createFromArray(gradient(r, 4, allRows))
                  .castTo(type)
                  .castTo(DataType.DOUBLE)
                  .toDoubleVector();
          for (int i = 0; i < LENGTH; i++) weighted[i] += weight(r) * g[i];
          total += weight(r);
        }
        boolean[] inTable = new boolean[LENGTH];
        for (EmbeddingTable t : TABLES)
          for (long i = t.offset(); i < t.offset() + t.rows() * t.width(); i++)
            inTable[(int) i] = true;
        String where = type + (allRows ? ", dense tables" : ", sparse rows");
        for (Object[] w : out) {
          assertEquals(!allRows, ((RowSparseSum.LastCall) w[3]).sparse(), where);
          assertArrayEquals(
              (byte[]) out.get(0)[0], (byte[]) w[0], where + ": workers hold different bytes");
          assertArrayEquals(
              new double[] {workers * (workers + 1) / 2.0, total},
              (double[]) w[2],
              0.0,
              where + ": scalars");
          double[] got = (double[]) w[1];
          for (int i = 0; i < LENGTH; i++) {
            double mean = weighted[i] / total;
            double once = type == DataType.FLOAT ? (float) mean : mean;
            if (inTable[i] && !allRows)
              assertEquals(once, got[i], 0.0, where + ": table element " + i);
            else assertEquals(mean, got[i], 1e-5 * (1 + Math.abs(mean)), where + ": element " + i);
          }
        }
      }
    }
  }

  @Test
  void badTablesAreRejectedWithTheirName() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new EmbeddingTable("emb", 0, 10, 4, 2, 1));
    assertTrue(e.getMessage().contains("emb"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new RowSparseSum(
                    AllReduce.single(),
                    List.of(
                        new EmbeddingTable("a", 0, 10, 4, 1, 10),
                        new EmbeddingTable("b", 30, 10, 4, 1, 10)),
                    100));
    assertTrue(e.getMessage().contains("b") && e.getMessage().contains("overlaps"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new RowSparseSum(
                    AllReduce.single(), List.of(new EmbeddingTable("c", 90, 10, 4, 1, 10)), 100));
    assertTrue(e.getMessage().contains("c"), e.getMessage());
  }
}
