package org.optimbench.jobs.workload.dlrm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.collective.CollectiveOptions;
import org.optimbench.jobs.collective.LoopbackRing;
import org.optimbench.jobs.conf.Mode;
import org.optimbench.jobs.data.RowChunk;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.train.SplitBatch;
import org.optimbench.jobs.train.WorkerLoop;
import org.optimbench.jobs.workload.Example;
import org.optimbench.jobs.workload.InMemory;
import org.optimbench.optim.HashExampleStore;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.schedule.Schedule;
import org.optimbench.optim.spec.Spec;

/**
 * DLRM under gradient sharing: 2 workers with batch b follow the trajectory of 1 worker with batch
 * 2b, with the embedding tables summed dense (TINY's tables are so small that sparse rows would
 * move more bytes, so the sum falls back to dense) and as sparse rows (WIDE, where only the touched
 * rows travel), and the evaluation over two workers' halves of the validation rows equals the
 * evaluation of all rows by one worker (log loss to rounding, AUC exactly). Workers are threads
 * joined by the loopback ring, as in DataParallelEquivalenceTest.
 */
class DlrmDataParallelTest {
  private static final Dlrm MODEL = DlrmModelTest.TINY;

  /** Tables of 400, 60 and 500 rows: 6 rows per worker and step touch at most 3% of them. */
  private static final Dlrm WIDE =
      new Dlrm(3, List.of(400, 60, 500), 4, List.of(8, 4), List.of(3, 1), 0);

  private static final int PER_WORKER = 6;
  private static final int STEPS = 6;
  private static final List<Example> ROWS = DlrmModelTest.rows(MODEL, 96, 21);
  private static final List<Example> WIDE_ROWS = DlrmModelTest.rows(WIDE, 96, 22);
  private static final ExecutorService POOL = Executors.newFixedThreadPool(2);

  @AfterAll
  static void shutdown() {
    POOL.shutdownNow();
  }

  private static List<Object[]> run(Spec spec, int workers, int steps) throws Exception {
    return run(MODEL, ROWS, spec, workers, steps);
  }

  /**
   * Per worker: {evaluation parameters, validation metrics, whether the last gradient sum went
   * sparse}.
   */
  private static List<Object[]> run(
      Dlrm dlrm, List<Example> data, Spec spec, int workers, int steps) throws Exception {
    List<AllReduce> comms =
        workers == 1
            ? List.of(AllReduce.single())
            : LoopbackRing.open(workers, CollectiveOptions.defaults());
    List<Future<Object[]>> futures = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      int worker = w;
      futures.add(
          POOL.submit(
              () -> {
                RowChunk rows = InMemory.chunk(dlrm, data);
                NetworkModel model = dlrm.build(DataType.DOUBLE, 5);
                Optimizer opt = OptimizerRegistry.create(spec);
                WorkerLoop loop =
                    new WorkerLoop(
                        model,
                        opt,
                        null,
                        Schedule.CONSTANT,
                        comms.get(worker),
                        new HashExampleStore(),
                        workers == 1 ? Mode.SINGLE : Mode.GRADIENT_SHARING,
                        1);
                for (int t = 0; t < steps; t++)
                  loop.step(
                      t,
                      SplitBatch.of(
                          dlrm, rows, DataType.DOUBLE, data, PER_WORKER, t, worker, workers),
                      null);
                // validation: rows 0..47, split between the workers
                List<Example> valid =
                    workers == 1
                        ? data.subList(0, 48)
                        : data.subList(worker * 20, worker == 0 ? 20 : 48);
                Map<String, Double> eval =
                    dlrm.evaluate(model, InMemory.valid(dlrm, valid), comms.get(worker));
                boolean sparse = loop.lastSparseSum().map(c -> c.sparse()).orElse(false);
                return new Object[] {
                  opt.evalParams(model.view(), loop.state()).toDoubleVector(), eval, sparse
                };
              }));
    }
    List<Object[]> out = new ArrayList<>();
    for (Future<Object[]> f : futures) out.add(f.get());
    for (AllReduce c : comms) c.close();
    return out;
  }

  @Test
  void twoWorkersWithBatchBFollowOneWorkerWithBatch2B() throws Exception {
    equivalence(MODEL, ROWS, false);
  }

  @Test
  void twoWorkersSummingSparseRowsFollowOneWorkerWithBatch2B() throws Exception {
    equivalence(WIDE, WIDE_ROWS, true);
  }

  private static void equivalence(Dlrm dlrm, List<Example> data, boolean sparse) throws Exception {
    double[] init = dlrm.build(DataType.DOUBLE, 5).view().params().toDoubleVector();
    for (Spec spec :
        List.of(
            Spec.of("adam", "lr", 0.01),
            Spec.of("prodigy"),
            Spec.of("sgd", "lr", 0.1, "momentum", 0.9),
            // row-sparse tables: a worker updates the rows of the summed gradient, the union of
            // every worker's rows, which are the rows of the whole batch
            Spec.of(
                "row_sparse",
                "base",
                Map.of("name", "adam", "hparams", Map.of("lr", 0.01)),
                "tables",
                Map.of("name", "lazy_adam", "hparams", Map.of("lr", 0.01))),
            Spec.of(
                "row_sparse",
                "base",
                Map.of("name", "sgd", "hparams", Map.of("lr", 0.1)),
                "tables",
                Map.of("name", "rowwise_adagrad", "hparams", Map.of("lr", 0.1))))) {
      double[] single = (double[]) run(dlrm, data, spec, 1, STEPS).get(0)[0];
      List<Object[]> shared = run(dlrm, data, spec, 2, STEPS);
      for (Object[] r : shared)
        assertEquals(sparse, r[2], spec + ": whether the last gradient sum sent sparse rows");
      double[] a = (double[]) shared.get(0)[0];
      double[] b = (double[]) shared.get(1)[0];
      double scale = 0;
      double moved = 0;
      for (int i = 0; i < single.length; i++) {
        scale = Math.max(scale, Math.abs(single[i]));
        moved = Math.max(moved, Math.abs(single[i] - init[i]));
      }
      for (int i = 0; i < single.length; i++) {
        assertEquals(a[i], b[i], 0.0, spec + ": replicas differ at parameter " + i);
        if (!(Math.abs(single[i] - a[i]) <= 1e-8 * Math.abs(single[i]) + 1e-10 * scale))
          fail(spec + ": parameter " + i + " is " + a[i] + ", expected " + single[i]);
      }
      assertTrue(moved > 0, spec + " did not move the parameters");
    }
  }

  /** One worker's parameters after {@code STEPS} steps, each of two micro-batches or of one. */
  private static double[] accumulated(Spec spec, boolean micro) {
    RowChunk rows = InMemory.chunk(WIDE, WIDE_ROWS);
    NetworkModel model = WIDE.build(DataType.DOUBLE, 5);
    Optimizer opt = OptimizerRegistry.create(spec);
    WorkerLoop loop =
        new WorkerLoop(
            model,
            opt,
            null,
            Schedule.CONSTANT,
            AllReduce.single(),
            new HashExampleStore(),
            Mode.SINGLE,
            1);
    for (int t = 0; t < STEPS; t++) {
      if (micro)
        loop.step(
            t,
            List.of(
                SplitBatch.of(WIDE, rows, DataType.DOUBLE, WIDE_ROWS, PER_WORKER, t, 0, 2),
                SplitBatch.of(WIDE, rows, DataType.DOUBLE, WIDE_ROWS, PER_WORKER, t, 1, 2)),
            null);
      else
        loop.step(
            t, SplitBatch.of(WIDE, rows, DataType.DOUBLE, WIDE_ROWS, PER_WORKER, t, 0, 1), null);
    }
    return opt.evalParams(model.view(), loop.state()).toDoubleVector();
  }

  /**
   * Accumulating two micro-batches writes the union of their table rows into the gradient, which
   * the next backward pass must zero (the suite checks every write is reported): the steps follow
   * one batch of both micro-batches' rows, dense and row-sparse.
   */
  @Test
  void microBatchesFollowOneBatchOfTheirRows() {
    for (Spec spec :
        List.of(
            Spec.of("adam", "lr", 0.01),
            Spec.of(
                "row_sparse",
                "base",
                Map.of("name", "adam", "hparams", Map.of("lr", 0.01)),
                "tables",
                Map.of("name", "lazy_adam", "hparams", Map.of("lr", 0.01))))) {
      double[] one = accumulated(spec, false);
      double[] two = accumulated(spec, true);
      for (int i = 0; i < one.length; i++)
        if (!(Math.abs(one[i] - two[i]) <= 1e-8 * Math.abs(one[i]) + 1e-12))
          fail(spec + ": parameter " + i + " is " + two[i] + ", expected " + one[i]);
    }
  }

  @Test
  void evaluationOverTwoWorkersEqualsOneWorkerOnAllRows() throws Exception {
    @SuppressWarnings("unchecked")
    // Untrained (same initial parameters everywhere), so both evaluations see the same model.
    Map<String, Double> single =
        (Map<String, Double>) run(Spec.of("sgd", "lr", 0.1), 1, 0).get(0)[1];
    List<Object[]> shared = run(Spec.of("sgd", "lr", 0.1), 2, 0);
    for (Object[] r : shared) {
      @SuppressWarnings("unchecked")
      Map<String, Double> m = (Map<String, Double>) r[1];
      assertEquals(List.of("valid_logloss", "valid_auc"), List.copyOf(m.keySet()));
      assertEquals(single.get("valid_logloss"), m.get("valid_logloss"), 1e-12);
      assertEquals(single.get("valid_auc"), m.get("valid_auc"), 0.0);
    }
    assertTrue(single.get("valid_auc") > 0 && single.get("valid_auc") < 1, single.toString());
  }
}
