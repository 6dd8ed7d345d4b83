package org.optimbench.optim.internal;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The CPU fast path of an optimizer step: one pass over equal-length vectors (parameters, gradient,
 * state) that does all of a method's elementwise arithmetic, and the global sums it needs, in plain
 * Java loops over the arrays' native buffers, instead of one ND4J op (one pass over memory) per
 * arithmetic operation. An Adam step written with ND4J ops makes 8-12 passes over 10M floats, a
 * D-Adaptation step 15-25; a fused step makes one, or two where a global sum decides the update.
 *
 * <p>When it applies ({@link #applies}): the switch is on (system property {@value #PROPERTY},
 * default {@code true}; {@code -Doptimbench.fused=false} forces the ND4J-op path), the backend is
 * ND4J's CPU backend (on CUDA the native buffers live on the device, so methods keep their ND4J ops
 * there), and every array is float32 or float64, all of one dtype and length, and a unit-stride
 * vector (rank 1, or [1, n] / [n, 1]; 'c' or 'f'; views with any offset into a larger buffer, as
 * {@link org.optimbench.optim.ModelView} segments and DL4J's flattened parameters are). Otherwise a
 * method runs its ND4J ops unchanged. Strided views (Prodigy's slice_p) never take this path.
 *
 * <p>How: a {@link Pass} streams its operands in chunks of {@value #CHUNK} elements: a bulk copy of
 * each chunk into a heap array, the {@link Kernel}'s loops over the chunk, a bulk copy back of the
 * arrays it writes. The copies stay in L1; loops over heap arrays are what C2 (JDK 17) vectorizes.
 * Indexing the NIO buffers directly, or computing float32 data in double (per-element conversions),
 * measured clearly slower on an Adam step (BENCHMARKS.md, "Measurements behind code choices").
 * Kernels therefore come in two versions, {@code floats} and {@code doubles}, with the same
 * formulas in the same order as the method's ND4J ops; float32 arrays are computed in float
 * arithmetic with float constants, as ND4J computes them. Kernel loops are kept free of what was
 * measured to stop the vectorizer (a conditional, {@code Math.abs}, a loop storing five arrays):
 * coupled weight decay is a separate loop ({@link #decayed}), and the per-element terms of a global
 * sum go to a scratch chunk (or are products that {@link #dot} forms) and are added up by {@link
 * #sum}, {@link #sumAbs} or {@link #dot} in a fixed order (a full float32 chunk folded in float
 * into 16 lanes that are added in double, float64 and shorter chunks in eight interleaved double
 * partial sums; chunk by chunk within a block of {@value #BLOCK} elements, block sums in block
 * order), so a step is deterministic. The pass allocates no ND4J arrays (nothing in the step
 * workspace) and never writes an operand declared {@link Pass#read read}.
 *
 * <p>Threads: the blocks of a pass are shared among {@link #threads()} threads (system property
 * {@value #THREADS_PROPERTY}, default ND4J's own thread count, i.e. {@code OMP_NUM_THREADS}; the
 * scripts and Spark executors run one per task). The arithmetic of a block and the order in which
 * block sums are combined do not depend on the thread count, so results are the same bits with 1
 * thread or 16. One core does not reach the memory bus's bandwidth (a fused copy on one thread
 * measured slower than ND4J's copy, and on two threads faster), which is what extra threads buy
 * back for the bandwidth-bound steps (BENCHMARKS.md, "Optimizer step" and "Measurements behind code
 * choices").
 */
public final class Fused {
  /** The switch: {@code false} forces every method onto its ND4J-op path. Read at every step. */
  public static final String PROPERTY = "optimbench.fused";

  /**
   * Elements per chunk. Small chunks let the hardware prefetcher stream the next chunk while the
   * kernel computes; 128 measured fastest on an Adam pass, larger chunks slower and 64 slower again
   * from per-chunk overhead (BENCHMARKS.md, "Measurements behind code choices"). The float sums'
   * lane fold ({@link #sum(float[], int)}) is written for this size.
   */
  static final int CHUNK = 128;

  /**
   * Elements per block: the unit of work of one thread, and the unit of a pass's global sums (each
   * block sums its chunks in order, and the blocks' sums are added in block order), so the sums,
   * and every result, are the same bits whatever the number of threads. A multiple of {@link
   * #CHUNK}.
   */
  static final int BLOCK = 1 << 16;

  /**
   * A pass is split only where each thread gets at least this many blocks: handing work to a pool
   * thread costs a sizeable fraction of a block's work, and a step whose segments had fewer blocks
   * each measured slower on 2 threads than on 1 (BENCHMARKS.md, "Measurements behind code
   * choices").
   */
  static final int MIN_BLOCKS_PER_THREAD = 2;

  /**
   * Threads of a fused pass: this system property, else ND4J's own thread count ({@code
   * OMP_NUM_THREADS}).
   */
  public static final String THREADS_PROPERTY = "optimbench.fused.threads";

  private static volatile Boolean cpuBackend;
  private static volatile int nd4jThreads;
  private static final ExecutorService POOL =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "optimbench-fused");
            t.setDaemon(true);
            return t;
          });
  private static final AtomicLong PASSES = new AtomicLong();
  private static final AtomicLong PARALLEL_PASSES = new AtomicLong();

  private Fused() {}

  /**
   * How many fused passes have run in this JVM (lets tests and benchmarks see which path a step
   * took).
   */
  public static long passes() {
    return PASSES.get();
  }

  /** How many fused passes have run on more than one thread in this JVM. */
  public static long parallelPasses() {
    return PARALLEL_PASSES.get();
  }

  /** Whether the switch is on (it is unless the system property is {@code false}). */
  public static boolean enabled() {
    return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim());
  }

  /**
   * Threads a pass may use: {@value #THREADS_PROPERTY} if set and positive, else ND4J's thread
   * count (read once).
   */
  public static int threads() {
    int t = Integer.getInteger(THREADS_PROPERTY, 0);
    if (t > 0) return t;
    if (nd4jThreads == 0) nd4jThreads = Math.max(1, Nd4j.getEnvironment().maxThreads());
    return nd4jThreads;
  }

  /**
   * Runs {@code body(0)} on this thread and {@code body(1..workers-1)} on pool threads, and returns
   * when all have finished (rethrowing the first failure). Pool tasks never wait on each other, so
   * concurrent passes (several Spark tasks in one executor) cannot deadlock.
   */
  private static void parallel(int workers, IntConsumer body) {
    List<Future<?>> futures = new ArrayList<>(workers - 1);
    for (int w = 1; w < workers; w++) {
      int id = w;
      futures.add(POOL.submit(() -> body.accept(id)));
    }
    Throwable failure = null;
    try {
      body.accept(0);
    } catch (RuntimeException | Error e) {
      failure = e;
    }
    boolean interrupted = false;
    for (Future<?> f : futures) {
      while (true) {
        try {
          f.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true; // the pool threads are writing our arrays: finish waiting first
        } catch (ExecutionException e) {
          if (failure == null) failure = e.getCause();
          break;
        }
      }
    }
    if (interrupted) Thread.currentThread().interrupt();
    if (failure instanceof RuntimeException re) throw re;
    if (failure instanceof Error er) throw er;
    if (failure != null) throw new IllegalStateException("fused pass failed", failure);
  }

  private static boolean cpu() {
    Boolean b = cpuBackend;
    if (b == null) cpuBackend = b = Nd4j.getEnvironment().isCPU();
    return b;
  }

  /**
   * True when a fused pass may run over {@code arrays}: switch on, CPU backend, and all arrays
   * float32 or float64 of one dtype, one length, each a unit-stride vector whose native buffer is
   * addressable with int indices.
   */
  public static boolean applies(INDArray... arrays) {
    if (!enabled() || !cpu()) return false;
    DataType dt = arrays[0].dataType();
    if (dt != DataType.FLOAT && dt != DataType.DOUBLE) return false;
    long n = arrays[0].length();
    for (INDArray a : arrays) {
      if (a.dataType() != dt || a.length() != n || a.isEmpty() || !unitStride(a)) return false;
      if (a.data().dataType() != dt || a.data().offset() + n > Integer.MAX_VALUE) return false;
    }
    return true;
  }

  /**
   * Every dimension longer than 1 has stride 1; with at most one such dimension, element i is at
   * buffer offset + i.
   */
  private static boolean unitStride(INDArray a) {
    int longDims = 0;
    for (int d = 0; d < a.rank(); d++) {
      if (a.size(d) > 1) {
        if (a.stride(d) != 1) return false;
        longDims++;
      }
    }
    return longDims <= 1;
  }

  /**
   * The arithmetic of one pass, once per dtype, on chunks: {@code c[i]} holds the current chunk of
   * operand i (in declaration order, then the scratch chunks), valid at {@code [0, len)}. A kernel
   * writes every element of its {@code update}/{@code write} operands' chunks and adds its global
   * sums to {@code sums} (length {@link #sums()}), each through {@link Fused#sum}, {@link
   * Fused#sumAbs} or {@link Fused#dot}.
   */
  public interface Kernel {
    default int sums() {
      return 0;
    }

    void floats(float[][] c, int len, double[] sums);

    void doubles(double[][] c, int len, double[] sums);
  }

  /** A new pass; declare its operands in the order the kernel reads its chunks. */
  public static Pass pass() {
    return new Pass();
  }

  /** Operands of one kernel: which arrays are loaded, which are written back. */
  public static final class Pass {
    private static final int READ = 1;
    private static final int WRITE = 2;
    private final List<INDArray> arrays = new ArrayList<>();
    private final List<Integer> modeList = new ArrayList<>();
    private int scratch;
    // Resolved at the first run: the access mode, NIO buffer and buffer index of element 0 of each
    // operand.
    private int[] modes;
    private FloatBuffer[] floatBufs;
    private DoubleBuffer[] doubleBufs;
    private int[] base;

    private Pass() {}

    /** An operand the kernel only reads (never written back). */
    public Pass read(INDArray a) {
      return add(a, READ);
    }

    /** An operand the kernel reads and overwrites. */
    public Pass update(INDArray a) {
      return add(a, READ | WRITE);
    }

    /** An operand the kernel overwrites without reading (not loaded: its chunk holds garbage). */
    public Pass write(INDArray a) {
      return add(a, WRITE);
    }

    /**
     * {@code k} scratch chunks after the operands (a kernel's temporaries: a decayed gradient, a
     * denominator, the terms of a sum).
     */
    public Pass scratch(int k) {
      scratch += k;
      return this;
    }

    private Pass add(INDArray a, int mode) {
      if (modes != null)
        throw new IllegalStateException("operands are fixed once the pass has run");
      arrays.add(a);
      modeList.add(mode);
      return this;
    }

    /** Runs the kernel over all elements. */
    public double[] run(Kernel k) {
      return run(k, 0, arrays.get(0).length());
    }

    /**
     * Runs the kernel over elements {@code [from, to)} of every operand and returns its sums. The
     * operands must satisfy {@link Fused#applies}.
     */
    public double[] run(Kernel k, long from, long to) {
      double[] sums = new double[k.sums()];
      int n = Math.toIntExact(to - from);
      if (n <= 0) return sums;
      resolve();
      PASSES.incrementAndGet();
      int blocks = (n + BLOCK - 1) / BLOCK;
      int workers = Math.min(threads(), blocks / MIN_BLOCKS_PER_THREAD);
      double[][] part = new double[blocks][sums.length];
      if (workers <= 1) {
        Chunks c = new Chunks(n);
        for (int b = 0; b < blocks; b++) block(k, c, from, b, n, part[b]);
      } else {
        PARALLEL_PASSES.incrementAndGet();
        parallel(
            workers,
            w -> {
              Chunks c = new Chunks(n);
              for (int b = w; b < blocks; b += workers) block(k, c, from, b, n, part[b]);
            });
      }
      for (double[] p : part) for (int i = 0; i < sums.length; i++) sums[i] += p[i];
      return sums;
    }

    /** The chunk arrays of one worker. */
    private final class Chunks {
      final float[][] f;
      final double[][] d;

      Chunks(int n) {
        int chunk = Math.min(CHUNK, n);
        f = floatBufs != null ? new float[arrays.size() + scratch][chunk] : null;
        d = floatBufs != null ? null : new double[arrays.size() + scratch][chunk];
      }
    }

    /**
     * Block {@code b} of the pass (elements {@code [b BLOCK, min((b + 1) BLOCK, n))} after {@code
     * from}), chunk by chunk; its sums go to {@code sums}.
     */
    private void block(Kernel k, Chunks ch, long from, int b, int n, double[] sums) {
      int ops = arrays.size();
      int end = (int) Math.min((long) (b + 1) * BLOCK, n);
      if (ch.f != null) {
        float[][] c = ch.f;
        int chunk = c[0].length;
        for (int at = b * BLOCK; at < end; at += chunk) {
          int len = Math.min(chunk, end - at);
          int off = (int) from + at;
          for (int i = 0; i < ops; i++)
            if ((modes[i] & READ) != 0) floatBufs[i].get(base[i] + off, c[i], 0, len);
          k.floats(c, len, sums);
          for (int i = 0; i < ops; i++)
            if ((modes[i] & WRITE) != 0) floatBufs[i].put(base[i] + off, c[i], 0, len);
        }
      } else {
        double[][] c = ch.d;
        int chunk = c[0].length;
        for (int at = b * BLOCK; at < end; at += chunk) {
          int len = Math.min(chunk, end - at);
          int off = (int) from + at;
          for (int i = 0; i < ops; i++)
            if ((modes[i] & READ) != 0) doubleBufs[i].get(base[i] + off, c[i], 0, len);
          k.doubles(c, len, sums);
          for (int i = 0; i < ops; i++)
            if ((modes[i] & WRITE) != 0) doubleBufs[i].put(base[i] + off, c[i], 0, len);
        }
      }
    }

    private void resolve() {
      if (modes != null) return;
      int ops = arrays.size();
      modes = modeList.stream().mapToInt(Integer::intValue).toArray();
      base = new int[ops];
      if (arrays.get(0).dataType() == DataType.FLOAT) {
        floatBufs = new FloatBuffer[ops];
        for (int i = 0; i < ops; i++) {
          floatBufs[i] = arrays.get(i).data().asNioFloat(); // positioned at the view's offset
          base[i] = floatBufs[i].position();
        }
      } else {
        doubleBufs = new DoubleBuffer[ops];
        for (int i = 0; i < ops; i++) {
          doubleBufs[i] = arrays.get(i).data().asNioDouble();
          base[i] = doubleBufs[i].position();
        }
      }
    }
  }

  /**
   * ||a||_1 summed exactly as a kernel's {@link #sumAbs} sums it over a whole-vector pass, so code
   * that recomputes a step's sum from a state (D-Adaptation's reconcile after a merge) gets the
   * step's value bit for bit.
   */
  public static double norm1(INDArray a) {
    return sumOver(a, Fused::sumAbs, Fused::sumAbs);
  }

  /**
   * Sum of squares of {@code a} in one pass (each square rounded to the dtype, accumulated in
   * double as {@link #dot}), which measured faster than ND4J's {@code norm2Number} (BENCHMARKS.md,
   * "Measurements behind code choices"). {@code a} must satisfy {@link #applies}.
   */
  public static double sumSq(INDArray a) {
    return sumOver(a, (c, len) -> dot(c, c, len), (c, len) -> dot(c, c, len));
  }

  /** One sum over a chunk of floats. */
  private interface FloatChunkSum {
    double of(float[] chunk, int len);
  }

  /** One sum over a chunk of doubles. */
  private interface DoubleChunkSum {
    double of(double[] chunk, int len);
  }

  /** A one-operand, one-sum pass: the chunks' sums added in the pass's fixed order. */
  private static double sumOver(INDArray a, FloatChunkSum floats, DoubleChunkSum doubles) {
    return pass()
        .read(a)
        .run(
            new Kernel() {
              @Override
              public int sums() {
                return 1;
              }

              @Override
              public void floats(float[][] c, int len, double[] sums) {
                sums[0] += floats.of(c[0], len);
              }

              @Override
              public void doubles(double[][] c, int len, double[] sums) {
                sums[0] += doubles.of(c[0], len);
              }
            })[0];
  }

  /**
   * {sum, L1 norm, sum of squares} of {@code a} in one pass (sums as {@link #sum}, {@link #sumAbs}
   * and {@link #dot}): a fingerprint of an array in one read instead of ND4J's three reductions
   * (BENCHMARKS.md, "Measurements behind code choices"). {@code a} must satisfy {@link #applies}.
   */
  public static double[] moments(INDArray a) {
    return pass()
        .read(a)
        .run(
            new Kernel() {
              @Override
              public int sums() {
                return 3;
              }

              @Override
              public void floats(float[][] c, int len, double[] sums) {
                sums[0] += sum(c[0], len);
                sums[1] += sumAbs(c[0], len);
                sums[2] += dot(c[0], c[0], len);
              }

              @Override
              public void doubles(double[][] c, int len, double[] sums) {
                sums[0] += sum(c[0], len);
                sums[1] += sumAbs(c[0], len);
                sums[2] += dot(c[0], c[0], len);
              }
            });
  }

  /**
   * A gradient chunk with coupled (L2) weight decay, {@code out = g + wd * p}, or {@code g} itself
   * when {@code p} is null. (A separate loop: a conditional inside a kernel's main loop measured to
   * stop the JIT from vectorizing it.)
   */
  public static float[] decayed(float[] g, float wd, float[] p, float[] out, int len) {
    if (p == null) return g;
    for (int j = 0; j < len; j++) out[j] = g[j] + wd * p[j];
    return out;
  }

  /** As {@link #decayed(float[], float, float[], float[], int)}. */
  public static double[] decayed(double[] g, double wd, double[] p, double[] out, int len) {
    if (p == null) return g;
    for (int j = 0; j < len; j++) out[j] = g[j] + wd * p[j];
    return out;
  }

  /** Per-thread scratch of {@link #sum(float[], int)} and its kin: 64 floats. */
  private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[64]);

  private static float[] lanes() {
    return LANES.get();
  }

  /**
   * The sum of a full chunk's 64 pairwise float sums {@code f[0, 64)}: folded in float to 16 lanes
   * ({@code (f[j] + f[j + 16]) + (f[j + 32] + f[j + 48])}), the lanes added in double with two
   * interleaved partial sums. Each lane adds 8 float terms, so the float rounding it adds is a few
   * ulps of the terms' magnitudes, far below what ND4J's own float32 sums lose.
   */
  private static double foldLanes(float[] f) {
    for (int j = 0; j < 16; j++) f[j] = (f[j] + f[j + 16]) + (f[j + 32] + f[j + 48]);
    double a0 = 0;
    double a1 = 0;
    for (int j = 0; j < 16; j += 2) {
      a0 += f[j];
      a1 += f[j + 1];
    }
    return a0 + a1;
  }

  /**
   * Sum of {@code t[0, len)}: a full chunk ({@value #CHUNK} elements) is folded in float into 16
   * lanes of 8 terms each and the lanes are added in double ({@link #foldLanes}); a shorter one (a
   * tail, or a vector shorter than a chunk) in double with eight interleaved partial sums. A fixed
   * order either way, so deterministic. The float fold is what C2 (JDK 17) vectorizes; adding every
   * float term in double needs a per-element float-to-double conversion, which it does not, and
   * kept the sums of a fused step slower than its memory traffic (BENCHMARKS.md, "Optimizer step").
   */
  public static double sum(float[] t, int len) {
    if (len == CHUNK) {
      float[] f = lanes();
      for (int j = 0; j < 64; j++) f[j] = t[j] + t[j + 64];
      return foldLanes(f);
    }
    double a0 = 0;
    double a1 = 0;
    double a2 = 0;
    double a3 = 0;
    double a4 = 0;
    double a5 = 0;
    double a6 = 0;
    double a7 = 0;
    int j = 0;
    for (; j + 7 < len; j += 8) {
      a0 += t[j];
      a1 += t[j + 1];
      a2 += t[j + 2];
      a3 += t[j + 3];
      a4 += t[j + 4];
      a5 += t[j + 5];
      a6 += t[j + 6];
      a7 += t[j + 7];
    }
    for (; j < len; j++) a0 += t[j];
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
  }

  /** Sum of {@code t[0, len)}, as {@link #sum(float[], int)}. */
  public static double sum(double[] t, int len) {
    double a0 = 0;
    double a1 = 0;
    double a2 = 0;
    double a3 = 0;
    double a4 = 0;
    double a5 = 0;
    double a6 = 0;
    double a7 = 0;
    int j = 0;
    for (; j + 7 < len; j += 8) {
      a0 += t[j];
      a1 += t[j + 1];
      a2 += t[j + 2];
      a3 += t[j + 3];
      a4 += t[j + 4];
      a5 += t[j + 5];
      a6 += t[j + 6];
      a7 += t[j + 7];
    }
    for (; j < len; j++) a0 += t[j];
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
  }

  /**
   * Sum of {@code a[j] * b[j]} over {@code [0, len)}: each product rounded to float (as a scratch
   * chunk of products would be), added up as {@link #sum(float[], int)} adds.
   */
  public static double dot(float[] a, float[] b, int len) {
    if (len == CHUNK) {
      float[] f = lanes();
      for (int j = 0; j < 64; j++) f[j] = a[j] * b[j] + a[j + 64] * b[j + 64];
      return foldLanes(f);
    }
    double a0 = 0;
    double a1 = 0;
    double a2 = 0;
    double a3 = 0;
    double a4 = 0;
    double a5 = 0;
    double a6 = 0;
    double a7 = 0;
    int j = 0;
    for (; j + 7 < len; j += 8) {
      a0 += a[j] * b[j];
      a1 += a[j + 1] * b[j + 1];
      a2 += a[j + 2] * b[j + 2];
      a3 += a[j + 3] * b[j + 3];
      a4 += a[j + 4] * b[j + 4];
      a5 += a[j + 5] * b[j + 5];
      a6 += a[j + 6] * b[j + 6];
      a7 += a[j + 7] * b[j + 7];
    }
    for (; j < len; j++) a0 += a[j] * b[j];
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
  }

  /** Sum of {@code a[j] * b[j]} over {@code [0, len)}, as {@link #sum(double[], int)}. */
  public static double dot(double[] a, double[] b, int len) {
    double a0 = 0;
    double a1 = 0;
    double a2 = 0;
    double a3 = 0;
    double a4 = 0;
    double a5 = 0;
    double a6 = 0;
    double a7 = 0;
    int j = 0;
    for (; j + 7 < len; j += 8) {
      a0 += a[j] * b[j];
      a1 += a[j + 1] * b[j + 1];
      a2 += a[j + 2] * b[j + 2];
      a3 += a[j + 3] * b[j + 3];
      a4 += a[j + 4] * b[j + 4];
      a5 += a[j + 5] * b[j + 5];
      a6 += a[j + 6] * b[j + 6];
      a7 += a[j + 7] * b[j + 7];
    }
    for (; j < len; j++) a0 += a[j] * b[j];
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
  }

  /**
   * Sum of {@code |t[0, len)|}, added up as {@link #sum(float[], int)} adds. (A separate loop: an
   * {@code abs} inside a kernel's main loop measured to stop the JIT from vectorizing it.)
   */
  public static double sumAbs(float[] t, int len) {
    if (len == CHUNK) {
      float[] f = lanes();
      for (int j = 0; j < 64; j++) f[j] = Math.abs(t[j]) + Math.abs(t[j + 64]);
      return foldLanes(f);
    }
    double a0 = 0;
    double a1 = 0;
    double a2 = 0;
    double a3 = 0;
    double a4 = 0;
    double a5 = 0;
    double a6 = 0;
    double a7 = 0;
    int j = 0;
    for (; j + 7 < len; j += 8) {
      a0 += Math.abs(t[j]);
      a1 += Math.abs(t[j + 1]);
      a2 += Math.abs(t[j + 2]);
      a3 += Math.abs(t[j + 3]);
      a4 += Math.abs(t[j + 4]);
      a5 += Math.abs(t[j + 5]);
      a6 += Math.abs(t[j + 6]);
      a7 += Math.abs(t[j + 7]);
    }
    for (; j < len; j++) a0 += Math.abs(t[j]);
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
  }

  /** Sum of {@code |t[0, len)|}, as {@link #sum(double[], int)}. */
  public static double sumAbs(double[] t, int len) {
    double a0 = 0;
    double a1 = 0;
    double a2 = 0;
    double a3 = 0;
    double a4 = 0;
    double a5 = 0;
    double a6 = 0;
    double a7 = 0;
    int j = 0;
    for (; j + 7 < len; j += 8) {
      a0 += Math.abs(t[j]);
      a1 += Math.abs(t[j + 1]);
      a2 += Math.abs(t[j + 2]);
      a3 += Math.abs(t[j + 3]);
      a4 += Math.abs(t[j + 4]);
      a5 += Math.abs(t[j + 5]);
      a6 += Math.abs(t[j + 6]);
      a7 += Math.abs(t[j + 7]);
    }
    for (; j < len; j++) a0 += Math.abs(t[j]);
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
  }
}
