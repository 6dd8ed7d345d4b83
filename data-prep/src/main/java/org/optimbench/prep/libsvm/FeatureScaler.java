package org.optimbench.prep.libsvm;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Optional feature scaling, fitted on the train split only and applied to every split.
 *
 * <ul>
 *   <li>{@code minmax}: each feature to [-1, 1] as LIBSVM's {@code svm-scale -l -1 -u 1} does,
 *       counting the implicit zeros of rows that omit the feature; a constant feature is dropped.
 *       Zeros map to non-zero values, so this densifies sparse data (d entries per row).
 *   <li>{@code maxabs}: each feature divided by its largest absolute value, into [-1, 1]; keeps
 *       sparsity.
 *   <li>{@code unitnorm}: each row divided by its L2 norm (rows of zeros stay zero).
 * </ul>
 *
 * Valid and test values outside the train range land outside [-1, 1], as with svm-scale.
 */
public final class FeatureScaler implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Scaling methods; the names are the option values. */
  public enum Method {
    none,
    minmax,
    maxabs,
    unitnorm
  }

  /** Per-feature min and max of present values and how many rows have the feature. */
  public static final class Stats implements Serializable {
    private static final long serialVersionUID = 1L;
    final double[] min;
    final double[] max;
    final long[] present;
    long rows;

    public Stats(int dimension) {
      min = new double[dimension + 1];
      max = new double[dimension + 1];
      present = new long[dimension + 1];
      Arrays.fill(min, Double.POSITIVE_INFINITY);
      Arrays.fill(max, Double.NEGATIVE_INFINITY);
    }

    /** Adds one row; indices are 1-based. */
    public Stats add(int[] indices, double[] values) {
      rows++;
      for (int k = 0; k < indices.length; k++) {
        int j = indices[k];
        min[j] = Math.min(min[j], values[k]);
        max[j] = Math.max(max[j], values[k]);
        present[j]++;
      }
      return this;
    }

    public Stats merge(Stats o) {
      rows += o.rows;
      for (int j = 0; j < min.length; j++) {
        min[j] = Math.min(min[j], o.min[j]);
        max[j] = Math.max(max[j], o.max[j]);
        present[j] += o.present[j];
      }
      return this;
    }
  }

  /** A sparse row: 1-based indices and values. */
  public record Sparse(int[] indices, double[] values) {}

  private final Method method;
  private final double[] lower;
  private final double[] upper;

  public FeatureScaler(Method method, Stats stats) {
    this.method = method;
    int n = stats == null ? 0 : stats.min.length;
    lower = new double[n];
    upper = new double[n];
    for (int j = 1; j < n; j++) {
      if (stats.present[j] == 0) {
        continue; // never seen in train: lower = upper = 0, dropped by minmax and maxabs
      }
      boolean implicitZero = stats.present[j] < stats.rows;
      lower[j] = implicitZero ? Math.min(stats.min[j], 0) : stats.min[j];
      upper[j] = implicitZero ? Math.max(stats.max[j], 0) : stats.max[j];
    }
  }

  public Method method() {
    return method;
  }

  public Sparse apply(int[] indices, double[] values) {
    switch (method) {
      case none:
        return new Sparse(indices, values);
      case unitnorm:
        {
          double s = 0;
          for (double v : values) {
            s += v * v;
          }
          if (s == 0) {
            return new Sparse(indices, values);
          }
          double norm = Math.sqrt(s);
          double[] out = new double[values.length];
          for (int k = 0; k < values.length; k++) {
            out[k] = values[k] / norm;
          }
          return new Sparse(indices, out);
        }
      case maxabs:
        {
          int[] oi = new int[indices.length];
          double[] ov = new double[indices.length];
          int n = 0;
          for (int k = 0; k < indices.length; k++) {
            int j = indices[k];
            double m = j < lower.length ? Math.max(Math.abs(lower[j]), Math.abs(upper[j])) : 0;
            if (m > 0 && values[k] != 0) {
              oi[n] = j;
              ov[n++] = values[k] / m;
            }
          }
          return new Sparse(Arrays.copyOf(oi, n), Arrays.copyOf(ov, n));
        }
      case minmax:
        {
          int d = lower.length - 1;
          int[] oi = new int[d];
          double[] ov = new double[d];
          int n = 0;
          int k = 0;
          for (int j = 1; j <= d; j++) {
            double x = 0;
            while (k < indices.length && indices[k] < j) {
              k++;
            }
            if (k < indices.length && indices[k] == j) {
              x = values[k];
            }
            if (upper[j] == lower[j]) {
              continue;
            }
            double y = -1 + 2 * (x - lower[j]) / (upper[j] - lower[j]);
            if (y != 0) {
              oi[n] = j;
              ov[n++] = y;
            }
          }
          return new Sparse(Arrays.copyOf(oi, n), Arrays.copyOf(ov, n));
        }
      default:
        throw new IllegalStateException("unknown scaling " + method);
    }
  }

  /** Parameters for {@code scaling.json}: per-feature lower and upper bounds (0-based arrays). */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("method", method.name());
    m.put("fitted_on", "train");
    if (method == Method.minmax || method == Method.maxabs) {
      m.put("feature_lower", Arrays.copyOfRange(lower, 1, lower.length));
      m.put("feature_upper", Arrays.copyOfRange(upper, 1, upper.length));
    }
    return m;
  }
}
