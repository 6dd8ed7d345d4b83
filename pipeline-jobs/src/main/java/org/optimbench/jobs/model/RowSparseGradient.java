package org.optimbench.jobs.model;

/**
 * A layer runtime whose weight gradient, after its backward pass, is non-zero only at rows it can
 * name: an embedding lookup zeroes its gradient table and adds the batch's output gradients into
 * the rows of the ids it looked up. {@link NetworkModel} passes the rows on (to its division by the
 * batch size, to gradient sharing's sparse sum and to row-sparse optimizers), so that none of them
 * reads the whole table to find them.
 */
public interface RowSparseGradient {
  /**
   * The rows (ascending, distinct) at which the weight gradient of this layer's last backward pass
   * may be non-zero; null when no backward pass has run since the last forward pass.
   */
  int[] gradientRows();

  /**
   * Lets the next backward pass zero only {@code rows} (ascending, distinct) of the weight gradient
   * before it adds the batch's rows, instead of the whole table: the caller vouches that no other
   * row is non-zero. Used by that one pass; null (and every pass nobody called this for) zeroes the
   * whole table.
   */
  void zeroOnlyRows(int[] rows);
}
