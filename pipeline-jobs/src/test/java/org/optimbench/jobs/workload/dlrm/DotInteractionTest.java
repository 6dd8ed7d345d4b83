package org.optimbench.jobs.workload.dlrm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The interaction's loops run over the batch innermost; each element's sum must add the same terms
 * in the same order as a loop over one example at a time (the reference below, the vertex's former
 * loops): the same bits forward and backward, in float32 and float64, for DLRM laptop's shape and
 * odd ones, with inputs that are views (strided rows, 'f' order). Agreement with DL4J's own ops is
 * in DlrmModelTest.
 */
class DotInteractionTest {
  /** One example at a time: Z = T T^T over k in order, dT = G T pair by pair, then x's path. */
  static final class ExampleMajor {
    static double[] t(INDArray[] in) {
      int f = in.length;
      int b = (int) in[0].size(0);
      int d = (int) in[0].size(1);
      double[] t = new double[b * f * d];
      for (int i = 0; i < f; i++)
        for (int e = 0; e < b; e++)
          for (int k = 0; k < d; k++) t[(e * f + i) * d + k] = in[i].getDouble(e, k);
      return t;
    }

    static double[] forward(INDArray[] in) {
      int f = in.length;
      int b = (int) in[0].size(0);
      int d = (int) in[0].size(1);
      int w = d + f * (f - 1) / 2;
      double[] t = t(in);
      double[] o = new double[b * w];
      for (int e = 0; e < b; e++) {
        int te = e * f * d;
        System.arraycopy(t, te, o, e * w, d);
        int p = e * w + d;
        for (int i = 1; i < f; i++)
          for (int j = 0; j < i; j++, p++) {
            double acc = 0;
            for (int k = 0; k < d; k++) acc += t[te + i * d + k] * t[te + j * d + k];
            o[p] = acc;
          }
      }
      return o;
    }

    static double[] backward(INDArray[] in, INDArray eps) {
      int f = in.length;
      int b = (int) in[0].size(0);
      int d = (int) in[0].size(1);
      int w = d + f * (f - 1) / 2;
      double[] t = t(in);
      double[] dt = new double[b * f * d];
      for (int e = 0; e < b; e++) {
        int te = e * f * d;
        int p = d;
        for (int i = 1; i < f; i++)
          for (int j = 0; j < i; j++, p++) {
            double gij = eps.getDouble(e, p);
            for (int k = 0; k < d; k++) dt[te + i * d + k] += gij * t[te + j * d + k];
            for (int k = 0; k < d; k++) dt[te + j * d + k] += gij * t[te + i * d + k];
          }
        for (int k = 0; k < d; k++) dt[te + k] += eps.getDouble(e, k);
      }
      return dt;
    }
  }

  /** The rounded values of a [B, F, d] float64 vector, feature f's [B, d] block as a row. */
  static double[] rounded(double[] v, DataType dt) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) out[i] = dt == DataType.FLOAT ? (float) v[i] : v[i];
    return out;
  }

  static INDArray input(DataType dt, int b, int d, int kind, long seed) {
    Nd4j.getRandom().setSeed(seed);
    INDArray a = Nd4j.randn(dt, b, d);
    if (kind == 1)
      return Nd4j.randn(dt, 2 * b, d).get(NDArrayIndex.interval(0, 2, 2 * b)); // rows 2 apart
    if (kind == 2) return a.dup('f');
    return a;
  }

  @Test
  void batchInnerLoopsAreTheExampleAtATimeSumsBitForBit() {
    for (DataType dt : List.of(DataType.FLOAT, DataType.DOUBLE))
      for (int[] shape : new int[][] {{128, 27, 16}, {5, 3, 4}, {1, 2, 1}, {7, 9, 3}}) {
        int b = shape[0];
        int f = shape[1];
        int d = shape[2];
        INDArray[] in = new INDArray[f];
        for (int i = 0; i < f; i++) in[i] = input(dt, b, d, i % 3, 11 + i);
        String what = dt + " B=" + b + " F=" + f + " d=" + d;

        double[] wantOut = rounded(ExampleMajor.forward(in), dt);
        INDArray out = DotInteraction.forward(in);
        assertArrayEquals(wantOut, out.dup('c').castTo(DataType.DOUBLE).data().asDouble(), 0, what);

        Nd4j.getRandom().setSeed(7);
        INDArray eps = Nd4j.randn(dt, b, d + f * (f - 1) / 2);
        double[] wantGrad = rounded(ExampleMajor.backward(in, eps), dt);
        INDArray[] grads = DotInteraction.backward(in, eps);
        double[] got = new double[b * f * d];
        for (int i = 0; i < f; i++)
          for (int e = 0; e < b; e++)
            for (int k = 0; k < d; k++) got[(e * f + i) * d + k] = grads[i].getDouble(e, k);
        assertArrayEquals(wantGrad, got, 0, what + " backward");
      }
  }
}
