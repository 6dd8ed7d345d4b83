package org.optimbench.jobs.workload;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.optimbench.jobs.collective.AllReduce;

/**
 * Evaluation helpers that stay correct across workers. Sums (losses, counts, correct predictions)
 * are combined with one all-reduce. Metrics that need every (score, label) pair, such as the exact
 * ROC AUC, use {@link #allGather}: each worker writes its values into its own segment of a zero
 * vector as long as all workers' values together, and the all-reduce's sum is then the
 * concatenation in rank order, bit-exact (x + 0 = x), on every worker.
 *
 * <p>Why through the collective and not a Spark job: evaluation runs inside the long-lived barrier
 * tasks, which cannot start Spark jobs, and copying the parameters out to score the split with
 * Spark would cost a job per evaluation. The price is memory and traffic proportional to the whole
 * validation split on every worker: 16 bytes per validation row (score and label as float64), e.g.
 * 0.1 GB for a million rows, 1.3 GB for the 83M-row validation half of Criteo 1TB's last day
 * (evaluate a subset there, or raise executor memory).
 */
public final class Metrics {
  private Metrics() {}

  /** Every worker's {@code local} values concatenated in rank order, identical on every worker. */
  public static double[] allGather(AllReduce comm, double[] local) {
    double[] counts = new double[comm.size()];
    counts[comm.rank()] = local.length;
    comm.sumInPlace(counts);
    long offset = 0;
    long total = 0;
    for (int r = 0; r < counts.length; r++) {
      if (r < comm.rank()) offset += (long) counts[r];
      total += (long) counts[r];
    }
    if (total == 0) return new double[0];
    if (total > Integer.MAX_VALUE) throw new IllegalStateException("cannot gather " + total + " values into one array");
    INDArray all = Nd4j.zeros(DataType.DOUBLE, total);
    if (local.length > 0) all.get(NDArrayIndex.interval(offset, offset + local.length)).assign(Nd4j.createFromArray(local));
    comm.sumInPlace(all);
    return all.toDoubleVector();
  }

  /**
   * The exact area under the ROC curve of {@code scores} for binary {@code labels} (1 positive, 0
   * negative): the probability that a random positive scores above a random negative, ties counting
   * one half (the Mann-Whitney statistic; equal to sklearn's {@code roc_auc_score}, whose trapezoids
   * give tied groups the same half). Counting is done in exact integers. NaN when one class is absent.
   */
  public static double exactAuc(double[] scores, double[] labels) {
    if (scores.length != labels.length) throw new IllegalArgumentException(scores.length + " scores but " + labels.length + " labels");
    int p = 0;
    for (int i = 0; i < labels.length; i++) {
      if (Double.isNaN(scores[i])) throw new IllegalArgumentException("score " + i + " is NaN");
      if (labels[i] == 1.0) p++;
      else if (labels[i] != 0.0) throw new IllegalArgumentException("label " + labels[i] + " of row " + i + " is not 0 or 1");
    }
    double[] pos = new double[p];
    double[] neg = new double[labels.length - p];
    for (int i = 0, a = 0, b = 0; i < labels.length; i++) {
      if (labels[i] == 1.0) pos[a++] = scores[i] + 0.0; // + 0.0 turns -0.0 into 0.0: equal scores tie
      else neg[b++] = scores[i] + 0.0;
    }
    if (pos.length == 0 || neg.length == 0) return Double.NaN;
    Arrays.sort(pos);
    Arrays.sort(neg);
    // For each positive: negatives strictly below count 1, equal ones 1/2. Twice the count is an exact integer.
    long twiceConcordant = 0;
    int below = 0;
    int upTo = 0;
    for (double s : pos) {
      while (below < neg.length && neg[below] < s) below++;
      if (upTo < below) upTo = below;
      while (upTo < neg.length && neg[upTo] == s) upTo++;
      twiceConcordant += 2L * below + (upTo - below);
    }
    return twiceConcordant / (2.0 * pos.length * neg.length);
  }
}
