package org.optimbench.optim.dualavg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The MADGRAD-family denominator {@link DualOps#cubeRootPlus}. */
class DualOpsTest {
  @Test
  void onlyExactZerosBecomeInfinite() {
    // the reference's rms[rms == 0] = inf; a cube root of 1e-6 or 1e-10 is not zero
    INDArray out = DualOps.cubeRootPlus(Nd4j.createFromArray(0.0, 1e-18, 1e-30), 0, Nd4j.createUninitialized(DataType.DOUBLE, 3), true);
    assertEquals(Double.POSITIVE_INFINITY, out.getDouble(0));
    assertEquals(1e-6, out.getDouble(1), 1e-20);
    assertEquals(1e-10, out.getDouble(2), 1e-24);
  }
}
