package org.optimbench.optim.hypergrad;

import org.optimbench.optim.internal.Fused;

/**
 * The fused CPU pass of {@link Marthe}'s hypergradient sums ({@link Fused}): one pass instead of one
 * per dot product. Operands: the validation gradient, z, [g with automatic mu] (read); sums
 * &lt;val, z&gt;, [&lt;val, g&gt;].
 */
record MartheKernel(boolean withG) implements Fused.Kernel {
  @Override
  public int sums() {
    return 2;
  }

  @Override
  public void floats(float[][] c, int len, double[] sums) {
    sums[0] += Fused.dot(c[0], c[1], len);
    if (withG) sums[1] += Fused.dot(c[0], c[2], len);
  }

  @Override
  public void doubles(double[][] c, int len, double[] sums) {
    sums[0] += Fused.dot(c[0], c[1], len);
    if (withG) sums[1] += Fused.dot(c[0], c[2], len);
  }
}
