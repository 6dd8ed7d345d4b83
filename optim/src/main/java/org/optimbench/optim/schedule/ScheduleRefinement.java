package org.optimbench.optim.schedule;

import java.util.Arrays;

/**
 * Schedule refinement from the gradient norms of a previous run (Defazio, Cutkosky, Mehta,
 * Mishchenko, "When, Why and How Much? Adaptive Learning Rate Scheduling by Refinement", arXiv
 * 2310.07831, later "Optimal Linear Decay Learning Rate Schedules and Further Refinements").
 * Reference: facebookresearch/adaptive_scheduling @ 37a8a9b, {@code find_schedule.py} ({@code
 * find_closed_form_schedule}) for the schedule and {@code visual.py} for the smoothing.
 *
 * <p>Closed form, 0-based t over the T smoothed norms G_t:
 *
 * <pre>
 * w_t = G_t^-2 (L2 norms, SGD-type)  or  G_t^-1 (L1 norms, Adam-type)
 * tail_t = Σ_{s ≥ t} w_s
 * η_t = w_t · tail_{t+1} / tail_{T−1}  (t &lt; T−1),   η_{T−1} = 0
 * η ← η / max(η)
 * </pre>
 *
 * Constant norms give η_t = (T−1−t)/(T−1): exactly linear decay. Large early norms make early w_t
 * small, so a warm-up emerges without being imposed.
 *
 * <p>Preprocessing of {@link Smoothing#REFERENCE}, as {@code visual.py} does before the closed
 * form: drop ±inf values (quirk: only ±inf, NaN is not dropped there; we reject NaN instead of
 * letting it poison the filter); drop the first 2 and last 2 points (wandb export artefacts); if
 * fewer than 10000 points remain, resample linearly to 10000; median filter of width 1001 (=
 * 2·⌊⌊0.1·10000⌋/2⌋+1, fixed, so 10% of the run only for series of at most 10000 points) over the
 * series with its end reflect-padded by 2·1001 points (numpy {@code pad(mode='reflect')}), in
 * scipy's {@code median_filter(mode='nearest')} semantics (the start replicates the first value),
 * padding cut afterwards; resample linearly to 10000 points. The closed form then runs on those
 * 10000 points.
 *
 * <p>Our assumption, not the reference's (it stops at the 10000-point {@code *.sched_median} file):
 * the schedule is mapped to the run length by linear interpolation over relative position ({@link
 * #interpolate}) and scaled so that its maximum is exactly 1 again (interpolation can step over the
 * peak); when the run length equals the schedule length this is the identity.
 */
public final class ScheduleRefinement {
  private ScheduleRefinement() {}

  /** Which norm was recorded, hence the weight w = G^-2 (L2) or G^-1 (L1). */
  public enum NormKind {
    /** Global L2 gradient norm, w = G^-2 (SGD-type methods). */
    L2,
    /** Global L1 gradient norm, w = G^-1 (Adam-type methods). */
    L1
  }

  /**
   * Preprocessing before the closed form: points dropped at both ends, the number of points the
   * schedule is computed on ({@code points}; 0 = the series as it is, no resampling), and the
   * median filter's width (odd; 0 = no filter).
   */
  public record Smoothing(int dropFirst, int dropLast, int points, int medianWidth) {
    /** Exactly {@code visual.py}: drop 2 and 2, 10000 points, median width 1001. */
    public static final Smoothing REFERENCE =
        new Smoothing(2, 2, 10_000, 2 * ((int) (0.1 * 10_000) / 2) + 1);

    /** The closed form on the recorded norms as they are (only ±inf dropped). */
    public static final Smoothing NONE = new Smoothing(0, 0, 0, 0);

    public Smoothing {
      if (dropFirst < 0 || dropLast < 0)
        throw new IllegalArgumentException("points to drop must be >= 0");
      if (points < 0 || points == 1)
        throw new IllegalArgumentException(
            "points must be 0 (keep the series) or >= 2, got " + points);
      if (medianWidth < 0 || (medianWidth > 0 && medianWidth % 2 == 0))
        throw new IllegalArgumentException("median width must be 0 or odd, got " + medianWidth);
    }
  }

  /**
   * The refined schedule for a run of {@code targetLength} steps: one factor per step, maximum 1,
   * last factor 0. {@code gradNorms} are the global norms of the previous run in step order.
   */
  public static double[] refine(
      double[] gradNorms, NormKind kind, Smoothing smoothing, int targetLength) {
    if (targetLength < 2)
      throw new IllegalArgumentException("the run must have at least 2 steps, got " + targetLength);
    double[] sched = closedForm(preprocess(gradNorms, smoothing), kind);
    double[] out = sched.length == targetLength ? sched : interpolate(sched, targetLength);
    double max = max(out);
    for (int i = 0; i < out.length; i++) out[i] /= max;
    return out;
  }

  /** The norms the closed form runs on: {@code gradNorms} after the preprocessing of {@code s}. */
  public static double[] preprocess(double[] gradNorms, Smoothing s) {
    double[] g = Arrays.stream(gradNorms).filter(v -> !Double.isInfinite(v)).toArray();
    for (int i = 0; i < g.length; i++) {
      if (!(g[i] > 0))
        throw new IllegalArgumentException(
            "gradient norm "
                + g[i]
                + " (the "
                + (i + 1)
                + "th finite value): norms must be > 0 and not NaN");
    }
    int len = g.length - s.dropFirst() - s.dropLast();
    if (len < 2)
      throw new IllegalArgumentException(
          g.length + " finite gradient norms, need at least " + (s.dropFirst() + s.dropLast() + 2));
    g = Arrays.copyOfRange(g, s.dropFirst(), s.dropFirst() + len);
    if (s.points() > 0 && g.length < s.points()) g = interpolate(g, s.points());
    if (s.medianWidth() > 0) g = medianFilterReflectEnd(g, s.medianWidth());
    if (s.points() > 0 && g.length != s.points()) g = interpolate(g, s.points());
    return g;
  }

  /** {@code find_closed_form_schedule}, then divided by its maximum (as {@code visual.py} does). */
  public static double[] closedForm(double[] g, NormKind kind) {
    int n = g.length;
    double[] w = new double[n];
    for (int t = 0; t < n; t++) w[t] = kind == NormKind.L2 ? Math.pow(g[t], -2.0) : 1.0 / g[t];
    double[] tail = new double[n]; // flip(cumsum(flip(w))): sequential sums from the end
    tail[n - 1] = w[n - 1];
    for (int t = n - 2; t >= 0; t--) tail[t] = tail[t + 1] + w[t];
    double[] sched = new double[n];
    for (int t = 0; t < n - 1; t++)
      sched[t] = w[t] * tail[t + 1] / tail[n - 1]; // quirk: divides by tail[-1] = w[T-1]
    double max = max(sched);
    for (int t = 0; t < n; t++) sched[t] /= max;
    return sched;
  }

  /**
   * {@code median_filter(np.pad(x, (0, 2·width), mode='reflect'), size=width,
   * mode='nearest')[:-2·width]}: centred odd window; before the start the first value repeats; past
   * the end the series is mirrored without repeating the last value (numpy's 'reflect', periodic
   * when the pad is longer).
   */
  static double[] medianFilterReflectEnd(double[] x, int width) {
    int n = x.length;
    int h = width / 2;
    double[] window = new double[width];
    for (int j = -h; j <= h; j++) window[j + h] = at(x, j);
    Arrays.sort(window);
    double[] out = new double[n];
    for (int i = 0; ; i++) {
      out[i] = window[h];
      if (i == n - 1) return out;
      replace(window, at(x, i - h), at(x, i + 1 + h));
    }
  }

  /** x extended by 'nearest' before 0 and by 'reflect' after n−1. */
  private static double at(double[] x, int i) {
    int n = x.length;
    if (i < 0) return x[0];
    if (i < n || n == 1) return i < n ? x[i] : x[0];
    int period = 2 * (n - 1);
    int m = i % period;
    return x[m < n ? m : period - m];
  }

  /**
   * Removes one occurrence of {@code out} from the sorted {@code w} and inserts {@code in}, keeping
   * it sorted.
   */
  private static void replace(double[] w, double out, double in) {
    int r = Arrays.binarySearch(w, out);
    if (r < 0) throw new IllegalStateException("window lost a value");
    int k = Arrays.binarySearch(w, in);
    int ins = k >= 0 ? k : -k - 1; // first position whose value is >= in (any, for equal values)
    if (ins <= r) {
      System.arraycopy(w, ins, w, ins + 1, r - ins);
      w[ins] = in;
    } else {
      System.arraycopy(w, r + 1, w, r, ins - 1 - r);
      w[ins - 1] = in;
    }
  }

  private static double max(double[] a) {
    double m = Double.NEGATIVE_INFINITY;
    for (double v : a) m = Math.max(m, v);
    return m;
  }

  /**
   * Linear interpolation of {@code v} (taken at positions i/(len-1)) onto {@code n} evenly spaced
   * positions.
   */
  public static double[] interpolate(double[] v, int n) {
    if (n <= 0) throw new IllegalArgumentException("n must be > 0, got " + n);
    if (v.length == 0) throw new IllegalArgumentException("nothing to interpolate");
    double[] out = new double[n];
    if (v.length == 1 || n == 1) {
      Arrays.fill(out, v[0]);
      return out;
    }
    for (int i = 0; i < n; i++) {
      double x = i * (v.length - 1.0) / (n - 1.0);
      int lo = (int) Math.floor(x);
      if (lo >= v.length - 1) {
        out[i] = v[v.length - 1];
      } else {
        double f = x - lo;
        out[i] = v[lo] + f * (v[lo + 1] - v[lo]);
      }
    }
    return out;
  }
}
