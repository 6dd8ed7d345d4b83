package org.optimbench.jobs.run;

import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Decides when a run has diverged: its loss is NaN or infinite, or exceeds {@code factor} times the
 * first finite loss it saw (the conf key {@code divergence_factor}). A diverged run ends with
 * status DIVERGED and the sweep goes on.
 *
 * <p>The first loss is part of the run's state: a resumed run must get it back ({@link #resumed},
 * from the checkpoint's extra values), or the threshold would move. When the first loss is not
 * positive the ratio means nothing and only non-finite losses count.
 */
public final class DivergenceCheck {
  private final double factor;
  private double firstLoss = Double.NaN;

  public DivergenceCheck(double factor) {
    if (!(factor >= 1) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException(
          "divergence_factor (" + factor + ") must be finite and >= 1");
    }
    this.factor = factor;
  }

  /** A check for a resumed run whose first finite loss was {@code firstLoss}. */
  public static DivergenceCheck resumed(double factor, double firstLoss) {
    if (!Double.isFinite(firstLoss))
      throw new IllegalArgumentException("first loss (" + firstLoss + ") must be finite");
    DivergenceCheck c = new DivergenceCheck(factor);
    c.firstLoss = firstLoss;
    return c;
  }

  /** Why the run diverged at {@code step} (the message names the step and the loss), or empty. */
  public Optional<String> check(long step, double loss) {
    if (!Double.isFinite(loss)) return Optional.of("loss is " + loss + " at step " + step);
    if (Double.isNaN(firstLoss)) {
      firstLoss = loss;
      return Optional.empty();
    }
    if (firstLoss > 0 && loss > factor * firstLoss) {
      return Optional.of(
          "loss "
              + loss
              + " at step "
              + step
              + " exceeds "
              + factor
              + " x the first loss "
              + firstLoss);
    }
    return Optional.empty();
  }

  /** True when {@link #check} finds a divergence. */
  public boolean diverged(long step, double loss) {
    return check(step, loss).isPresent();
  }

  /** The first finite loss seen, to save in a checkpoint; empty before any. */
  public OptionalDouble firstLoss() {
    return Double.isNaN(firstLoss) ? OptionalDouble.empty() : OptionalDouble.of(firstLoss);
  }

  public double factor() {
    return factor;
  }
}
