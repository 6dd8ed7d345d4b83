package org.optimbench.jobs.mllib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.workload.Example;
import org.optimbench.jobs.workload.InMemory;
import org.optimbench.jobs.workload.classifier.Classifier;

/**
 * The comparison in scripts/bench-mllib is only fair if both sides' "training loss" is the same
 * function: {@link BenchMllib#meanCrossEntropy} of our logistic regression must equal the mean loss
 * DL4J trains on, and of MLlib's model the objective MLlib itself reports (regParam 0: the mean
 * log-loss, whatever its internal standardization).
 */
class BenchMllibLossTest {
  private static List<Example> data(int n, int d, int classes, long seed) {
    Random r = new Random(seed);
    List<Example> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] idx = new int[d];
      double[] val = new double[d];
      int label = r.nextInt(classes);
      for (int j = 0; j < d; j++) {
        idx[j] = j;
        val[j] = r.nextGaussian() * (j + 1) + label; // unequal scales, informative but overlapping
      }
      rows.add(new Example(i, label, idx, val, false));
    }
    return rows;
  }

  @Test
  void ourLossIsTheMeanCrossEntropyDl4jTrainsOn() {
    List<Example> rows = data(60, 4, 3, 1);
    NetworkModel model = Classifier.logreg(4, 3).build(DataType.DOUBLE, 1);
    model
        .view()
        .params()
        .assign(Nd4j.rand(DataType.DOUBLE, model.view().params().length()).subi(0.5));
    double dl4j =
        model.lossAndGradient(InMemory.encode(Classifier.logreg(4, 3), rows, DataType.DOUBLE));
    double ours =
        BenchMllib.meanCrossEntropy(
            rows,
            BenchMllib.ourCoefficients(model.network()),
            BenchMllib.ourIntercepts(model.network()));
    assertEquals(dl4j, ours, 1e-12 * dl4j);
    assertTrue(ours > 0.5, "a random model has a loss far from 0: " + ours);
  }

  @Test
  void ourLossOfMllibsModelIsTheObjectiveMllibReports() {
    List<Example> rows = data(90, 4, 3, 2);
    try (SparkSession spark =
        SparkSession.builder()
            .master("local[1]")
            .appName("bench-mllib-loss-test")
            .config("spark.ui.enabled", "false")
            .getOrCreate()) {
      spark.sparkContext().setLogLevel("ERROR");
      LogisticRegressionModel m =
          BenchMllib.fitMllib(spark, new BenchMllib.Data("synthetic", rows, 4, 3));
      double[] history = m.summary().objectiveHistory();
      double reported = history[history.length - 1];
      double ours =
          BenchMllib.meanCrossEntropy(rows, BenchMllib.coefficients(m), BenchMllib.intercepts(m));
      assertEquals(reported, ours, 1e-9 * reported);
      assertTrue(
          history.length > 3 && ours < history[0] / 2,
          "MLlib trained: " + history[0] + " -> " + ours);
    }
  }
}
