package org.optimbench.jobs.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Performance profiles and their integrated score as AlgoPerf computes them ({@code
 * mlcommons/algorithmic-efficiency}, {@code scoring/performance_profile.py}, {@code
 * compute_performance_profiles} and {@code compute_leaderboard_score(normalize=True)}; Dolan and
 * Moré 2002, arXiv cs/0102001), over a time-to-target matrix {@code t[method][workload]} with +inf
 * for a miss:
 *
 * <ol>
 *   <li>a time above {@code tauMax} times the workload's best is set to +inf (AlgoPerf: 4x);
 *   <li>{@code r = t / min_m t} per workload (a workload nobody reached gives NaN, counted for no
 *       method);
 *   <li>{@code rho_m(tau) = #{w : r[m][w] <= tau} / #workloads} on {@link #POINTS} evenly spaced
 *       {@code tau} in [1, tauMax] ({@code np.linspace(1, max_tau, num=100)});
 *   <li>score = trapezoid integral of rho over tau, divided by {@code tauMax - 1} ({@code
 *       np.trapz}), in [0, 1].
 * </ol>
 *
 * The geometric-mean speedup of a method against a reference is AlgoPerf's alternative summary
 * ({@code scoring/compute_speedups.py}), taken here as {@code exp(mean_w log(t_ref / t_m))} over
 * the workloads both reached (before the cutoff), so values above 1 mean faster than the reference.
 */
public final class PerformanceProfile {
  public static final int POINTS = 100;

  private final List<String> methods;
  private final List<String> workloads;
  private final double[][] times;
  private final double[][] ratios;
  private final double[] taus;
  private final double[][] rho;
  private final double[] scores;

  private PerformanceProfile(
      List<String> methods, List<String> workloads, double[][] times, double tauMax) {
    this.methods = List.copyOf(methods);
    this.workloads = List.copyOf(workloads);
    int nm = methods.size(), nw = workloads.size();
    this.times = new double[nm][];
    for (int m = 0; m < nm; m++) {
      if (times[m].length != nw)
        throw new IllegalArgumentException(
            "row " + m + " has " + times[m].length + " times, expected " + nw);
      this.times[m] = times[m].clone();
    }
    double[] best = new double[nw];
    for (int w = 0; w < nw; w++) {
      best[w] = Double.POSITIVE_INFINITY;
      for (int m = 0; m < nm; m++) best[w] = Math.min(best[w], times[m][w]);
    }
    ratios = new double[nm][nw];
    for (int m = 0; m < nm; m++) {
      for (int w = 0; w < nw; w++) {
        double t = times[m][w] > tauMax * best[w] ? Double.POSITIVE_INFINITY : times[m][w];
        ratios[m][w] = t / best[w]; // inf / inf = NaN: nobody reached w
      }
    }
    taus = new double[POINTS];
    for (int i = 0; i < POINTS; i++) taus[i] = 1 + (tauMax - 1) * i / (POINTS - 1);
    rho = new double[nm][POINTS];
    scores = new double[nm];
    for (int m = 0; m < nm; m++) {
      for (int i = 0; i < POINTS; i++) {
        int c = 0;
        for (int w = 0; w < nw; w++) if (ratios[m][w] <= taus[i]) c++;
        rho[m][i] = nw == 0 ? 0 : c / (double) nw;
      }
      double area = 0;
      for (int i = 1; i < POINTS; i++)
        area += (taus[i] - taus[i - 1]) * (rho[m][i] + rho[m][i - 1]) / 2;
      scores[m] = area / (tauMax - 1);
    }
  }

  /** The profile of {@code times[m][w]} (seconds or steps to target, +inf for a miss). */
  public static PerformanceProfile of(
      List<String> methods, List<String> workloads, double[][] times, double tauMax) {
    if (!(tauMax > 1)) throw new IllegalArgumentException("tau_max must be > 1, got " + tauMax);
    if (times.length != methods.size())
      throw new IllegalArgumentException(times.length + " rows for " + methods.size() + " methods");
    return new PerformanceProfile(methods, workloads, times, tauMax);
  }

  public List<String> methods() {
    return methods;
  }

  public List<String> workloads() {
    return workloads;
  }

  public double[] taus() {
    return taus.clone();
  }

  public double[] rho(int method) {
    return rho[method].clone();
  }

  /** r[m][w] after the cutoff (+inf beyond it, NaN where nobody reached the workload). */
  public double ratio(int method, int workload) {
    return ratios[method][workload];
  }

  public double score(int method) {
    return scores[method];
  }

  /** Rank by score, best first (1-based; equal scores share the better rank). */
  public int rank(int method) {
    int r = 1;
    for (int o = 0; o < scores.length; o++) if (scores[o] > scores[method]) r++;
    return r;
  }

  /**
   * Geometric-mean speedup of {@code method} against {@code reference}, empty when no workload was
   * reached by both.
   */
  public Optional<Double> speedup(int method, int reference) {
    double logSum = 0;
    int n = 0;
    for (int w = 0; w < workloads.size(); w++) {
      double tr = times[reference][w], tm = times[method][w];
      if (Double.isFinite(tr) && Double.isFinite(tm) && tr > 0 && tm > 0) {
        logSum += Math.log(tr / tm);
        n++;
      }
    }
    return n == 0 ? Optional.empty() : Optional.of(Math.exp(logSum / n));
  }

  /** How many workloads {@link #speedup} averages over. */
  public int speedupWorkloads(int method, int reference) {
    int n = 0;
    for (int w = 0; w < workloads.size(); w++) {
      double tr = times[reference][w], tm = times[method][w];
      if (Double.isFinite(tr) && Double.isFinite(tm) && tr > 0 && tm > 0) n++;
    }
    return n;
  }

  /** The methods' indices, best score first. */
  public List<Integer> byScore() {
    List<Integer> idx = new ArrayList<>();
    for (int m = 0; m < methods.size(); m++) idx.add(m);
    idx.sort(
        (a, b) ->
            scores[a] != scores[b]
                ? Double.compare(scores[b], scores[a])
                : methods.get(a).compareTo(methods.get(b)));
    return idx;
  }
}
