package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.conf.Mode;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.workload.Example;
import org.optimbench.jobs.workload.InMemory;
import org.optimbench.jobs.workload.classifier.Classifier;
import org.optimbench.jobs.workload.dlrm.Dlrm;
import org.optimbench.optim.HashExampleStore;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.schedule.Schedule;
import org.optimbench.optim.spec.Spec;

/**
 * A training step frees its batches' native memory when it returns, instead of leaving it to the
 * garbage collector, which with a small heap and large batches let a process grow by gigabytes
 * (Batch's javadoc has the measurement); and freeing never touches memory that is still in use.
 */
class BatchReleaseTest {
  @Test
  void aStepFreesItsBatchAndTheValidationBatchItDrew() {
    NetworkModel model =
        new Classifier(4, List.of(3), 2, Activation.TANH).build(DataType.DOUBLE, 1);
    // marthe asks for a validation gradient every step after the first
    WorkerLoop loop =
        new WorkerLoop(
            model,
            OptimizerRegistry.create(Spec.of("marthe", "lr", 0.1, "momentum", 0.0)),
            null,
            Schedule.CONSTANT,
            AllReduce.single(),
            new HashExampleStore(),
            Mode.SINGLE,
            1);
    List<Batch> drawn = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      Batch b = batch(t);
      loop.step(
          t,
          b,
          () -> {
            Batch v = batch(100);
            drawn.add(v);
            return v;
          });
      assertTrue(
          b.data().getFeatures(0).wasClosed() && b.data().getLabels(0).wasClosed(),
          "step " + t + " left its batch allocated");
    }
    assertFalse(drawn.isEmpty(), "the validation batch was never drawn");
    // The optimizer draws it inside the step's workspace (Optimizers.step), where its arrays are
    // workspace memory, reused by the next step; otherwise the step closes it.
    for (Batch v : drawn) {
      INDArray f = v.data().getFeatures(0);
      assertTrue(f.wasClosed() || f.isAttached(), "a drawn validation batch was left allocated");
    }
  }

  @Test
  void viewsAndTheArraysTheyViewAreLeftAlone() {
    INDArray base = Nd4j.rand(DataType.FLOAT, 6, 4);
    INDArray rows = base.get(NDArrayIndex.interval(0, 3), NDArrayIndex.all());
    INDArray labels = Nd4j.zeros(DataType.FLOAT, 3, 2);
    new Batch(new MultiDataSet(rows, labels), new long[] {0, 1, 2}).close();
    assertFalse(rows.wasClosed());
    assertFalse(base.wasClosed());
    assertEquals(base.getFloat(0, 0), rows.getFloat(0, 0));
    assertTrue(labels.wasClosed());
  }

  @Test
  void encodedRowsAreTheRowsAskedForAndStayAllocated() {
    // DLRM encodes one id array per table; what the data set holds must stay readable and equal to
    // the rows asked for, in their order.
    Dlrm d = new Dlrm(2, List.of(5, 7), 3, List.of(4, 3), List.of(4, 1), 0);
    Random r = new Random(2);
    List<Example> ex = new ArrayList<>();
    for (int i = 0; i < 10; i++)
      ex.add(
          new Example(
              i,
              i % 2,
              new int[] {r.nextInt(5), r.nextInt(7)},
              new double[] {r.nextDouble(), r.nextDouble()},
              false));
    org.nd4j.linalg.dataset.api.MultiDataSet ds =
        InMemory.encode(d, ex, new int[] {4, 1, 7}, DataType.FLOAT);
    assertEquals(ex.get(1).indices()[1], ds.getFeatures(2).getInt(1, 0));
    assertEquals(ex.get(7).indices()[0], ds.getFeatures(1).getInt(2, 0));
    assertEquals(ex.get(4).label(), ds.getLabels(0).getInt(0, 0));
    for (INDArray f : ds.getFeatures()) assertFalse(f.wasClosed());
  }

  private static Batch batch(int seed) {
    Random r = new Random(seed);
    INDArray x = Nd4j.zeros(DataType.DOUBLE, 5, 4);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, 5, 2);
    long[] ids = new long[5];
    for (int i = 0; i < 5; i++) {
      for (int j = 0; j < 4; j++) x.putScalar(i, j, r.nextGaussian());
      y.putScalar(i, r.nextInt(2), 1.0);
      ids[i] = seed * 10L + i;
    }
    return new Batch(new MultiDataSet(x, y), ids);
  }
}
