package org.optimbench.optim.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The trace model's gradient and Hessian-vector product against central finite differences. */
class SoftmaxMlpTest {
  private static final Random RNG = new Random(7);

  private static INDArray random(long... shape) {
    double[] v = new double[(int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
    for (int i = 0; i < v.length; i++) v[i] = RNG.nextGaussian();
    return Nd4j.createFromArray(v).reshape(shape);
  }

  @Test
  void gradientMatchesFiniteDifferencesWithAndWithoutHiddenLayer() {
    for (int hidden : new int[] {0, 4}) {
      SoftmaxMlp m = new SoftmaxMlp(3, hidden, 3, DataType.DOUBLE);
      INDArray w = random(m.layout().totalLength()).muli(0.7);
      INDArray x = random(5, 3);
      int[] y = {0, 2, 1, 1, 0};
      INDArray g = m.lossAndGrad(w, x, y).grad();
      double h = 1e-6;
      for (int i = 0; i < w.length(); i++) {
        INDArray wp = w.dup();
        wp.putScalar(i, w.getDouble(i) + h);
        INDArray wm = w.dup();
        wm.putScalar(i, w.getDouble(i) - h);
        double fd = (m.lossAndGrad(wp, x, y).loss() - m.lossAndGrad(wm, x, y).loss()) / (2 * h);
        assertEquals(fd, g.getDouble(i), 1e-8, "hidden=" + hidden + " coordinate " + i);
      }
    }
  }

  @Test
  void hessianVectorProductMatchesFiniteDifferencesOfTheGradient() {
    for (int hidden : new int[] {0, 4}) {
      SoftmaxMlp m = new SoftmaxMlp(3, hidden, 3, DataType.DOUBLE);
      INDArray w = random(m.layout().totalLength()).muli(0.7);
      INDArray v = random(m.layout().totalLength());
      INDArray x = random(6, 3);
      int[] y = {0, 2, 1, 1, 0, 2};
      INDArray hv = m.hvp(w, x, y, v);
      double h = 1e-5;
      INDArray fd =
          m.lossAndGrad(w.add(v.mul(h)), x, y)
              .grad()
              .sub(m.lossAndGrad(w.sub(v.mul(h)), x, y).grad())
              .divi(2 * h);
      for (int i = 0; i < w.length(); i++)
        assertEquals(
            fd.getDouble(i), hv.getDouble(i), 1e-7, "hidden=" + hidden + " coordinate " + i);
    }
  }

  @Test
  void lossOfUniformLogitsIsLogOfClassCount() {
    SoftmaxMlp m = new SoftmaxMlp(2, 0, 4, DataType.DOUBLE);
    INDArray w = Nd4j.zeros(DataType.DOUBLE, m.layout().totalLength());
    assertEquals(Math.log(4), m.lossAndGrad(w, random(3, 2), new int[] {0, 1, 3}).loss(), 1e-15);
  }
}
