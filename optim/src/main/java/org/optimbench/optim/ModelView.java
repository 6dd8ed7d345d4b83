package org.optimbench.optim;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * What an optimizer sees of the model: the flat parameter vector, the flat gradient of the same
 * length and dtype, and the segment table that names the tensors inside them.
 *
 * <p>Both arrays are rank-1 views (a DL4J {@code [1, n]} row vector is viewed as rank 1 without a
 * copy). Optimizers update {@link #params()} in place and never write to {@link #grads()}. Segment
 * accessors return views, so per-tensor work touches the same memory.
 *
 * <p>A gradient scale ({@link #withGradScale}): the gradient an optimizer sees is {@code c · g}
 * where a wrapper scaled it (global-norm clipping). {@link #grads()} forms that product once, on
 * first use; an optimizer whose fused pass can multiply as it reads ({@link #gradScale()} with
 * {@link #unscaledGrads()}) skips the copy and its two passes over memory. Both give the same bits:
 * each element is {@code g · c} rounded once to the dtype, {@code c} taken in the dtype as ND4J's
 * scalar multiply takes it.
 */
public final class ModelView {
  private final ParamLayout layout;
  private final INDArray params;
  private final INDArray grads;
  private final double gradScale;
  private final List<EmbeddingTable> tables;
  private INDArray scaledGrads; // c · g, formed on the first grads() of a scaled view

  public ModelView(ParamLayout layout, INDArray params, INDArray grads) {
    this(layout, params, grads, List.of());
  }

  /**
   * A view whose {@code tables} are embedding tables: segments whose gradient is non-zero only at
   * the rows a batch looked up. Each table must be exactly one segment of the layout.
   */
  public ModelView(
      ParamLayout layout, INDArray params, INDArray grads, List<EmbeddingTable> tables) {
    this(layout, params, grads, tables, 1.0);
  }

  private ModelView(
      ParamLayout layout,
      INDArray params,
      INDArray grads,
      List<EmbeddingTable> tables,
      double gradScale) {
    this.gradScale = gradScale;
    this.tables = List.copyOf(tables);
    for (EmbeddingTable t : this.tables) {
      boolean found = false;
      for (Segment s : layout.segments())
        found |=
            s.name().equals(t.name()) && s.offset() == t.offset() && s.length() == t.elements();
      if (!found)
        throw new IllegalArgumentException(
            "embedding table " + t.name() + " is not a segment of the layout " + layout);
    }
    this.layout = layout;
    this.params = asVector("params", params, layout.totalLength());
    this.grads = asVector("grads", grads, layout.totalLength());
    if (params.dataType() != grads.dataType()) {
      throw new IllegalArgumentException(
          "params are " + params.dataType() + " but grads are " + grads.dataType());
    }
    if (!params.dataType().isFPType()) {
      throw new IllegalArgumentException("params must be floating point, got " + params.dataType());
    }
  }

  private static INDArray asVector(String what, INDArray a, long n) {
    if (a.length() != n) {
      throw new IllegalArgumentException(
          what + " has " + a.length() + " elements, the layout has " + n);
    }
    if (a.rank() == 1) return a;
    if (a.rank() == 2 && a.size(0) == 1 && a.elementWiseStride() == 1) {
      // DL4J's row vectors are 'c' (params) or 'f' (gradients); reshaping a contiguous array in its
      // own
      // order is a view (ModelViewTest checks that writes go through).
      return a.reshape(a.ordering(), new long[] {n});
    }
    throw new IllegalArgumentException(
        what
            + " must be a rank-1 or contiguous [1, n] array, got shape "
            + java.util.Arrays.toString(a.shape()));
  }

  public ParamLayout layout() {
    return layout;
  }

  /** The segments that are embedding tables (empty for most models). */
  public List<EmbeddingTable> tables() {
    return tables;
  }

  public INDArray params() {
    return params;
  }

  /**
   * The gradient the optimizer steps on: {@code c · g} on a scaled view (formed once, then kept).
   */
  public INDArray grads() {
    if (gradScale == 1.0) return grads;
    if (scaledGrads == null) scaledGrads = grads.mul(gradScale);
    return scaledGrads;
  }

  /**
   * The factor {@code c} of a scaled view (1 otherwise): an optimizer may read {@link
   * #unscaledGrads()} and multiply each element by {@code c}, in the dtype, instead of reading
   * {@link #grads()}.
   */
  public double gradScale() {
    return gradScale;
  }

  /** The gradient before the view's scale ({@link #grads()} itself on an unscaled view). */
  public INDArray unscaledGrads() {
    return grads;
  }

  public DataType dtype() {
    return params.dataType();
  }

  public long length() {
    return layout.totalLength();
  }

  /** The parameters of segment {@code i} (a view). */
  public INDArray param(int i) {
    return slice(params, layout.segment(i));
  }

  /** The gradient of segment {@code i} (a view). */
  public INDArray grad(int i) {
    return slice(grads(), layout.segment(i));
  }

  /**
   * The part of a flat vector (params, grads, or any state vector of the same layout) that belongs
   * to segment {@code s}.
   */
  public static INDArray slice(INDArray flat, Segment s) {
    if (s.offset() == 0 && s.length() == flat.length()) return flat;
    return flat.get(NDArrayIndex.interval(s.offset(), s.end()));
  }

  /** The same parameters with another gradient (wrappers that transform gradients). */
  public ModelView withGrads(INDArray newGrads) {
    return new ModelView(layout, params, newGrads, tables);
  }

  /**
   * The same parameters with the gradient scaled by {@code c} (a wrapper that clips): no copy is
   * made until an optimizer asks for {@link #grads()}. On a view that is already scaled, the first
   * product is formed and the new view scales it (each scale rounds once, as two copies would).
   */
  public ModelView withGradScale(double c) {
    return new ModelView(layout, params, grads(), tables, c);
  }
}
