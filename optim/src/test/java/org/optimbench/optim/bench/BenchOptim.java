package org.optimbench.optim.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleSupplier;
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
 * {@code OMP_NUM_THREADS}).
 *
 * <p>Steady state, as {@code bench-train} measures it: every contestant (the two copies, DL4J's
 * Adam, every optimizer) is first stepped for {@code -Dbench.warmup} seconds (default 2), so the
 * timed steps run JIT-compiled code whatever a method's step costs; then {@code -Dbench.rounds}
 * rounds (default 5) each time every contestant once, in alternating order, as the median of {@code
 * -Dbench.steps} steps (default 11) on fresh state (two untimed steps first, which touch its new
 * memory). Ratios are taken within a round, so a slow phase of the shared host hits both sides, and
 * reported as median [min-max] over the rounds. The spec benchmarked for each optimizer is the one
 * in {@code contract/NAME.json}. BENCHMARKS.md, "Optimizer step".
 */
public final class BenchOptim {
  private static final double WARMUP_SECONDS =
      Double.parseDouble(System.getProperty("bench.warmup", "2"));
  private static final int STEPS = Integer.getInteger("bench.steps", 11);
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 5);

  /** One thing timed: warmed once, then asked for one round's median ms per step. */
  private interface Contestant {
    /** Steps it for {@link #WARMUP_SECONDS}; the JIT-compiled code stays for the rounds. */
    void warm();

    /** Median ms of {@link #STEPS} steps, on fresh state where it has state. */
    double round();
  }

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
        "ND4J backend %s, %d cores, OMP_NUM_THREADS=%s, fused-pass threads %d, float32; %.1f s"
            + " warm-up per contestant, then %d interleaved rounds of the median of %d steps;"
            + " load average %s%n",
        Nd4j.getBackend().getClass().getSimpleName(),
        Runtime.getRuntime().availableProcessors(),
        System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"),
        Fused.threads(),
        WARMUP_SECONDS,
        ROUNDS,
        STEPS,
        loadAverage());
    for (long n : sizes) {
      ParamLayout layout = layout(n);
      INDArray params = Nd4j.rand(DataType.FLOAT, n).subi(0.5);
      INDArray grads = Nd4j.rand(DataType.FLOAT, n).subi(0.5).muli(0.01);
      List<String> names = new ArrayList<>();
      List<Contestant> all = new ArrayList<>();
      names.add("(ND4J copy)");
      all.add(copy(params));
      names.add("(fused copy)");
      all.add(fusedCopy(params));
      names.add("(DL4J Adam)");
      all.add(dl4jAdam(params, grads));
      List<Long> stateBytes = new ArrayList<>(List.of(0L, 0L, 0L));
      List<String> skipped = new ArrayList<>();
      for (String name : OptimizerRegistry.entries().keySet()) {
        if (Arrays.stream(only.split(",")).noneMatch(name::startsWith)) continue;
        Spec spec = benchSpec(name, layout);
        if (spec == null) {
          skipped.add(String.format(Locale.ROOT, "%-22s (no contract spec)", name));
          continue;
        }
        Optimizer opt = OptimizerRegistry.create(spec);
        long[] bytes = new long[1];
        Contestant c = optimizer(opt, layout, params, grads, bytes);
        try {
          c.warm();
        } catch (RuntimeException e) {
          skipped.add(String.format(Locale.ROOT, "%-22s not run: %s", name, e.getMessage()));
          continue;
        }
        names.add(name);
        all.add(c);
        stateBytes.add(bytes[0]);
      }
      for (int k = 0; k < 3; k++) all.get(k).warm();

      double[][] ms = new double[all.size()][ROUNDS];
      for (int r = 0; r < ROUNDS; r++) {
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < all.size(); k++) order.add(k);
        if (r % 2 == 1) Collections.reverse(order);
        for (int k : order) ms[k][r] = all.get(k).round();
      }
      // Per round: the copy bandwidth (the faster copy) and DL4J's Adam of that same round.
      double[] bytesPerMs = new double[ROUNDS];
      for (int r = 0; r < ROUNDS; r++) bytesPerMs[r] = 2.0 * n * 4 / Math.min(ms[0][r], ms[1][r]);
      double[] gbs = new double[ROUNDS];
      for (int r = 0; r < ROUNDS; r++) gbs[r] = bytesPerMs[r] / 1e6;
      System.out.printf(
          Locale.ROOT,
          "%n== n = %,d (%.0f MB per vector); load average %s ==%n",
          n,
          n * 4 / 1e6,
          loadAverage());
      System.out.printf(
          Locale.ROOT,
          "copy: ND4J %s ms, fused pass on %d thread(s) %s ms (the faster: %s GB/s); DL4J Adam"
              + " (fused): %s ms%n",
          spread(ms[0], "%.2f"),
          Fused.threads(),
          spread(ms[1], "%.2f"),
          spread(gbs, "%.1f"),
          spread(ms[2], "%.2f"));
      System.out.printf(
          Locale.ROOT,
          "%-22s %8s %24s %20s %20s%n",
          "optimizer",
          "state MB",
          "ms/step",
          "vs DL4J Adam",
          "vs floor");
      for (int k = 3; k < all.size(); k++) {
        double floorBytes = 3.0 * n * 4 + 2.0 * stateBytes.get(k);
        double[] vsAdam = new double[ROUNDS];
        double[] vsFloor = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
          vsAdam[r] = ms[k][r] / ms[2][r];
          vsFloor[r] = ms[k][r] / (floorBytes / bytesPerMs[r]);
        }
        System.out.printf(
            Locale.ROOT,
            "%-22s %8.1f %24s %20s %20s%n",
            names.get(k),
            stateBytes.get(k) / 1e6,
            spread(ms[k], "%.2f"),
            spread(vsAdam, "%.2f"),
            spread(vsFloor, "%.2f"));
      }
      skipped.forEach(System.out::println);
    }
    System.out.printf(Locale.ROOT, "%nload average after: %s%n", loadAverage());
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

  /**
   * The first segment is declared an embedding table (width 16, or the largest of 8, 5, 4, 2, 1
   * dividing it), which only {@code row_sparse} treats differently: the bench's gradient is dense,
   * so every row is touched every step, its most expensive case.
   */
  private static java.util.List<org.optimbench.optim.EmbeddingTable> tables(ParamLayout layout) {
    org.optimbench.optim.Segment first = layout.segment(0);
    long n = first.length();
    long width = 1;
    for (long w : new long[] {16, 8, 5, 4, 2}) {
      if (n % w == 0) {
        width = w;
        break;
      }
    }
    return java.util.List.of(
        new org.optimbench.optim.EmbeddingTable(
            first.name(), first.offset(), n / width, width, width, 1));
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

  /**
   * An optimizer on its own copy of the parameters. Each round starts from fresh state, so only one
   * method's state is alive at a time (all of them at 10M would not fit beside the others' work on
   * this machine); the JIT's code is what the warm-up leaves behind.
   */
  private static Contestant optimizer(
      Optimizer opt, ParamLayout layout, INDArray params, INDArray grads, long[] stateBytes) {
    return new Contestant() {
      @Override
      public void warm() {
        ModelView view = new ModelView(layout, params.dup(), grads, tables(layout));
        OptimizerState state = opt.init(view);
        stateBytes[0] = state.arrayBytes();
        long end = System.nanoTime() + (long) (WARMUP_SECONDS * 1e9);
        int i = 0;
        do { // at least one step, so a method that fails is reported at once
          Optimizers.step(opt, view, state, context(i++, grads));
          Nd4j.getExecutioner().commit();
        } while (System.nanoTime() < end);
      }

      @Override
      public double round() {
        ModelView view = new ModelView(layout, params.dup(), grads, tables(layout));
        OptimizerState state = opt.init(view);
        double[] t = new double[STEPS];
        for (int i = 0; i < 2 + STEPS; i++) {
          StepContext ctx = context(i, grads);
          long t0 = System.nanoTime();
          Optimizers.step(opt, view, state, ctx);
          Nd4j.getExecutioner().commit();
          if (i >= 2) t[i - 2] = (System.nanoTime() - t0) / 1e6;
        }
        return median(t);
      }
    };
  }

  /** ND4J's copy ({@code assign}) of {@code src}. */
  private static Contestant copy(INDArray src) {
    INDArray dst = src.dup();
    return timed(
        () -> {
          dst.assign(src);
          Nd4j.getExecutioner().commit();
        });
  }

  /**
   * A fused copy pass of {@code src} ({@link Fused}: chunked Java copies, on {@link
   * Fused#threads()} threads). With several threads it can move more bytes per second than ND4J's
   * copy, and the floor must not be slower than what the optimizers themselves achieve.
   */
  private static Contestant fusedCopy(INDArray src) {
    INDArray dst = src.dup();
    Fused.Kernel copy =
        new Fused.Kernel() {
          @Override
          public void floats(float[][] c, int len, float[][] acc) {
            System.arraycopy(c[0], 0, c[1], 0, len);
          }

          @Override
          public void doubles(double[][] c, int len, double[][] acc) {
            System.arraycopy(c[0], 0, c[1], 0, len);
          }
        };
    return timed(() -> Fused.pass().read(src).write(dst).run(copy));
  }

  /** A stateless step: {@code r} run and timed. */
  private static Contestant timed(Runnable r) {
    return fromStep(
        () -> {
          long t0 = System.nanoTime();
          r.run();
          return (System.nanoTime() - t0) / 1e6;
        });
  }

  /** A contestant whose steps each return their own ms. */
  private static Contestant fromStep(DoubleSupplier step) {
    return new Contestant() {
      @Override
      public void warm() {
        long end = System.nanoTime() + (long) (WARMUP_SECONDS * 1e9);
        do step.getAsDouble();
        while (System.nanoTime() < end);
      }

      @Override
      public double round() {
        double[] t = new double[STEPS];
        for (int i = 0; i < STEPS; i++) t[i] = step.getAsDouble();
        return median(t);
      }
    };
  }

  private static Contestant dl4jAdam(INDArray params, INDArray grads) {
    Adam cfg = new Adam(1e-3);
    long n = params.length();
    INDArray view = Nd4j.zeros(DataType.FLOAT, 1, cfg.stateSize(n));
    GradientUpdater<?> u = cfg.instantiate(view, true);
    INDArray p = params.dup();
    INDArray g = grads.dup();
    int[] i = {0};
    return fromStep(
        () -> {
          g.assign(grads); // untimed: DL4J writes the update into the gradient view in place
          Nd4j.getExecutioner().commit();
          long t0 = System.nanoTime();
          u.applyUpdater(g, i[0]++, 0);
          p.subi(g);
          Nd4j.getExecutioner().commit();
          return (System.nanoTime() - t0) / 1e6;
        });
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  /** "median [min-max]" in the given format. */
  private static String spread(double[] v, String fmt) {
    double[] s = v.clone();
    Arrays.sort(s);
    return String.format(
        Locale.ROOT, fmt + " [" + fmt + "-" + fmt + "]", median(v), s[0], s[s.length - 1]);
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private BenchOptim() {}
}
