package org.optimbench.optim.sparse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.Diagnostics;
import org.optimbench.optim.EmbeddingTable;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.Optimizers;
import org.optimbench.optim.ParamLayout;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.spec.SpecException;

/**
 * Row-sparse table updates against reference traces ({@code sparse/reference.json}, written by
 * {@code scripts/reference/sparse_reference.py}: torch 1.13's {@code SparseAdam} and {@code SGD} on
 * sparse COO gradients, and FBGEMM's row-wise AdaGrad formula), in both table layouts, and the
 * wrapper's division of labour: the base optimizer gets exactly the other parameters.
 */
class RowSparseTest {
  private static final JsonNode REF = reference();

  private static JsonNode reference() {
    try (InputStream in = RowSparseTest.class.getResourceAsStream("/sparse/reference.json")) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final int ROWS = REF.get("rows").asInt();
  private static final int WIDTH = REF.get("width").asInt();

  /**
   * A model of a dense segment "b" (2 values, zero gradient) and the table "w" after it, row-major
   * (element (i, j) at i * WIDTH + j) or column-major (at i + j * ROWS).
   */
  private record Model(ModelView view, EmbeddingTable table) {
    static Model of(DataType dt, boolean rowMajor) {
      ParamLayout layout =
          ParamLayout.builder()
              .add("b", 2)
              .add("w", rowMajor ? new long[] {ROWS, WIDTH} : new long[] {WIDTH, ROWS})
              .build();
      EmbeddingTable t =
          rowMajor
              ? new EmbeddingTable("w", 2, ROWS, WIDTH, WIDTH, 1)
              : new EmbeddingTable("w", 2, ROWS, WIDTH, 1, ROWS);
      INDArray p = Nd4j.zeros(dt, 2 + ROWS * WIDTH);
      INDArray g = Nd4j.zeros(dt, 2 + ROWS * WIDTH);
      p.putScalar(0, 0.25);
      p.putScalar(1, -0.5);
      return new Model(new ModelView(layout, p, g, List.of(t)), t);
    }

    long at(int i, int j) {
      return table.offset() + i * table.rowStride() + j * table.colStride();
    }

    void setTable(double[][] w, INDArray into) {
      for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < WIDTH; j++) into.putScalar(at(i, j), w[i][j]);
    }

    double[] tableValues() {
      double[] out = new double[ROWS * WIDTH];
      for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < WIDTH; j++) out[i * WIDTH + j] = view.params().getDouble(at(i, j));
      return out;
    }

    /** The gradient of one reference step: its rows' values, zero elsewhere. */
    void gradient(JsonNode step) {
      view.grads().assign(0);
      JsonNode rows = step.get("rows");
      for (int k = 0; k < rows.size(); k++)
        for (int j = 0; j < WIDTH; j++)
          view.grads()
              .putScalar(at(rows.get(k).asInt(), j), step.get("grad").get(k).get(j).asDouble());
    }
  }

  private static double[][] init() {
    double[][] w = new double[ROWS][WIDTH];
    for (int i = 0; i < ROWS; i++)
      for (int j = 0; j < WIDTH; j++) w[i][j] = REF.get("init").get(i).get(j).asDouble();
    return w;
  }

  private static Optimizer rowSparse(String method, Map<String, Object> tableHparams) {
    return OptimizerRegistry.create(
        Spec.of(
            "row_sparse",
            "base",
            Map.of("name", "sgd", "hparams", Map.of("lr", 0.1)),
            "tables",
            Map.of("name", method, "hparams", tableHparams)));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> hparams(String method) {
    return new ObjectMapper().convertValue(REF.get("hparams").get(method), Map.class);
  }

  /**
   * Every step of the reference trace: torch's SparseAdam and SGD bit for bit, the row-wise AdaGrad
   * formula to rounding, in float32 and float64 and both table layouts.
   */
  @ParameterizedTest(name = "{0} {1} rowMajor={2}")
  @CsvSource({
    "lazy_adam, FLOAT, true",
    "lazy_adam, FLOAT, false",
    "lazy_adam, DOUBLE, true",
    "lazy_adam, DOUBLE, false",
    "sgd, FLOAT, true",
    "sgd, DOUBLE, false",
    "rowwise_adagrad, FLOAT, false",
    "rowwise_adagrad, DOUBLE, true"
  })
  void followsTheReferenceTrace(String method, DataType dt, boolean rowMajor) {
    Model m = Model.of(dt, rowMajor);
    m.setTable(init(), m.view().params());
    Optimizer opt = rowSparse(method, hparams(method));
    OptimizerState s = opt.init(m.view());
    JsonNode expected =
        REF.get("expected").get(method).get(dt == DataType.FLOAT ? "float32" : "float64");
    // torch's SparseAdam and SGD are matched bit for bit; the row-wise AdaGrad trace is its formula
    // written in torch, whose evaluation order (lr / x as lr * (1 / x)) rounds differently
    double tol = !method.equals("rowwise_adagrad") ? 0 : dt == DataType.FLOAT ? 2e-6 : 1e-14;
    for (int t = 0; t < REF.get("steps").size(); t++) {
      m.gradient(REF.get("steps").get(t));
      Optimizers.step(opt, m.view(), s, StepContext.of(t));
      double[] want = new double[ROWS * WIDTH];
      for (int e = 0; e < want.length; e++) want[e] = expected.get(t).get(e).asDouble();
      double[] got = m.tableValues();
      for (int e = 0; e < want.length; e++)
        assertEquals(
            want[e],
            got[e],
            tol * Math.max(1, Math.abs(want[e])),
            method + " " + dt + " step " + (t + 1) + " element " + e);
      // the dense segment had a zero gradient: SGD leaves it
      assertEquals(0.25, m.view().params().getDouble(0), 1e-7);
    }
  }

  /**
   * The base optimizer sees only the parameters outside the tables: with Adam as the base, the
   * dense segment ends where Adam alone on that segment ends, bit for bit.
   */
  @Test
  void baseStepsOnTheOtherParametersOnly() {
    Model m = Model.of(DataType.DOUBLE, false);
    m.setTable(init(), m.view().params());
    Map<String, Object> adam = Map.of("name", "adam", "hparams", Map.of("lr", 0.05));
    Optimizer opt =
        OptimizerRegistry.create(
            Spec.of(
                "row_sparse",
                "base",
                adam,
                "tables",
                Map.of("name", "lazy_adam", "hparams", Map.of("lr", 0.01))));
    OptimizerState s = opt.init(m.view());
    Optimizer alone = OptimizerRegistry.create(Spec.of("adam", "lr", 0.05));
    INDArray b = Nd4j.createFromArray(0.25, -0.5);
    INDArray gb = Nd4j.zeros(DataType.DOUBLE, 2);
    ModelView bv = new ModelView(ParamLayout.single("b", 2), b, gb);
    OptimizerState sb = alone.init(bv);
    for (int t = 0; t < REF.get("steps").size(); t++) {
      m.gradient(REF.get("steps").get(t));
      double gv0 = 0.3 * (t + 1);
      double gv1 = -0.7 / (t + 1);
      m.view().grads().putScalar(0, gv0);
      m.view().grads().putScalar(1, gv1);
      gb.putScalar(0, gv0);
      gb.putScalar(1, gv1);
      Optimizers.step(opt, m.view(), s, StepContext.of(t));
      Optimizers.step(alone, bv, sb, StepContext.of(t));
    }
    assertArrayEquals(
        b.toDoubleVector(),
        new double[] {m.view().params().getDouble(0), m.view().params().getDouble(1)},
        0.0);
    assertTrue(sb.bitwiseEquals(s.child("base")), "the base's state is Adam's on b alone");
  }

  /**
   * The base's parameters and state are its own on the dense segments alone, bit for bit, and so
   * are the parameters it evaluates at (schedule-free AdamW's average), with the table's entries
   * left as they are: with dense segments on both sides of the table (two ranges, gathered into a
   * compact model and written back) and with the table first (one range at an offset, stepped in
   * place as a view).
   */
  @ParameterizedTest(name = "{0} denseOnBothSides={1}")
  @CsvSource({
    "adam, true",
    "schedule_free_adamw, true",
    "adam, false",
    "schedule_free_adamw, false"
  })
  void baseStepsOnTheDenseSegmentsWhereverTheyLie(String baseName, boolean bothSides) {
    int before = bothSides ? 2 : 0;
    int after = 5 - before;
    ParamLayout.Builder lb = ParamLayout.builder();
    if (bothSides) lb.add("a", before);
    ParamLayout layout = lb.add("w", ROWS, WIDTH).add("c", after).build();
    EmbeddingTable t = new EmbeddingTable("w", before, ROWS, WIDTH, WIDTH, 1);
    int n = 5 + ROWS * WIDTH;
    int[] dense = new int[5];
    for (int k = 0; k < 5; k++) dense[k] = k < before ? k : n - 5 + k;
    INDArray p = Nd4j.zeros(DataType.FLOAT, n);
    INDArray g = Nd4j.zeros(DataType.FLOAT, n);
    for (int i = 0; i < n; i++) p.putScalar(i, 0.01 * (i % 7) - 0.02);
    ModelView full = new ModelView(layout, p, g, List.of(t));
    Map<String, Object> base = Map.of("name", baseName, "hparams", Map.of("lr", 0.05));
    Optimizer opt =
        OptimizerRegistry.create(
            Spec.of(
                "row_sparse",
                "base",
                base,
                "tables",
                Map.of("name", "lazy_adam", "hparams", Map.of("lr", 0.01))));
    OptimizerState s = opt.init(full);
    Optimizer alone = OptimizerRegistry.create(Spec.of(baseName, "lr", 0.05));
    INDArray b = Nd4j.zeros(DataType.FLOAT, 5);
    INDArray gb = Nd4j.zeros(DataType.FLOAT, 5);
    for (int k = 0; k < 5; k++) b.putScalar(k, p.getDouble(dense[k]));
    ModelView bv = new ModelView(ParamLayout.single("dense", 5), b, gb);
    OptimizerState sb = alone.init(bv);
    for (int step = 0; step < 4; step++) {
      g.assign(0);
      for (int k = 0; k < 5; k++) {
        double v = Math.sin(step + 3.0 * k);
        g.putScalar(dense[k], v);
        gb.putScalar(k, v);
      }
      g.putScalar(before + step * WIDTH, 0.5); // one row of the table
      Optimizers.step(opt, full, s, StepContext.of(step));
      Optimizers.step(alone, bv, sb, StepContext.of(step));
    }
    for (int k = 0; k < 5; k++)
      assertEquals(b.getDouble(k), p.getDouble(dense[k]), 0.0, "dense entry " + dense[k]);
    assertTrue(sb.bitwiseEquals(s.child("base")), "the base's state is its own on the dense part");
    double[] table = m(p, before, n - after);
    INDArray eval = opt.evalParams(full, s);
    INDArray evalAlone = alone.evalParams(bv, sb);
    for (int k = 0; k < 5; k++)
      assertEquals(evalAlone.getDouble(k), eval.getDouble(dense[k]), 0.0, "eval " + dense[k]);
    assertArrayEquals(table, m(eval, before, n - after), 0.0, "the table's entries at eval");
    for (int k = 0; k < 5; k++)
      assertEquals(b.getDouble(k), p.getDouble(dense[k]), 0.0, "evaluating moved " + dense[k]);
  }

  private static double[] m(INDArray v, int from, int to) {
    return v.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)).toDoubleVector();
  }

  /** Rows without a gradient keep their weights and their moments, bit for bit. */
  @Test
  void untouchedRowsAndTheirStateStayPut() {
    Model m = Model.of(DataType.FLOAT, false);
    m.setTable(init(), m.view().params());
    Optimizer opt = rowSparse("lazy_adam", Map.of("lr", 0.01));
    OptimizerState s = opt.init(m.view());
    Diagnostics d = new Diagnostics();
    m.gradient(REF.get("steps").get(0));
    Optimizers.step(opt, m.view(), s, StepContext.builder().step(0).diagnostics(d).build());
    double[] before = m.tableValues();
    double[] mBefore = s.array("w.exp_avg").toDoubleVector();
    JsonNode step = REF.get("steps").get(1);
    m.gradient(step);
    Optimizers.step(opt, m.view(), s, StepContext.builder().step(1).diagnostics(d).build());
    assertEquals(step.get("rows").size(), d.values().get("rows_updated"), 0.0);
    double[] after = m.tableValues();
    double[] mAfter = s.array("w.exp_avg").toDoubleVector();
    java.util.Set<Integer> touched = new java.util.HashSet<>();
    step.get("rows").forEach(r -> touched.add(r.asInt()));
    for (int i = 0; i < ROWS; i++) {
      if (touched.contains(i)) continue;
      for (int j = 0; j < WIDTH; j++) {
        assertEquals(before[i * WIDTH + j], after[i * WIDTH + j], 0.0, "row " + i + " moved");
        // the state is row-major whatever the table's layout (this table is column-major)
        assertEquals(mBefore[i * WIDTH + j], mAfter[i * WIDTH + j], 0.0, "row " + i + " moment");
      }
    }
  }

  /**
   * Rows the trainer names as possibly non-zero (a superset: the looked-up rows and others whose
   * gradient is zero) give what the scan of the whole table gives, bit for bit; rows named for
   * another gradient array are not used; and the named rows are what is searched (naming none
   * updates none).
   */
  @ParameterizedTest(name = "{0} rowMajor={1}")
  @CsvSource({"FLOAT, false", "DOUBLE, true"})
  void candidateRowsFromTheTrainerGiveTheScansResult(DataType dt, boolean rowMajor) {
    Model scanned = Model.of(dt, rowMajor);
    Model named = Model.of(dt, rowMajor);
    Model elsewhere = Model.of(dt, rowMajor);
    Model none = Model.of(dt, rowMajor);
    List<Model> all = List.of(scanned, named, elsewhere, none);
    Optimizer opt = rowSparse("lazy_adam", hparams("lazy_adam"));
    List<OptimizerState> states = new java.util.ArrayList<>();
    for (Model m : all) {
      m.setTable(init(), m.view().params());
      states.add(opt.init(m.view()));
    }
    Diagnostics noneDiag = new Diagnostics();
    for (int t = 0; t < REF.get("steps").size(); t++) {
      JsonNode step = REF.get("steps").get(t);
      java.util.TreeSet<Integer> superset = new java.util.TreeSet<>();
      step.get("rows").forEach(r -> superset.add(r.asInt()));
      for (int i = 0; i < ROWS; i += 3) superset.add(i);
      int[] candidates = superset.stream().mapToInt(Integer::intValue).toArray();
      for (Model m : all) m.gradient(step);
      Optimizers.step(opt, scanned.view(), states.get(0), StepContext.of(t));
      Optimizers.step(
          opt,
          named.view(),
          states.get(1),
          StepContext.builder()
              .step(t)
              .tableRows(named.view().grads(), new int[][] {candidates})
              .build());
      Optimizers.step(
          opt,
          elsewhere.view(),
          states.get(2),
          StepContext.builder()
              .step(t)
              .tableRows(elsewhere.view().grads().dup(), new int[][] {new int[0]})
              .build());
      Optimizers.step(
          opt,
          none.view(),
          states.get(3),
          StepContext.builder()
              .step(t)
              .diagnostics(noneDiag)
              .tableRows(none.view().grads(), new int[][] {new int[0]})
              .build());
      assertEquals(0.0, noneDiag.values().get("rows_updated"), "step " + t);
    }
    assertArrayEquals(
        scanned.view().params().toDoubleVector(), named.view().params().toDoubleVector(), 0.0);
    assertArrayEquals(
        scanned.view().params().toDoubleVector(), elsewhere.view().params().toDoubleVector(), 0.0);
    assertTrue(states.get(0).bitwiseEquals(states.get(1)), "state with named rows");
    Model start = Model.of(dt, rowMajor);
    start.setTable(init(), start.view().params());
    assertTrue(
        !java.util.Arrays.equals(start.tableValues(), named.tableValues()),
        "the trace moves the table");
  }

  /** The schedule factor scales the tables' rate too. */
  @Test
  void scheduleFactorScalesTheTablesRate() {
    Model m = Model.of(DataType.DOUBLE, true);
    m.setTable(init(), m.view().params());
    Optimizer opt = rowSparse("sgd", Map.of("lr", 0.1));
    OptimizerState s = opt.init(m.view());
    m.gradient(REF.get("steps").get(0));
    double[] before = m.tableValues();
    Optimizers.step(opt, m.view(), s, StepContext.builder().step(0).lrScale(0.5).build());
    double[] after = m.tableValues();
    JsonNode step = REF.get("steps").get(0);
    int r = step.get("rows").get(0).asInt();
    double g = step.get("grad").get(0).get(0).asDouble();
    assertEquals(before[r * WIDTH] - 0.05 * g, after[r * WIDTH], 1e-15);
  }

  @Test
  void refusesAModelWithoutTables() {
    Optimizer opt = rowSparse("sgd", Map.of("lr", 0.1));
    ModelView plain =
        new ModelView(
            ParamLayout.single("x", 3),
            Nd4j.zeros(DataType.FLOAT, 3),
            Nd4j.zeros(DataType.FLOAT, 3));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> opt.init(plain));
    assertTrue(e.getMessage().contains("no embedding tables"), e.getMessage());
  }

  @Test
  void specErrorsNameTheField() {
    Map<String, Object> sgd = Map.of("name", "sgd", "hparams", Map.of("lr", 0.1));
    SpecException missing =
        assertThrows(
            SpecException.class,
            () -> OptimizerRegistry.create(Spec.of("row_sparse", "base", sgd)));
    assertEquals("optimizer.hparams.tables", missing.field());
    SpecException unknown =
        assertThrows(
            SpecException.class,
            () ->
                OptimizerRegistry.create(
                    Spec.of("row_sparse", "base", sgd, "tables", Map.of("name", "adam"))));
    assertEquals("optimizer.hparams.tables.name", unknown.field());
    SpecException noLr =
        assertThrows(
            SpecException.class,
            () ->
                OptimizerRegistry.create(
                    Spec.of("row_sparse", "base", sgd, "tables", Map.of("name", "sgd"))));
    assertEquals("optimizer.hparams.tables.hparams.lr", noLr.field());
    SpecException extra =
        assertThrows(
            SpecException.class,
            () ->
                OptimizerRegistry.create(
                    Spec.of(
                        "row_sparse",
                        "base",
                        sgd,
                        "tables",
                        Map.of("name", "lazy_adam", "hparams", Map.of("momentum", 0.9)))));
    assertEquals("optimizer.hparams.tables.hparams.momentum", extra.field());
  }
}
