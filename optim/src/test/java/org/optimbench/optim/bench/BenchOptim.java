package org.optimbench.optim.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.Optimizers;
import org.optimbench.optim.ParamLayout;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.internal.Fused;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;

/**
 * {@code scripts/bench-optim [SIZES...]}: times one step of every registered optimizer on float32
 * models of the given sizes (default 1M and 10M parameters, in 8 equal segments), side by side in
 * one run with DL4J's built-in fused Adam updater ({@code applyUpdater} then {@code params.subi},
 * what a DL4J training step does) and with a plain copy of the same arrays (measured memory
 * bandwidth). Prints, per optimizer, the ratio to the built-in Adam and to its memory-traffic
 * floor: the bytes the algorithm must move (read params, gradient and every state array; write
 * params and every state array) divided by the measured copy bandwidth: the faster of ND4J's copy
 * and a fused copy pass on the fused path's threads ({@code -Doptimbench.fused.threads}, default
 * {@code OMP_NUM_THREADS}). {@code -Dbench.warmup} and {@code -Dbench.steps} set the step counts.
 *
 * <p>The spec benchmarked for each optimizer is the one in {@code contract/NAME.json}. Times are
 * the median of the timed steps after warm-up.
 */
public final class BenchOptim {
  private static final int WARMUP = Integer.getInteger("bench.warmup", 3);
  private static final int STEPS = Integer.getInteger("bench.steps", 11);

  public static void main(String[] args) throws Exception {
    long[] sizes;
    try {
      sizes = checkArgs(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench-optim: " + e.getMessage());
      System.exit(2);
      return;
    }
    String only = System.getProperty("bench.only", "");
    System.out.printf(
        Locale.ROOT,
        "ND4J backend %s, %d cores, OMP_NUM_THREADS=%s, fused-pass threads %d, float32, median of %d steps after %d warm-up%n",
        Nd4j.getBackend().getClass().getSimpleName(),
        Runtime.getRuntime().availableProcessors(),
        System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"),
        Fused.threads(),
        STEPS,
        WARMUP);
    for (long n : sizes) {
      ParamLayout layout = layout(n);
      INDArray params = Nd4j.rand(DataType.FLOAT, n).subi(0.5);
      INDArray grads = Nd4j.rand(DataType.FLOAT, n).subi(0.5).muli(0.01);
      double nd4jCopyMs = timeCopy(params);
      double fusedCopyMs = timeFusedCopy(params);
      double copyMs = Math.min(nd4jCopyMs, fusedCopyMs);
      double bytesPerMs = 2.0 * n * 4 / copyMs;
      double adamMs = timeDl4jAdam(params, grads);
      System.out.printf(Locale.ROOT, "%n== n = %,d (%.0f MB per vector) ==%n", n, n * 4 / 1e6);
      System.out.printf(
          Locale.ROOT,
          "copy: %.2f ms (%.1f GB/s; ND4J %.2f ms, fused pass on %d thread(s) %.2f ms); DL4J Adam (fused): %.2f ms%n",
          copyMs,
          bytesPerMs / 1e6,
          nd4jCopyMs,
          Fused.threads(),
          fusedCopyMs,
          adamMs);
      System.out.printf(
          Locale.ROOT,
          "%-22s %10s %10s %10s %10s %10s%n",
          "optimizer",
          "state MB",
          "ms/step",
          "vs Adam",
          "floor ms",
          "vs floor");
      for (String name : OptimizerRegistry.entries().keySet()) {
        if (Arrays.stream(only.split(",")).noneMatch(name::startsWith)) continue;
        Spec spec = benchSpec(name, layout);
        if (spec == null) {
          System.out.printf(Locale.ROOT, "%-22s (no contract spec)%n", name);
          continue;
        }
        Optimizer opt = OptimizerRegistry.create(spec);
        INDArray p = params.dup();
        ModelView view = new ModelView(layout, p, grads);
        double[] t = new double[STEPS];
        OptimizerState state;
        try {
          state = opt.init(view);
          for (int i = 0; i < WARMUP + STEPS; i++) {
            StepContext ctx = context(i, grads);
            long t0 = System.nanoTime();
            Optimizers.step(opt, view, state, ctx);
            Nd4j.getExecutioner().commit();
            if (i >= WARMUP) t[i - WARMUP] = (System.nanoTime() - t0) / 1e6;
          }
        } catch (RuntimeException e) {
          System.out.printf(Locale.ROOT, "%-22s not run: %s%n", name, e.getMessage());
          continue;
        }
        double ms = median(t);
        double floorBytes = 3.0 * n * 4 + 2.0 * state.arrayBytes();
        double floorMs = floorBytes / bytesPerMs;
        System.out.printf(
            Locale.ROOT,
            "%-22s %10.1f %10.2f %10.2f %10.2f %10.2f%n",
            name,
            state.arrayBytes() / 1e6,
            ms,
            ms / adamMs,
            floorMs,
            ms / floorMs);
      }
    }
  }

  /**
   * The model sizes the arguments ask for (positive parameter counts), or 1M and 10M without
   * arguments. Runs nothing, so {@code BenchmarksDocTest} can check the commands of BENCHMARKS.md.
   *
   * @throws IllegalArgumentException naming the first argument that is not a positive count
   */
  public static long[] checkArgs(String[] args) {
    if (args.length == 0) return new long[] {1_000_000L, 10_000_000L};
    long[] sizes = new long[args.length];
    for (int i = 0; i < args.length; i++) {
      try {
        sizes[i] = Long.parseLong(args[i]);
      } catch (NumberFormatException e) {
        sizes[i] = -1;
      }
      if (sizes[i] <= 0)
        throw new IllegalArgumentException(
            "size '" + args[i] + "' is not a positive number of parameters");
    }
    return sizes;
  }

  private static ParamLayout layout(long n) {
    ParamLayout.Builder b = ParamLayout.builder();
    long per = n / 8;
    for (int i = 0; i < 7; i++) b.add("layer" + i, per);
    return b.add("layer7", n - 7 * per).build();
  }

  /**
   * Everything a method may ask for: a loss, ids, a store, an identity-Hessian oracle, a validation
   * gradient.
   */
  private static StepContext context(int step, INDArray grads) {
    return StepContext.builder()
        .step(step)
        .loss(1.0 / (1 + step))
        .exampleIds(new long[] {step, step + 1L})
        .exampleStore(new org.optimbench.optim.HashExampleStore())
        .hvp(v -> v.dup())
        .validationGradient(at -> grads)
        .build();
  }

  private static Spec benchSpec(String name, ParamLayout layout) throws Exception {
    try (InputStream in = BenchOptim.class.getResourceAsStream("/contract/" + name + ".json")) {
      if (in == null) return null;
      JsonNode n = new ObjectMapper().readTree(in);
      Spec s = Spec.fromJson(n.get("spec"), "spec", false);
      if (!name.equals("layer_scaled")) return s;
      // Its multipliers name the contract model's segments: give every bench segment one.
      java.util.Map<String, Object> hp = new java.util.LinkedHashMap<>(s.hparams());
      java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
      for (int i = 0; i < layout.size(); i++)
        m.put(layout.segment(i).name(), i % 2 == 0 ? 1.0 : 0.5);
      hp.put("multipliers", m);
      return new Spec(name, hp);
    }
  }

  /** Median time of ND4J's copy ({@code assign}) of {@code src}. */
  private static double timeCopy(INDArray src) {
    INDArray dst = src.dup();
    return time(
        () -> {
          dst.assign(src);
          Nd4j.getExecutioner().commit();
        });
  }

  /**
   * Median time of a fused copy pass of {@code src} ({@link Fused}: chunked Java copies, on {@link
   * Fused#threads()} threads). With several threads it can move more bytes per second than ND4J's
   * copy, and the floor must not be slower than what the optimizers themselves achieve.
   */
  private static double timeFusedCopy(INDArray src) {
    INDArray dst = src.dup();
    Fused.Kernel copy =
        new Fused.Kernel() {
          @Override
          public void floats(float[][] c, int len, double[] sums) {
            System.arraycopy(c[0], 0, c[1], 0, len);
          }

          @Override
          public void doubles(double[][] c, int len, double[] sums) {
            System.arraycopy(c[0], 0, c[1], 0, len);
          }
        };
    return time(() -> Fused.pass().read(src).write(dst).run(copy));
  }

  private static double time(Runnable r) {
    double[] t = new double[STEPS];
    for (int i = 0; i < WARMUP + STEPS; i++) {
      long t0 = System.nanoTime();
      r.run();
      if (i >= WARMUP) t[i - WARMUP] = (System.nanoTime() - t0) / 1e6;
    }
    return median(t);
  }

  private static double timeDl4jAdam(INDArray params, INDArray grads) {
    Adam cfg = new Adam(1e-3);
    long n = params.length();
    INDArray view = Nd4j.zeros(DataType.FLOAT, 1, cfg.stateSize(n));
    GradientUpdater<?> u = cfg.instantiate(view, true);
    INDArray p = params.dup();
    INDArray g = grads.dup();
    double[] t = new double[STEPS];
    for (int i = 0; i < WARMUP + STEPS; i++) {
      g.assign(grads); // untimed: DL4J writes the update into the gradient view in place
      Nd4j.getExecutioner().commit();
      long t0 = System.nanoTime();
      u.applyUpdater(g, i, 0);
      p.subi(g);
      Nd4j.getExecutioner().commit();
      if (i >= WARMUP) t[i - WARMUP] = (System.nanoTime() - t0) / 1e6;
    }
    return median(t);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private BenchOptim() {}
}
