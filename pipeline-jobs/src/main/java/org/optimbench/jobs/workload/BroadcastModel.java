package org.optimbench.jobs.workload;

import java.io.Serializable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.model.NetworkModel;

/**
 * A network's flat parameter vector broadcast to the Spark executors (as a Java float or double
 * array, whichever the dtype is: one copy per executor), so that a task can rebuild the workload's
 * own network ({@link Workload#build}) with exactly these parameters and score its rows ({@link
 * Workload#evaluateOnSpark}).
 */
public final class BroadcastModel implements Serializable {
  private static final long serialVersionUID = 1L;
  private final Broadcast<float[]> floats;
  private final Broadcast<double[]> doubles;
  private final DataType dtype;
  private final long seed;

  private BroadcastModel(
      Broadcast<float[]> floats, Broadcast<double[]> doubles, DataType dtype, long seed) {
    this.floats = floats;
    this.doubles = doubles;
    this.dtype = dtype;
    this.seed = seed;
  }

  /**
   * Broadcasts {@code params} (float32 or float64, as the network built with {@code dtype}); {@code
   * seed} only initializes what they replace.
   */
  public static BroadcastModel of(SparkSession spark, INDArray params, DataType dtype, long seed) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    if (dtype == DataType.DOUBLE)
      return new BroadcastModel(
          null, sc.broadcast(params.castTo(DataType.DOUBLE).toDoubleVector()), dtype, seed);
    if (dtype == DataType.FLOAT)
      return new BroadcastModel(
          sc.broadcast(params.castTo(DataType.FLOAT).toFloatVector()), null, dtype, seed);
    throw new IllegalArgumentException("dtype " + dtype + ": float32 or float64 expected");
  }

  public DataType dtype() {
    return dtype;
  }

  /**
   * The workload's network with the broadcast parameters; a vector of another length is an error
   * naming both.
   */
  public NetworkModel load(Workload workload) {
    NetworkModel model = workload.build(dtype, seed);
    INDArray p =
        doubles != null
            ? Nd4j.createFromArray(doubles.value())
            : Nd4j.createFromArray(floats.value());
    if (p.length() != model.view().params().length()) {
      throw new IllegalArgumentException(
          "broadcast parameters have "
              + p.length()
              + " values, the "
              + workload.name()
              + " network "
              + model.view().params().length());
    }
    model.view().params().assign(p);
    return model;
  }

  /** Frees the broadcast on the executors and the driver. */
  public void destroy() {
    if (floats != null) floats.destroy();
    if (doubles != null) doubles.destroy();
  }
}
