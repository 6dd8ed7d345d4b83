package org.optimbench.jobs.model;

import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.HostBytes;

/**
 * The element-wise work around the dense layers' GEMMs, as Java loops over float32 arrays in host
 * memory: the product's copy into the row-major activation plus the bias, ReLU and its backprop,
 * and the bias gradient's sum. Each is the arithmetic of the ND4J op it replaces, element for
 * element and in the same order, so the same bits ({@code DenseLoopsTest} against those ops, {@code
 * LeanDenseTest} against DL4J's layers), without the ops' costs per element: the layout copy walks
 * the column-major product with a stride, the column sum walks every column with one, and ReLU's
 * backprop runs a per-element lambda (BENCHMARKS.md, "Peers: PyTorch on the same CPU").
 *
 * <p>CPU backend and float32 only ({@link #applies}), dense arrays in the layouts each method
 * names; otherwise a method declines and the layer runs its ND4J ops.
 */
final class DenseLoops {
  /** Rows of a block of the transposing copy: {@code ROWS x columns} floats stay in L1/L2. */
  private static final int ROWS = 32;

  /** Elements per chunk of an element-wise pass (as the optimizers' fused passes). */
  private static final int CHUNK = 1024;

  private static volatile Boolean cpuBackend;

  private DenseLoops() {}

  /** True when the loops may run: CPU backend and every array float32 (null arrays ignored). */
  static boolean applies(INDArray... arrays) {
    if (!cpu()) return false;
    for (INDArray a : arrays)
      if (a != null && (a.dataType() != DataType.FLOAT || a.data().dataType() != DataType.FLOAT))
        return false;
    return true;
  }

  /** On a device backend the buffers live on the device: a host loop would copy them each time. */
  private static boolean cpu() {
    Boolean b = cpuBackend;
    if (b == null) cpuBackend = b = Nd4j.getEnvironment().isCPU();
    return b;
  }

  /**
   * {@code a}'s memory as floats from its first element (index 0), in memory order; the caller
   * keeps {@code a} alive while it uses the buffer ({@link HostBytes#of}).
   */
  private static FloatBuffer floats(INDArray a) {
    return HostBytes.of(a).asFloatBuffer();
  }

  /**
   * {@code z = p + b} (each row plus the bias) for a column-major product {@code p} [n, m] and a
   * row-major {@code z} of the same shape: ND4J's {@code z.assign(p)} then {@code
   * z.addiRowVector(b)}, in one pass that reads {@code p} in column blocks. {@code b} may be null
   * (no bias). False, with nothing written, when the layouts are not those (dense 'f' and dense
   * 'c', a dense bias vector of length m).
   */
  static boolean transposeAddBias(INDArray p, INDArray b, INDArray z) {
    if (p.rank() != 2 || z.rank() != 2 || !applies(p, b, z)) return false;
    long n = p.size(0);
    long m = p.size(1);
    if (z.size(0) != n || z.size(1) != m) return false;
    if (!dense(p, 1, n) || !dense(z, m, 1)) return false;
    if (n * m > Integer.MAX_VALUE) return false;
    if (b != null && (b.length() != m || !unitStride(b))) return false;
    int rows = (int) n;
    int cols = (int) m;
    float[] bias = new float[cols];
    if (b != null) floats(b).get(bias);
    FloatBuffer from = floats(p);
    FloatBuffer to = floats(z);
    float[] block = new float[cols * ROWS];
    float[] row = new float[cols];
    for (int r0 = 0; r0 < rows; r0 += ROWS) {
      int h = Math.min(ROWS, rows - r0);
      for (int c = 0; c < cols; c++) from.get(c * rows + r0, block, c * ROWS, h);
      for (int i = 0; i < h; i++) {
        // x + 0 would turn -0 into +0: without a bias the values are copied as they are
        if (b != null) for (int c = 0; c < cols; c++) row[c] = block[c * ROWS + i] + bias[c];
        else for (int c = 0; c < cols; c++) row[c] = block[c * ROWS + i];
        to.put((r0 + i) * cols, row, 0, cols);
      }
    }
    Reference.reachabilityFence(p);
    Reference.reachabilityFence(b);
    Reference.reachabilityFence(z);
    return true;
  }

  /**
   * {@code out = z > 0 ? eps : 0}, element by element: DL4J's ReLU backprop ({@code ActivationReLU}
   * without a maximum, threshold or negative slope runs ND4J's {@code RectifiedLinearDerivative},
   * whose kernel is this expression). A new array shaped as {@code z} in the current workspace, as
   * that op's {@code z.ulike()}; null, with nothing allocated, unless the three arrays are dense
   * with the same row-major strides.
   */
  static INDArray reluBackward(INDArray z, INDArray eps) {
    if (!sameDenseRows(z, eps)) return null;
    INDArray out = denseRowsLike(z);
    if (out != null) maskPass(z, eps, out);
    return out;
  }

  /**
   * A new array shaped as {@code a} in the current workspace ({@code a.ulike()}, as the ND4J ops
   * these loops replace make theirs), when both are dense and row-major; else null.
   */
  private static INDArray denseRowsLike(INDArray a) {
    if (!sameDenseRows(a, a)) return null;
    INDArray out = a.ulike();
    return sameDenseRows(a, out) ? out : null;
  }

  /**
   * Both arrays 2-D float32 of one shape, dense and row-major (so memory order is element order),
   * and addressable with int indices.
   */
  private static boolean sameDenseRows(INDArray a, INDArray b) {
    if (a.rank() != 2 || !applies(a, b) || !java.util.Arrays.equals(a.shape(), b.shape()))
      return false;
    long m = a.size(1);
    return dense(a, m, 1) && dense(b, m, 1) && a.length() <= Integer.MAX_VALUE;
  }

  /**
   * {@code out = eps == null ? (z < 0 ? 0 : z) : (z > 0 ? eps : 0)} on the arrays' raw bits, chunk
   * by chunk. In ints the selection is a mask: no branch on the sign (which mispredicts on about
   * half the elements), in loops that C2 vectorizes (it vectorizes no float compare-and-select).
   */
  private static void maskPass(INDArray z, INDArray eps, INDArray out) {
    int len = (int) z.length();
    IntBuffer zb = HostBytes.of(z).asIntBuffer();
    IntBuffer eb = eps == null ? null : HostBytes.of(eps).asIntBuffer();
    IntBuffer ob = HostBytes.of(out).asIntBuffer();
    int[] zc = new int[Math.min(CHUNK, len)];
    int[] ec = eps == null ? null : new int[zc.length];
    for (int at = 0; at < len; at += zc.length) {
      int k = Math.min(zc.length, len - at);
      zb.get(at, zc, 0, k);
      if (eb == null) {
        for (int i = 0; i < k; i++) zc[i] &= ~negative(zc[i]);
        ob.put(at, zc, 0, k);
      } else {
        eb.get(at, ec, 0, k);
        for (int i = 0; i < k; i++) ec[i] &= positive(zc[i]);
        ob.put(at, ec, 0, k);
      }
    }
    Reference.reachabilityFence(z);
    Reference.reachabilityFence(eps);
    Reference.reachabilityFence(out);
  }

  /**
   * {@code out = z < 0 ? 0 : z}, element by element, into a new-made {@code out} of z's shape:
   * DL4J's ReLU ({@code ActivationReLU} without a maximum, threshold or negative slope runs ND4J's
   * scalar RELU op with 0, whose kernel is this expression: a NaN or -0 passes through). False,
   * with nothing written, unless both arrays are dense and row-major.
   */
  static boolean relu(INDArray z, INDArray out) {
    if (!sameDenseRows(z, out)) return false;
    maskPass(z, null, out);
    return true;
  }

  /**
   * All ones when the float with these bits is less than zero (bits, as a signed int, in
   * [0x80000001, 0xFF800000]: negative and finite, or -infinity; not -0 or a NaN), else zero,
   * without a branch.
   */
  static int negative(int bits) {
    int notMinusZero = bits ^ 0x80000000;
    // bits + 0x7FFFFF is below zero for bits up to -infinity's; the sign test keeps the positive
    // NaNs whose sum overflows out of it.
    return (bits >> 31) & ((bits + 0x7FFFFF) >> 31) & ((notMinusZero | -notMinusZero) >> 31);
  }

  /**
   * {@code out[j] = sum over i of a[i, j]} for a dense row-major {@code a} [n, m] into a dense
   * vector {@code out} of length m: ND4J's {@code a.sum(out, 0)}, whose kernel adds each column's
   * values in row order in float from 0, as this loop does (a row at a time, so the loop runs along
   * the rows' contiguous values and vectorizes, where the kernel walks each column with a stride).
   * False, with nothing written, for other layouts and types.
   */
  static boolean columnSums(INDArray a, INDArray out) {
    if (a.rank() != 2 || !applies(a, out)) return false;
    long n = a.size(0);
    long m = a.size(1);
    if (out.length() != m || !unitStride(out) || !dense(a, m, 1)) return false;
    if (n * m > Integer.MAX_VALUE) return false;
    int rows = (int) n;
    int cols = (int) m;
    FloatBuffer from = floats(a);
    float[] sums = new float[cols];
    float[] row = new float[cols];
    for (int i = 0; i < rows; i++) {
      from.get(i * cols, row, 0, cols);
      for (int j = 0; j < cols; j++) sums[j] += row[j];
    }
    floats(out).put(0, sums);
    Reference.reachabilityFence(a);
    Reference.reachabilityFence(out);
    return true;
  }

  /**
   * MCXENT's clip of the softmax {@code p} into a new array shaped as {@code p} (in the current
   * workspace, as {@code p.dup()}): ND4J's {@code dup}, then {@code replaceWhere} of the values
   * below {@code lo} by {@code lo}, then of those above {@code hi} by {@code hi}, both compared and
   * set in float as the op's kernel does (a NaN is kept); one pass instead of three ops. Null, with
   * nothing allocated, unless {@code p} is dense and row-major.
   */
  static INDArray clipped(INDArray p, double lo, double hi) {
    INDArray out = denseRowsLike(p);
    if (out == null) return null;
    float l = (float) lo;
    float h = (float) hi;
    int len = (int) p.length();
    FloatBuffer from = floats(p);
    FloatBuffer to = floats(out);
    float[] c = new float[Math.min(CHUNK, len)];
    for (int at = 0; at < len; at += c.length) {
      int k = Math.min(c.length, len - at);
      from.get(at, c, 0, k);
      for (int i = 0; i < k; i++) {
        float v = c[i] < l ? l : c[i];
        c[i] = v > h ? h : v;
      }
      to.put(at, c, 0, k);
    }
    Reference.reachabilityFence(p);
    Reference.reachabilityFence(out);
    return out;
  }

  /**
   * {@code a -= b} for two arrays of one shape, dense and row-major: ND4J's {@code a.subi(b)}, one
   * float subtraction per element. False, with nothing written, for other layouts and types.
   */
  static boolean subtract(INDArray a, INDArray b) {
    if (!sameDenseRows(a, b)) return false;
    int len = (int) a.length();
    FloatBuffer ab = floats(a);
    FloatBuffer bb = floats(b);
    float[] ac = new float[Math.min(CHUNK, len)];
    float[] bc = new float[ac.length];
    for (int at = 0; at < len; at += ac.length) {
      int k = Math.min(ac.length, len - at);
      ab.get(at, ac, 0, k);
      bb.get(at, bc, 0, k);
      for (int i = 0; i < k; i++) ac[i] -= bc[i];
      ab.put(at, ac, 0, k);
    }
    Reference.reachabilityFence(a);
    Reference.reachabilityFence(b);
    return true;
  }

  /**
   * All ones when the float with these bits is greater than zero (bits in [1, 0x7F800000]: positive
   * and finite or +infinity; not a zero, a negative or a NaN), else zero, without a branch.
   */
  static int positive(int bits) {
    return (-bits & (bits - 0x7F800001)) >> 31;
  }

  /** A 2-D array whose element (i, j) is at its buffer offset + i s0 + j s1 with these strides. */
  private static boolean dense(INDArray a, long s0, long s1) {
    return (a.size(0) == 1 || a.stride(0) == s0) && (a.size(1) == 1 || a.stride(1) == s1);
  }

  /** A vector ([m], [1, m] or [m, 1]) whose elements are consecutive in its buffer. */
  private static boolean unitStride(INDArray a) {
    for (int d = 0; d < a.rank(); d++) if (a.size(d) > 1 && a.stride(d) != 1) return false;
    return true;
  }
}
