package org.optimbench.jobs.train;

import org.nd4j.linalg.dataset.api.MultiDataSet;

/** One worker's part of a step's batch: the network inputs and labels, and the examples' stable ids. */
public record Batch(MultiDataSet data, long[] ids) {
  public Batch {
    if (data.getFeatures(0).size(0) != ids.length) {
      throw new IllegalArgumentException("batch has " + data.getFeatures(0).size(0) + " rows but " + ids.length + " ids");
    }
  }

  public int size() {
    return ids.length;
  }
}
