package org.optimbench.jobs.workload;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;

/**
 * The exact ROC AUC from class counts per distinct score, in pieces: the pure core of {@link
 * SparkAuc}, with no Spark in it. A distributed sort leaves the distinct scores in ascending order
 * across partitions, every score in one partition; each partition folds its groups into a {@link
 * Piece} (its class totals and twice the concordant pairs inside it), and {@link #combine} adds the
 * pairs between pieces: every positive of a later piece is above every negative of an earlier one.
 * Twice the concordant count (a positive above a negative counts 2, a tie 1) is an exact integer
 * (long; an overflow is an error, not a wrong AUC), and {@link Piece#auc} divides it exactly as
 * {@link Metrics#exactAuc(double[], double[])} does, so equal data give the same double.
 */
public final class AucCounts {
  private AucCounts() {}

  /** The rows with one score: how many are positive and how many negative. */
  public record Group(double score, long positives, long negatives) {}

  /**
   * A run of groups in ascending score order: class totals and twice its internal concordant count.
   */
  public record Piece(long positives, long negatives, long twiceConcordant)
      implements Serializable {
    public static final Piece EMPTY = new Piece(0, 0, 0);

    /** The AUC of this piece's rows ({@link Metrics#auc}); NaN when a class is absent. */
    public double auc() {
      return Metrics.auc(twiceConcordant, positives, negatives);
    }
  }

  /**
   * Folds groups in ascending score order (equal neighbours, -0.0 and 0.0 included, merge into one
   * group). A NaN score, a decreasing score or a negative count is an error naming the score.
   */
  public static Piece piece(Iterator<Group> ascending) {
    long negativesBelow = 0;
    long positives = 0;
    long twice = 0;
    boolean open = false;
    double score = 0;
    long groupPos = 0;
    long groupNeg = 0;
    while (ascending.hasNext()) {
      Group g = ascending.next();
      double s = g.score() + 0.0;
      if (Double.isNaN(s))
        throw new IllegalArgumentException(
            "score NaN (" + g.positives() + " positives, " + g.negatives() + " negatives)");
      if (g.positives() < 0 || g.negatives() < 0)
        throw new IllegalArgumentException("score " + s + ": negative count " + g);
      if (open && s < score)
        throw new IllegalArgumentException(
            "score " + s + " after " + score + ": groups must come in ascending score order");
      if (open && s == score) {
        groupPos = Math.addExact(groupPos, g.positives());
        groupNeg = Math.addExact(groupNeg, g.negatives());
        continue;
      }
      if (open) {
        twice = Math.addExact(twice, groupTwice(groupPos, negativesBelow, groupNeg));
        positives = Math.addExact(positives, groupPos);
        negativesBelow = Math.addExact(negativesBelow, groupNeg);
      }
      open = true;
      score = s;
      groupPos = g.positives();
      groupNeg = g.negatives();
    }
    if (open) {
      twice = Math.addExact(twice, groupTwice(groupPos, negativesBelow, groupNeg));
      positives = Math.addExact(positives, groupPos);
      negativesBelow = Math.addExact(negativesBelow, groupNeg);
    }
    return new Piece(positives, negativesBelow, twice);
  }

  /**
   * The pieces of one sorted sequence, in ascending score order (no score in two pieces), as one
   * piece.
   */
  public static Piece combine(List<Piece> ascending) {
    long negativesBefore = 0;
    long positives = 0;
    long twice = 0;
    for (Piece p : ascending) {
      twice =
          Math.addExact(
              twice,
              Math.addExact(
                  p.twiceConcordant(),
                  Math.multiplyExact(2L, Math.multiplyExact(p.positives(), negativesBefore))));
      positives = Math.addExact(positives, p.positives());
      negativesBefore = Math.addExact(negativesBefore, p.negatives());
    }
    return new Piece(positives, negativesBefore, twice);
  }

  /**
   * A group's positives against the negatives strictly below (2 each) and its own negatives (ties,
   * 1 each).
   */
  private static long groupTwice(long positives, long negativesBelow, long negatives) {
    return Math.multiplyExact(
        positives, Math.addExact(Math.multiplyExact(2L, negativesBelow), negatives));
  }
}
