package org.optimbench.jobs.workload;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.optimbench.jobs.collective.AllReduce;

/**
 * Evaluation helpers that stay correct across workers. Sums (losses, counts, correct predictions)
 * are combined with one all-reduce. Values that must be seen whole go through {@link #allGather}:
 * each worker writes its values into its own segment of a vector as long as all workers' values
 * together, and the ring all-gather ({@link AllReduce#allGatherInPlace}) fills in the others'
 * segments, so every worker holds the concatenation in rank order, bit-exact.
 *
 * <p>The exact ROC AUC across workers ({@link #exactAuc(AllReduce, double[], double[])}) gathers
 * only the scores of the minority class: the Mann-Whitney count needs, for each minority score, how
 * many majority scores lie below it and how many equal it, and each worker counts that against its
 * own majority scores; the per-worker counts are then summed exactly. Every worker holds 8 bytes
 * per minority-class validation row (plus its own rows), not 16 bytes per row of the whole split:
 * at Criteo's ~3% clicks, 22 MB instead of 1.3 GB for the 83M-row validation half of Criteo 1TB's
 * last day (BENCHMARKS.md, "Exact AUC at scale"). The all-gather still moves that vector through
 * the ring at every evaluation, so for very large splits evaluate a subset during training ({@code
 * eval.valid_fraction}) and the whole split once at the end with Spark ({@code eval.final: spark},
 * {@link SparkAuc}).
 *
 * <p>Why through the collective and not a Spark job: evaluation runs inside the long-lived barrier
 * tasks, which cannot start Spark jobs, and copying the parameters out to score the split with
 * Spark would cost a job per evaluation.
 */
public final class Metrics {
  private Metrics() {}

  /** Every worker's {@code local} values concatenated in rank order, identical on every worker. */
  public static double[] allGather(AllReduce comm, double[] local) {
    double[] counts = new double[comm.size()];
    counts[comm.rank()] = local.length;
    comm.sumInPlace(counts);
    long[] perRank = new long[counts.length];
    for (int r = 0; r < counts.length; r++) perRank[r] = (long) counts[r];
    return gather(comm, local, perRank);
  }

  /**
   * {@link #allGather} when every worker already knows every rank's count (one all-reduce fewer).
   */
  private static double[] gather(AllReduce comm, double[] local, long[] perRank) {
    long offset = 0;
    long total = 0;
    for (int r = 0; r < perRank.length; r++) {
      if (r < comm.rank()) offset += perRank[r];
      total += perRank[r];
    }
    if (perRank[comm.rank()] != local.length)
      throw new IllegalStateException(
          "rank "
              + comm.rank()
              + " has "
              + local.length
              + " values, its count says "
              + perRank[comm.rank()]);
    if (total == 0) return new double[0];
    if (total > Integer.MAX_VALUE)
      throw new IllegalStateException("cannot gather " + total + " values into one array");
    INDArray all = Nd4j.zeros(DataType.DOUBLE, total);
    if (local.length > 0)
      all.get(NDArrayIndex.interval(offset, offset + local.length))
          .assign(Nd4j.createFromArray(local));
    long[] bounds = new long[perRank.length + 1];
    for (int r = 0; r < perRank.length; r++) bounds[r + 1] = bounds[r] + perRank[r];
    comm.allGatherInPlace(all, bounds);
    return all.toDoubleVector();
  }

  /**
   * The exact area under the ROC curve of {@code scores} for binary {@code labels} (1 positive, 0
   * negative): the probability that a random positive scores above a random negative, ties counting
   * one half (the Mann-Whitney statistic; equal to sklearn's {@code roc_auc_score}, whose
   * trapezoids give tied groups the same half). Counting is done in exact integers. NaN when one
   * class is absent.
   */
  public static double exactAuc(double[] scores, double[] labels) {
    if (scores.length != labels.length)
      throw new IllegalArgumentException(
          scores.length + " scores but " + labels.length + " labels");
    int p = 0;
    for (int i = 0; i < labels.length; i++) {
      if (Double.isNaN(scores[i])) throw new IllegalArgumentException("score " + i + " is NaN");
      if (labels[i] == 1.0) p++;
      else if (labels[i] != 0.0)
        throw new IllegalArgumentException(
            "label " + labels[i] + " of row " + i + " is not 0 or 1");
    }
    double[] pos = new double[p];
    double[] neg = new double[labels.length - p];
    split(scores, labels, pos, neg);
    if (pos.length == 0 || neg.length == 0) return Double.NaN;
    Arrays.sort(pos);
    Arrays.sort(neg);
    return auc(twiceConcordant(pos, neg), pos.length, neg.length);
  }

  /**
   * {@link #exactAuc(double[], double[])} of every worker's rows together, the same double on every
   * worker, without gathering every (score, label) pair: one all-reduce of the per-rank class
   * counts; one gather of the minority class's scores (positives when there are no more positives
   * than negatives); each worker counts the gathered scores against its own sorted majority scores,
   * and an all-reduce sums those exact integers (as two 32-bit halves, so the double sums stay
   * exact). Every worker makes the same calls whatever its data, and a NaN score or a label other
   * than 0 and 1 on any worker fails every worker.
   */
  public static double exactAuc(AllReduce comm, double[] scores, double[] labels) {
    if (scores.length != labels.length)
      throw new IllegalArgumentException(
          scores.length + " scores but " + labels.length + " labels");
    int size = comm.size();
    int rank = comm.rank();
    int p = 0;
    int firstBad = -1;
    int bad = 0;
    for (int i = 0; i < labels.length; i++) {
      if (Double.isNaN(scores[i]) || (labels[i] != 1.0 && labels[i] != 0.0)) {
        bad++;
        if (firstBad < 0) firstBad = i;
      } else if (labels[i] == 1.0) {
        p++;
      }
    }
    // positives and negatives of every rank, then the invalid rows of all ranks: one all-reduce
    double[] c = new double[2 * size + 1];
    c[2 * rank] = p;
    c[2 * rank + 1] = labels.length - p - bad;
    c[2 * size] = bad;
    comm.sumInPlace(c);
    if (c[2 * size] > 0) {
      String local =
          firstBad < 0
              ? "none on rank " + rank
              : "rank "
                  + rank
                  + ", row "
                  + firstBad
                  + ": "
                  + (Double.isNaN(scores[firstBad])
                      ? "score is NaN"
                      : "label " + labels[firstBad] + " is not 0 or 1");
      throw new IllegalArgumentException(
          (long) c[2 * size]
              + " rows with a NaN score or a label other than 0 and 1 across the workers ("
              + local
              + ")");
    }
    long[] posPerRank = new long[size];
    long[] negPerRank = new long[size];
    long totalPos = 0;
    long totalNeg = 0;
    for (int r = 0; r < size; r++) {
      posPerRank[r] = (long) c[2 * r];
      negPerRank[r] = (long) c[2 * r + 1];
      totalPos += posPerRank[r];
      totalNeg += negPerRank[r];
    }
    if (totalPos == 0 || totalNeg == 0) return Double.NaN;
    double[] pos = new double[p];
    double[] neg = new double[labels.length - p];
    split(scores, labels, pos, neg);
    boolean gatherPositives = totalPos <= totalNeg;
    double[] gathered =
        gatherPositives ? gather(comm, pos, posPerRank) : gather(comm, neg, negPerRank);
    Arrays.sort(gathered);
    long twice;
    if (gatherPositives) {
      Arrays.sort(neg);
      twice = twiceConcordant(gathered, neg);
    } else {
      Arrays.sort(pos);
      twice = twiceConcordant(pos, gathered);
    }
    double[] halves = comm.sumInPlace(new double[] {twice >>> 32, twice & 0xffffffffL});
    long all = Math.addExact(Math.multiplyExact((long) halves[0], 1L << 32), (long) halves[1]);
    return auc(all, totalPos, totalNeg);
  }

  /**
   * The AUC from twice the concordant pair count (a positive above a negative counts 2, a tie 1)
   * and the class sizes; NaN when a class is empty. Every exact AUC of this project ends here, so
   * equal counts give the same double.
   */
  public static double auc(long twiceConcordant, long positives, long negatives) {
    if (positives == 0 || negatives == 0) return Double.NaN;
    return twiceConcordant / (2.0 * positives * negatives);
  }

  /**
   * The scores of label 1 into {@code pos}, the others into {@code neg}, with -0.0 turned into 0.0
   * so that equal scores tie.
   */
  private static void split(double[] scores, double[] labels, double[] pos, double[] neg) {
    for (int i = 0, a = 0, b = 0; i < labels.length; i++) {
      if (labels[i] == 1.0) pos[a++] = scores[i] + 0.0;
      else neg[b++] = scores[i] + 0.0;
    }
  }

  /**
   * For each positive: negatives strictly below count 2, equal ones 1 (both arrays sorted
   * ascending). Twice the count is an exact integer.
   */
  private static long twiceConcordant(double[] pos, double[] neg) {
    long twice = 0;
    int below = 0;
    int upTo = 0;
    for (double s : pos) {
      while (below < neg.length && neg[below] < s) below++;
      if (upTo < below) upTo = below;
      while (upTo < neg.length && neg[upTo] == s) upTo++;
      twice += 2L * below + (upTo - below);
    }
    return twice;
  }
}
