package org.optimbench.optim.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongToDoubleFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.optimbench.optim.Diagnostics;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.ParamLayout;
import org.optimbench.optim.Reducer;
import org.optimbench.optim.Segment;
import org.optimbench.optim.StepContext;

/**
 * Runs one optimizer on K "workers" that each own a contiguous part of the flat parameter vector,
 * and compares the trajectory with the unsharded run. Each worker has its own {@link ModelView}
 * (views into the shared parameter and gradient vectors, with the layout pieces it owns), its own
 * {@link OptimizerState}, and runs in its own thread; their {@link Reducer} sums the partials of
 * all K workers (in worker order) behind a {@link CyclicBarrier}. The gradient is computed on the
 * full vector between steps. This checks that an optimizer's global sums all go through the
 * reducer, once per step on every worker (the harness fails on a missing or extra call, which would
 * also deadlock a real cluster).
 */
public final class ShardedHarness {
  private ShardedHarness() {}

  /** The full gradient at {@code x} for step {@code t}, written into {@code into}. */
  @FunctionalInterface
  public interface GradientFn {
    void grad(long t, INDArray x, INDArray into);
  }

  /**
   * Parameters after every step (rows) and the diagnostics of every step (worker 0's for the
   * sharded run).
   */
  public record Trajectory(List<double[]> params, List<Map<String, Double>> diagnostics) {}

  /** K cut points {@code 0 = c0 < c1 < ... < cK = n} splitting n elements as evenly as possible. */
  public static long[] evenCuts(long n, int k) {
    long[] c = new long[k + 1];
    for (int i = 0; i <= k; i++) c[i] = n * i / k;
    return c;
  }

  /**
   * Cuts on segment boundaries: worker i gets segments [i*S/K, (i+1)*S/K) (needs K <= number of
   * segments).
   */
  public static long[] segmentCuts(ParamLayout layout, int k) {
    int n = layout.size();
    if (k > n) throw new IllegalArgumentException(k + " workers but only " + n + " segments");
    long[] c = new long[k + 1];
    for (int i = 0; i < k; i++) c[i] = layout.segment(n * i / k).offset();
    c[k] = layout.totalLength();
    return c;
  }

  /**
   * The part of {@code layout} inside [from, to), offsets relative to {@code from}; cut segments
   * are renamed "name#part".
   */
  public static ParamLayout piece(ParamLayout layout, long from, long to) {
    ParamLayout.Builder b = ParamLayout.builder();
    for (Segment s : layout.segments()) {
      long a = Math.max(s.offset(), from);
      long e = Math.min(s.end(), to);
      if (a >= e) continue;
      boolean whole = a == s.offset() && e == s.end();
      if (whole) b.add(s.name(), s.shape());
      else b.add(s.name() + "#" + (a - s.offset()), e - a);
    }
    return b.build();
  }

  /** The single-process run. */
  public static Trajectory unsharded(
      Optimizer opt,
      ParamLayout layout,
      INDArray x0,
      GradientFn grad,
      int steps,
      LongToDoubleFunction lrScale) {
    INDArray x = x0.dup();
    INDArray g = x.like().assign(0);
    ModelView m = new ModelView(layout, x, g);
    OptimizerState st = opt.init(m);
    List<double[]> rows = new ArrayList<>();
    List<Map<String, Double>> diags = new ArrayList<>();
    for (int t = 0; t < steps; t++) {
      grad.grad(t, x, g);
      Diagnostics d = new Diagnostics();
      opt.step(
          m,
          st,
          StepContext.builder().step(t).lrScale(lrScale.applyAsDouble(t)).diagnostics(d).build());
      rows.add(x.toDoubleVector());
      diags.add(Map.copyOf(d.values()));
    }
    return new Trajectory(rows, diags);
  }

  /** The run on {@code cuts.length - 1} workers, worker i owning [cuts[i], cuts[i+1]). */
  public static Trajectory sharded(
      Optimizer opt,
      ParamLayout layout,
      INDArray x0,
      GradientFn grad,
      long[] cuts,
      int steps,
      LongToDoubleFunction lrScale) {
    int k = cuts.length - 1;
    INDArray x = x0.dup();
    INDArray g = x.like().assign(0);
    ModelView[] views = new ModelView[k];
    OptimizerState[] states = new OptimizerState[k];
    for (int i = 0; i < k; i++) {
      views[i] =
          new ModelView(
              piece(layout, cuts[i], cuts[i + 1]),
              x.get(NDArrayIndex.interval(cuts[i], cuts[i + 1])),
              g.get(NDArrayIndex.interval(cuts[i], cuts[i + 1])));
      states[i] = opt.init(views[i]);
    }
    BarrierReducer reducer = new BarrierReducer(k);
    List<double[]> rows = new ArrayList<>();
    List<Map<String, Double>> diags = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(k);
    try {
      for (int t = 0; t < steps; t++) {
        grad.grad(t, x, g);
        Diagnostics[] d = new Diagnostics[k];
        List<Future<?>> work = new ArrayList<>();
        int[] calls = new int[k];
        for (int i = 0; i < k; i++) {
          final int w = i;
          final long step = t;
          d[w] = new Diagnostics();
          Reducer counted =
              partials -> {
                calls[w]++;
                return reducer.sum(w, partials);
              };
          work.add(
              pool.submit(
                  () ->
                      opt.step(
                          views[w],
                          states[w],
                          StepContext.builder()
                              .step(step)
                              .lrScale(lrScale.applyAsDouble(step))
                              .reducer(counted)
                              .diagnostics(d[w])
                              .build())));
        }
        for (Future<?> f : work) f.get(60, TimeUnit.SECONDS);
        for (int i = 0; i < k; i++) {
          assertEquals(
              1,
              calls[i],
              opt.name()
                  + ": worker "
                  + i
                  + " called the reducer "
                  + calls[i]
                  + " times at step "
                  + t
                  + " (must be exactly once)");
          assertEquals(
              d[0].values(),
              d[i].values(),
              opt.name() + ": workers disagree on the diagnostics at step " + t);
        }
        rows.add(x.toDoubleVector());
        diags.add(Map.copyOf(d[0].values()));
      }
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      throw new AssertionError(opt.name() + ": sharded run failed: " + e, e);
    } finally {
      pool.shutdownNow();
    }
    return new Trajectory(rows, diags);
  }

  /**
   * Runs both and asserts every parameter and every diagnostic of every step agree to {@code
   * relTol}.
   */
  public static void assertShardedMatchesUnsharded(
      Optimizer opt,
      ParamLayout layout,
      INDArray x0,
      GradientFn grad,
      long[] cuts,
      int steps,
      LongToDoubleFunction lrScale,
      double relTol) {
    Trajectory a = unsharded(opt, layout, x0, grad, steps, lrScale);
    Trajectory b = sharded(opt, layout, x0, grad, cuts, steps, lrScale);
    for (int t = 0; t < steps; t++) {
      double[] ra = a.params().get(t);
      double[] rb = b.params().get(t);
      double scale = 0;
      for (double v : ra) scale = Math.max(scale, Math.abs(v));
      for (int i = 0; i < ra.length; i++) {
        if (!close(ra[i], rb[i], relTol, scale))
          fail(
              opt.name() + " step " + t + " p" + i + ": unsharded " + ra[i] + ", sharded " + rb[i]);
      }
      for (Map.Entry<String, Double> e : a.diagnostics().get(t).entrySet()) {
        Double other = b.diagnostics().get(t).get(e.getKey());
        if (other == null || !close(e.getValue(), other, relTol, diagnosticScale(a, e.getKey()))) {
          fail(
              opt.name()
                  + " step "
                  + t
                  + " diagnostic "
                  + e.getKey()
                  + ": unsharded "
                  + e.getValue()
                  + ", sharded "
                  + other);
        }
      }
    }
  }

  /**
   * The largest magnitude a diagnostic takes over the unsharded run: like the parameters, a
   * diagnostic is compared relative to max(|value|, 1e-3 * scale), so a value that is zero up to
   * rounding (D-Adaptation's d_hat on its first step, a difference of two equal sums) is not
   * compared digit for digit; its rounding depends on how the sums are split across workers.
   */
  private static double diagnosticScale(Trajectory t, String key) {
    double scale = 0;
    for (Map<String, Double> d : t.diagnostics()) {
      Double v = d.get(key);
      if (v != null && Double.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    }
    return scale;
  }

  private static boolean close(double a, double b, double relTol, double scale) {
    return Math.abs(a - b) <= relTol * Math.max(Math.abs(a), 1e-3 * scale) || (a == b);
  }

  /**
   * Sums each call's partials over K threads: deposit, wait for all, sum in worker order, wait
   * again before slots are reused.
   */
  static final class BarrierReducer {
    private final double[][] slots;
    private final CyclicBarrier deposited;
    private final CyclicBarrier read;

    BarrierReducer(int k) {
      slots = new double[k][];
      deposited = new CyclicBarrier(k);
      read = new CyclicBarrier(k);
    }

    double[] sum(int worker, double[] partials) {
      slots[worker] = partials.clone();
      await(deposited);
      double[] out = new double[partials.length];
      for (double[] s : slots) {
        if (s.length != out.length)
          throw new IllegalStateException(
              "workers reduce arrays of different lengths: " + s.length + " vs " + out.length);
        for (int j = 0; j < out.length; j++) out[j] += s[j];
      }
      await(read);
      return out;
    }

    private static void await(CyclicBarrier b) {
      try {
        b.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
        throw new IllegalStateException(
            "reducer barrier failed (a worker skipped or repeated its reduction?): " + e, e);
      }
    }
  }
}
