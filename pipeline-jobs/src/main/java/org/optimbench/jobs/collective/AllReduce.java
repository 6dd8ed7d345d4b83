package org.optimbench.jobs.collective;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.Reducer;

/**
 * Synchronous all-reduce (element-wise sum) among the {@link #size()} workers of one data-parallel
 * training job. Every worker must make the same sequence of calls with the same shapes, data types
 * and scalar counts; each call returns once this worker holds the global sum.
 *
 * <p>Guarantee: after a call, every worker holds <em>bit-identical</em> results (same bytes for the
 * array and the same doubles), so replicas that apply the same optimizer step to the same summed
 * gradient never drift. The summation order is fixed by the ranks (it is not the sequential order
 * 0+1+...+N-1 for every element, so results may differ from a sequential sum in the last bits, but
 * never between workers and never between runs with the same ranks).
 *
 * <p>Not thread-safe: one thread per worker makes the calls. After any failure (timeout, a peer
 * that closed or died, mismatched calls) the instance is closed and every later call throws, and
 * its neighbours see the connection close and fail too, so an error reaches every worker quickly.
 */
public interface AllReduce extends AutoCloseable {

  /**
   * Replaces {@code flat} (any numeric type; float32 and float64 are the tested ones) by its sum
   * over all workers.
   */
  void sumInPlace(INDArray flat);

  /** Replaces each element by its sum over all workers and returns the same array. */
  double[] sumInPlace(double[] scalars);

  /**
   * One round for both: sums {@code flat} in place and {@code scalars} in place (returned), for the
   * price of one all-reduce of the array (the scalars ride along with the array's messages). This
   * is the call a training step makes: gradient, loss sum, example count and optimizer partials.
   */
  double[] sumInPlace(INDArray flat, double[] scalars);

  /**
   * The weighted mean across workers: {@code flat} holds this worker's mean over {@code
   * scalars[weightAt]} examples (its weight); it is replaced by the mean over every worker's
   * examples, sum_r w_r flat_r / sum_r w_r, and the scalars (weight included) are summed as in
   * {@link #sumInPlace(INDArray, double[])}, one all-reduce. This is gradient sharing's step.
   */
  default double[] meanInPlace(INDArray flat, double[] scalars, int weightAt) {
    flat.muli(scalars[weightAt]);
    double[] s = sumInPlace(flat, scalars);
    flat.divi(s[weightAt]);
    return s;
  }

  /**
   * All-gather in place: worker r contributes {@code flat[bounds[r], bounds[r+1])} (bounds has
   * size()+1 ascending entries from 0 to {@code flat.length()}), and afterwards every worker holds
   * every worker's segment, bit-exact. Other elements of {@code flat} are ignored on input.
   */
  void allGatherInPlace(INDArray flat, long[] bounds);

  /** Checks that {@code bounds} cut a rank-1 {@code flat} into one segment per worker. */
  static void checkBounds(INDArray flat, long[] bounds, int size) {
    if (!flat.isVector() && flat.length() > 1)
      throw new IllegalArgumentException(
          "all-gather needs a vector, got shape " + java.util.Arrays.toString(flat.shape()));
    if (bounds.length != size + 1 || bounds[0] != 0 || bounds[size] != flat.length()) {
      throw new IllegalArgumentException(
          "all-gather bounds "
              + java.util.Arrays.toString(bounds)
              + " must run from 0 to "
              + flat.length()
              + " in "
              + size
              + " segments");
    }
    for (int r = 0; r < size; r++)
      if (bounds[r] > bounds[r + 1])
        throw new IllegalArgumentException(
            "all-gather bounds " + java.util.Arrays.toString(bounds) + " decrease");
  }

  /**
   * Returns once every worker has called it: the workers wait for one of them (rank 0 writing a
   * checkpoint), up to {@code timeoutMillis} instead of the usual per-call timeout, and a timeout
   * names {@code waitingFor}.
   */
  default void barrier(String waitingFor, long timeoutMillis) {
    sumInPlace(new double[] {0});
  }

  /** This worker's index, 0 to size()-1. */
  int rank();

  /** Number of workers. */
  int size();

  /** This all-reduce as the optim module's scalar {@link Reducer}. */
  default Reducer reducer() {
    return this::sumInPlace;
  }

  /** Closes the connections; idempotent. Neighbours still in a call fail with a clear error. */
  @Override
  void close();

  /** The all-reduce of a job with a single worker: every call returns its input unchanged. */
  static AllReduce single() {
    return new AllReduce() {
      @Override
      public void sumInPlace(INDArray flat) {}

      @Override
      public double[] sumInPlace(double[] scalars) {
        return scalars;
      }

      @Override
      public double[] sumInPlace(INDArray flat, double[] scalars) {
        return scalars;
      }

      @Override
      public double[] meanInPlace(INDArray flat, double[] scalars, int weightAt) {
        return scalars;
      }

      @Override
      public void allGatherInPlace(INDArray flat, long[] bounds) {
        AllReduce.checkBounds(flat, bounds, 1);
      }

      @Override
      public int rank() {
        return 0;
      }

      @Override
      public int size() {
        return 1;
      }

      @Override
      public void close() {}
    };
  }
}
