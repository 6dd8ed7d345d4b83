package org.optimbench.jobs.collective;

import org.apache.spark.BarrierTaskContext;

/**
 * What a worker body gets from {@link BarrierRunner}: its rank among the workers and a connected
 * {@link AllReduce}, which the runner closes when the body returns or throws.
 */
public final class WorkerContext {
  private final int rank;
  private final int size;
  private final AllReduce allReduce;
  private final BarrierTaskContext task;

  public WorkerContext(int rank, int size, AllReduce allReduce, BarrierTaskContext task) {
    this.rank = rank;
    this.size = size;
    this.allReduce = allReduce;
    this.task = task;
  }

  /** 0 to size()-1; equals the Spark partition id. */
  public int rank() {
    return rank;
  }

  public int size() {
    return size;
  }

  public AllReduce allReduce() {
    return allReduce;
  }

  /** The Spark barrier task, or null outside Spark. */
  public BarrierTaskContext task() {
    return task;
  }
}
