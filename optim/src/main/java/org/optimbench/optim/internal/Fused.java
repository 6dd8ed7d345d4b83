package org.optimbench.optim.internal;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
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
 * coupled weight decay is a separate loop ({@link #decayed}). The per-element terms of a global sum
 * are added, in the dtype, to an accumulator chunk at the element's place; the pass folds each
 * accumulator into its sum every {@value #FOLD} chunks and at the end of each block of {@value
 * #BLOCK} elements ({@link #fold(float[], float[], double[])}), and adds the blocks' sums in block
 * order. The order is fixed, so a step is deterministic. The pass allocates no ND4J arrays (nothing
 * in the step workspace) and never writes an operand declared {@link Pass#read read}. Where the
 * JDK's vector API is on ({@link VectorMath#on()}), a pass runs its kernel's {@link Direct} form
 * instead where it has one, on the native buffers without chunk copies, to the same bits (sums
 * included: the same additions into the same accumulators, folded at the same points).
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
   * from per-chunk overhead (BENCHMARKS.md, "Measurements behind code choices"). The float
   * accumulators' fold ({@link #fold(float[], float[], double[])}) is written for this size.
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
   * Chunks whose terms a sum's accumulator gathers before the pass folds it into the sum: each
   * element of an accumulator adds this many terms in the dtype, one per chunk, and the fold's cost
   * is shared by as many chunks. Folding every chunk cost more than the kernel arithmetic of the
   * sum-heavy steps (BENCHMARKS.md, "Measurements behind code choices"). Divides the chunks of a
   * block.
   */
  static final int FOLD = 8;

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
  private static final AtomicLong DIRECT_PASSES = new AtomicLong();

  private Fused() {}

  /**
   * How many fused passes have run in this JVM (lets tests and benchmarks see which path a step
   * took).
   */
  public static long passes() {
    return PASSES.get();
  }

  /** How many fused passes have run a {@link Direct} kernel in this JVM. */
  public static long directPasses() {
    return DIRECT_PASSES.get();
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
   * writes every element of its {@code update}/{@code write} operands' chunks. Its global sums go
   * through {@code acc}: one accumulator chunk per sum ({@link #sums()} of them), to which the
   * kernel adds each element's term at that element's place, {@code acc[i][j] += term_j} (in its
   * own loops, or through {@link Fused#addAbs} and {@link Fused#addProducts}). The pass folds the
   * accumulators into the sums every {@value Fused#FOLD} chunks and at the end of each block, so a
   * kernel adds its terms and never folds them itself.
   */
  public interface Kernel {
    default int sums() {
      return 0;
    }

    void floats(float[][] c, int len, float[][] acc);

    void doubles(double[][] c, int len, double[][] acc);

    /**
     * The same arithmetic on the operands' native memory ({@link Direct}), or null. Asked for only
     * where {@link VectorMath#on()}; a kernel with sums returns one that implements the accumulator
     * methods.
     */
    default Direct direct() {
      return null;
    }
  }

  /**
   * A kernel's arithmetic written with the JDK's vector API ({@link VectorMath}) on the operands'
   * native buffers, with no chunk copies: a pass runs it block by block in place of {@link
   * Kernel#floats}/{@link Kernel#doubles} where {@link VectorMath#on()}. An Adam pass over 10M
   * floats measured about 1.7 times faster so, against the chunked loops at the same arithmetic
   * (BENCHMARKS.md, "Measurements behind code choices"). It must compute every element with the
   * same operations in the same order as the kernel's loops, so both forms give the same bits
   * ({@code FusedDirectTest}); implementations live in classes of their own, loaded only when a
   * pass runs them. A form implements the pair of methods for its kernel: without sums the
   * block-wise pair, with sums the accumulator pair.
   */
  public interface Direct {
    /**
     * Elements {@code [0, len)} of the operands (in declaration order): operand {@code i}'s element
     * 0 is at byte {@code at[i]} of {@code b[i]} (native byte order).
     */
    default void floats(ByteBuffer[] b, int at, int len) {
      throw new UnsupportedOperationException("a direct form with sums");
    }

    /** As {@link #floats}, float64 operands. */
    default void doubles(ByteBuffer[] b, int at, int len) {
      throw new UnsupportedOperationException("a direct form with sums");
    }

    /**
     * A kernel with sums: as {@link #floats(ByteBuffer[], int, int)} for at most {@value
     * Fused#FOLD} chunks' elements, adding each element's term of sum {@code i} to {@code acc[i][e
     * % CHUNK]} ({@code e} counted from this call's first element, which is where a chunk starts),
     * in element order, in the dtype: the chunked loops' additions, in their order. The pass folds
     * the accumulators after each call, where the chunked pass folds them.
     */
    default void floats(ByteBuffer[] b, int at, int len, float[][] acc) {
      throw new UnsupportedOperationException("a direct form without sums");
    }

    /** As {@link #floats(ByteBuffer[], int, int, float[][])}, float64 operands. */
    default void doubles(ByteBuffer[] b, int at, int len, double[][] acc) {
      throw new UnsupportedOperationException("a direct form without sums");
    }
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
    private ByteBuffer[] bytes; // the operands' buffers as bytes, for a Direct kernel

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
      Direct direct = VectorMath.on() ? k.direct() : null;
      if (direct != null) {
        resolveBytes();
        DIRECT_PASSES.incrementAndGet();
      }
      int stride = Math.max(workers, 1);
      IntConsumer work =
          w -> {
            // a direct form without sums needs no chunks; with sums, their accumulators
            Chunks c = direct != null && sums.length == 0 ? null : new Chunks(n, sums.length);
            for (int b = w; b < blocks; b += stride) {
              if (direct != null) directBlock(direct, c, from, b, n, part[b]);
              else block(k, c, from, b, n, part[b]);
            }
          };
      if (workers <= 1) {
        work.accept(0);
      } else {
        PARALLEL_PASSES.incrementAndGet();
        parallel(workers, work);
      }
      for (double[] p : part) for (int i = 0; i < sums.length; i++) sums[i] += p[i];
      return sums;
    }

    /** The chunk arrays of one worker: operands and scratch, the sums' accumulators. */
    private final class Chunks {
      final float[][] f;
      final double[][] d;
      final float[][] fAcc;
      final double[][] dAcc;
      final float[] lanes = new float[64];
      final double[] wide; // a float accumulator widened, where a pass is shorter than a chunk

      Chunks(int n, int sums) {
        int chunk = Math.min(CHUNK, n);
        boolean floats = floatBufs != null;
        f = floats ? new float[arrays.size() + scratch][chunk] : null;
        d = floats ? null : new double[arrays.size() + scratch][chunk];
        fAcc = floats ? new float[sums][chunk] : null;
        dAcc = floats ? null : new double[sums][chunk];
        wide = floats && chunk < CHUNK ? new double[chunk] : null;
      }
    }

    /**
     * Block {@code b} of the pass (elements {@code [b BLOCK, min((b + 1) BLOCK, n))} after {@code
     * from}), chunk by chunk; its sums go to {@code sums}. The accumulators start the block at zero
     * and are folded into {@code sums} after every {@value Fused#FOLD} chunks and after the block's
     * last chunk, so a block's sums depend on its elements only.
     */
    private void block(Kernel k, Chunks ch, long from, int b, int n, double[] sums) {
      int ops = arrays.size();
      int end = (int) Math.min((long) (b + 1) * BLOCK, n);
      int pending = 0;
      if (ch.f != null) {
        float[][] c = ch.f;
        float[][] acc = ch.fAcc;
        int chunk = c[0].length;
        for (int at = b * BLOCK; at < end; at += chunk) {
          int len = Math.min(chunk, end - at);
          int off = (int) from + at;
          for (int i = 0; i < ops; i++)
            if ((modes[i] & READ) != 0) floatBufs[i].get(base[i] + off, c[i], 0, len);
          k.floats(c, len, acc);
          for (int i = 0; i < ops; i++)
            if ((modes[i] & WRITE) != 0) floatBufs[i].put(base[i] + off, c[i], 0, len);
          if (++pending == FOLD || at + chunk >= end) {
            for (int i = 0; i < acc.length; i++) sums[i] += fold(acc[i], ch.lanes, ch.wide);
            pending = 0;
          }
        }
      } else {
        double[][] c = ch.d;
        double[][] acc = ch.dAcc;
        int chunk = c[0].length;
        for (int at = b * BLOCK; at < end; at += chunk) {
          int len = Math.min(chunk, end - at);
          int off = (int) from + at;
          for (int i = 0; i < ops; i++)
            if ((modes[i] & READ) != 0) doubleBufs[i].get(base[i] + off, c[i], 0, len);
          k.doubles(c, len, acc);
          for (int i = 0; i < ops; i++)
            if ((modes[i] & WRITE) != 0) doubleBufs[i].put(base[i] + off, c[i], 0, len);
          if (++pending == FOLD || at + chunk >= end) {
            for (int i = 0; i < acc.length; i++) sums[i] += fold(acc[i]);
            pending = 0;
          }
        }
      }
    }

    /**
     * Block {@code b} by a {@link Direct} kernel, on the native buffers: in one call without sums;
     * with sums, {@value Fused#FOLD} chunks' elements per call, the accumulators ({@code ch}'s,
     * sized as the chunked pass sizes them) folded into {@code sums} after each call, as {@link
     * #block} folds them.
     */
    private void directBlock(Direct direct, Chunks ch, long from, int b, int n, double[] sums) {
      int end = (int) Math.min((long) (b + 1) * BLOCK, n);
      int size = floatBufs != null ? Float.BYTES : Double.BYTES;
      int step = sums.length == 0 ? BLOCK : FOLD * CHUNK;
      for (int g = b * BLOCK; g < end; g += step) {
        int len = Math.min(step, end - g);
        int at = ((int) from + g) * size;
        if (sums.length == 0) {
          if (floatBufs != null) direct.floats(bytes, at, len);
          else direct.doubles(bytes, at, len);
        } else if (floatBufs != null) {
          direct.floats(bytes, at, len, ch.fAcc);
          for (int i = 0; i < sums.length; i++) sums[i] += fold(ch.fAcc[i], ch.lanes, ch.wide);
        } else {
          direct.doubles(bytes, at, len, ch.dAcc);
          for (int i = 0; i < sums.length; i++) sums[i] += fold(ch.dAcc[i]);
        }
      }
    }

    /**
     * The operands' memory as native-order bytes, element 0 of each at byte 0 (the pass holds the
     * arrays, which keeps the memory alive).
     */
    private void resolveBytes() {
      if (bytes != null) return;
      ByteBuffer[] b = new ByteBuffer[arrays.size()];
      for (int i = 0; i < b.length; i++) b[i] = NativeBytes.of(arrays.get(i));
      bytes = b;
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
   * ||a||_1 summed as a kernel that adds {@link #addAbs} of every chunk of {@code a} over a
   * whole-vector pass sums it, so code that recomputes a step's sum from a state (D-Adaptation's
   * reconcile after a merge) gets the step's value bit for bit.
   */
  public static double norm1(INDArray a) {
    return sumOf(a, Fused::addAbs, Fused::addAbs);
  }

  /**
   * Sum of squares of {@code a} in one pass (each square rounded to the dtype), which measured
   * faster than ND4J's {@code norm2Number} (BENCHMARKS.md, "Measurements behind code choices").
   * {@code a} must satisfy {@link #applies}.
   */
  public static double sumSq(INDArray a) {
    return sumOf(
        a,
        (acc, c, len) -> addProducts(acc, c, c, len),
        (acc, c, len) -> addProducts(acc, c, c, len));
  }

  /** Adds a chunk's terms of one sum to its accumulator. */
  private interface FloatTerms {
    void add(float[] acc, float[] chunk, int len);
  }

  /** As {@link FloatTerms}, in float64. */
  private interface DoubleTerms {
    void add(double[] acc, double[] chunk, int len);
  }

  /** A one-operand, one-sum pass over {@code a}: its terms as {@code floats} or {@code doubles}. */
  private static double sumOf(INDArray a, FloatTerms floats, DoubleTerms doubles) {
    return pass()
        .read(a)
        .run(
            new Kernel() {
              @Override
              public int sums() {
                return 1;
              }

              @Override
              public void floats(float[][] c, int len, float[][] acc) {
                floats.add(acc[0], c[0], len);
              }

              @Override
              public void doubles(double[][] c, int len, double[][] acc) {
                doubles.add(acc[0], c[0], len);
              }
            })[0];
  }

  /**
   * {sum, L1 norm, sum of squares} of {@code a} in one pass: a fingerprint of an array in one read
   * instead of ND4J's three reductions (BENCHMARKS.md, "Measurements behind code choices"). {@code
   * a} must satisfy {@link #applies}.
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
              public void floats(float[][] c, int len, float[][] acc) {
                float[] t = c[0];
                float[] s = acc[0];
                float[] l1 = acc[1];
                float[] sq = acc[2];
                for (int j = 0; j < len; j++) {
                  float x = t[j];
                  s[j] += x;
                  sq[j] += x * x;
                }
                addAbs(l1, t, len);
              }

              @Override
              public void doubles(double[][] c, int len, double[][] acc) {
                double[] t = c[0];
                double[] s = acc[0];
                double[] l1 = acc[1];
                double[] sq = acc[2];
                for (int j = 0; j < len; j++) {
                  double x = t[j];
                  s[j] += x;
                  sq[j] += x * x;
                }
                addAbs(l1, t, len);
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

  /**
   * The terms {@code |t[j]|} into an accumulator. (A separate loop: an {@code abs} inside a
   * kernel's main loop measured to stop the JIT from vectorizing it.)
   */
  public static void addAbs(float[] acc, float[] t, int len) {
    for (int j = 0; j < len; j++) acc[j] += Math.abs(t[j]);
  }

  /** As {@link #addAbs(float[], float[], int)}. */
  public static void addAbs(double[] acc, double[] t, int len) {
    for (int j = 0; j < len; j++) acc[j] += Math.abs(t[j]);
  }

  /** The terms {@code a[j] * b[j]} (each product rounded to the dtype) into an accumulator. */
  public static void addProducts(float[] acc, float[] a, float[] b, int len) {
    for (int j = 0; j < len; j++) acc[j] += a[j] * b[j];
  }

  /** As {@link #addProducts(float[], float[], float[], int)}. */
  public static void addProducts(double[] acc, double[] a, double[] b, int len) {
    for (int j = 0; j < len; j++) acc[j] += a[j] * b[j];
  }

  /**
   * The sum of an accumulator, which it leaves at zero. A full float32 one ({@value #CHUNK}
   * elements) is folded in float into 16 lanes ({@code l[j] + l[j + 64]}, then {@code (f[j] + f[j +
   * 16]) + (f[j + 32] + f[j + 48])}) and the lanes are added in double with two interleaved partial
   * sums; a shorter one (a pass shorter than a chunk, as on the trace problems) is widened into
   * {@code wide} and summed as a float64 accumulator ({@link #fold(double[])}), since the lane fold
   * there put Prodigy's float32 golden trace outside its tolerance (GoldenTraceTest, step 23): few
   * terms leave no rounding to average out. A fixed order either way, so deterministic. Each float
   * lane then holds {@value #FOLD} terms per accumulator element, 8 elements: the float rounding
   * that adds is a few ulps of the terms' magnitudes, far below what ND4J's own float32 sums lose.
   * The float fold is what C2 (JDK 17) vectorizes; adding every float term in double needs a
   * per-element float-to-double conversion, which it does not.
   */
  static double fold(float[] acc, float[] lanes, double[] wide) {
    if (acc.length != CHUNK) {
      for (int j = 0; j < acc.length; j++) wide[j] = acc[j]; // exact: the same sum as in float64
      Arrays.fill(acc, 0f);
      return fold(wide);
    }
    float[] f = lanes;
    for (int j = 0; j < 64; j++) f[j] = acc[j] + acc[j + 64];
    for (int j = 0; j < 16; j++) f[j] = (f[j] + f[j + 16]) + (f[j + 32] + f[j + 48]);
    double a0 = 0;
    double a1 = 0;
    for (int j = 0; j < 16; j += 2) {
      a0 += f[j];
      a1 += f[j + 1];
    }
    Arrays.fill(acc, 0f);
    return a0 + a1;
  }

  /** The sum of a float64 accumulator in eight interleaved partial sums; leaves it at zero. */
  static double fold(double[] acc) {
    double a0 = 0;
    double a1 = 0;
    double a2 = 0;
    double a3 = 0;
    double a4 = 0;
    double a5 = 0;
    double a6 = 0;
    double a7 = 0;
    int j = 0;
    int len = acc.length;
    for (; j + 7 < len; j += 8) {
      a0 += acc[j];
      a1 += acc[j + 1];
      a2 += acc[j + 2];
      a3 += acc[j + 3];
      a4 += acc[j + 4];
      a5 += acc[j + 5];
      a6 += acc[j + 6];
      a7 += acc[j + 7];
    }
    for (; j < len; j++) a0 += acc[j];
    Arrays.fill(acc, 0d);
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
  }
}
