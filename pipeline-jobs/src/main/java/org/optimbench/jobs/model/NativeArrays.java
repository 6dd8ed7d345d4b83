package org.optimbench.jobs.model;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Freeing ND4J arrays' native memory at once. Arrays built per step or per evaluation chunk outside
 * any workspace (batches, outputs, logits-sized temporaries) otherwise wait for the garbage
 * collector, which with a small, barely filled Java heap runs rarely: large batches then grew a
 * process by gigabytes (BENCHMARKS.md, "Training throughput"). Only arrays that own their memory
 * are freed; views, workspace arrays and arrays already closed are left alone.
 */
public final class NativeArrays {
  private NativeArrays() {}

  /**
   * Closes each array that owns its buffer (not a view, not in a workspace) and is not closed yet.
   */
  public static void release(INDArray... arrays) {
    if (arrays == null) return;
    for (INDArray a : arrays) {
      if (a != null && !a.wasClosed() && a.closeable()) a.close();
    }
  }

  /** Frees a data set's arrays (features, labels, masks) as {@link #release(INDArray...)} does. */
  public static void release(MultiDataSet data) {
    release(arrays(data).toArray(new INDArray[0]));
  }

  /** A data set's non-null arrays: features, labels, feature masks, label masks. */
  public static List<INDArray> arrays(MultiDataSet data) {
    List<INDArray> all = new ArrayList<>();
    for (INDArray[] group :
        new INDArray[][] {
          data.getFeatures(),
          data.getLabels(),
          data.getFeaturesMaskArrays(),
          data.getLabelsMaskArrays()
        }) {
      if (group == null) continue;
      for (INDArray a : group) if (a != null) all.add(a);
    }
    return all;
  }
}
