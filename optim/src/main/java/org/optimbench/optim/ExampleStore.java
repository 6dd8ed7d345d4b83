package org.optimbench.optim;

/**
 * Per-training-example scalar state keyed by a stable example id (the stochastic Polyak step with a
 * moving target keeps one value per example). The trainer owns the store and keeps it where the
 * example's data partition lives, so memory scales with the partition, not the dataset, and nothing
 * of it reaches the driver. Ids never written read as {@code NaN}; the method decides what a first
 * visit means.
 */
public interface ExampleStore {
  /** Fills {@code out[i]} with the value of {@code ids[i]}, or NaN if that id was never written. */
  void read(long[] ids, double[] out);

  /** Sets the value of each {@code ids[i]} to {@code values[i]}. */
  void write(long[] ids, double[] values);

  /** Number of ids with a value. */
  long size();
}
