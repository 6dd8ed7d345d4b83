package org.optimbench.optim.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.spec.SpecException;

/**
 * A parsed and validated trace problem ({@code docs/OPTIM-TRACE.md}). Every validation error is a
 * {@link SpecException} naming the JSON field ({@code y[17]}, {@code params.W1[2]}, ...).
 */
public record TraceProblem(
    DataType dtype,
    double[][] x,
    int[] y,
    int classes,
    int hidden,
    double[] initialParams,
    int[][] batches,
    int[][] valBatches,
    Spec optimizer,
    Spec schedule) {

  private static final Set<String> KEYS =
      Set.of(
          "dtype",
          "x",
          "y",
          "classes",
          "hidden",
          "params",
          "batches",
          "val_batches",
          "optimizer",
          "schedule");

  public static TraceProblem read(Path file) throws IOException {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(file));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new SpecException(file.toString(), "malformed JSON: " + e.getOriginalMessage());
    }
    TraceProblem p = parse(root);
    return p.schedule() == null
        ? p
        : p.withSchedule(resolveRelativePath(p.schedule(), file.toAbsolutePath().getParent()));
  }

  /**
   * A {@code refined} schedule's relative {@code path} names a file next to the problem, as the
   * reference harness reads it.
   */
  private static Spec resolveRelativePath(Spec schedule, Path dir) {
    Object path = schedule.hparams().get("path");
    if (!(path instanceof String s) || Path.of(s).isAbsolute()) return schedule;
    java.util.Map<String, Object> hp = new java.util.LinkedHashMap<>(schedule.hparams());
    hp.put("path", dir.resolve(s).toString());
    return new Spec(schedule.name(), hp);
  }

  private TraceProblem withSchedule(Spec s) {
    return new TraceProblem(
        dtype, x, y, classes, hidden, initialParams, batches, valBatches, optimizer, s);
  }

  public static TraceProblem parse(JsonNode root) {
    if (root == null || !root.isObject())
      throw new SpecException("problem", "expected a JSON object");
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!KEYS.contains(k))
        throw new SpecException(
            k, "unknown key (known: " + String.join(", ", new java.util.TreeSet<>(KEYS)) + ")");
    }
    String dt = text(root, "dtype");
    DataType dtype =
        switch (dt) {
          case "float64" -> DataType.DOUBLE;
          case "float32" -> DataType.FLOAT;
          default -> throw new SpecException("dtype", "'" + dt + "' is not float32 or float64");
        };
    double[][] x = matrix(required(root, "x"), "x", -1, -1);
    if (x.length == 0) throw new SpecException("x", "no rows");
    int n = x.length;
    int d = x[0].length;
    int classes = integer(root, "classes");
    if (classes < 2) throw new SpecException("classes", classes + " must be >= 2");
    int hidden = integer(root, "hidden");
    if (hidden < 0) throw new SpecException("hidden", hidden + " must be >= 0");
    JsonNode yNode = required(root, "y");
    if (!yNode.isArray() || yNode.size() != n)
      throw new SpecException("y", "expected " + n + " labels (one per row of x)");
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      JsonNode v = yNode.get(i);
      if (!v.isIntegralNumber() || v.asInt() < 0 || v.asInt() >= classes)
        throw new SpecException(
            "y[" + i + "]", v + " is not a class label in [0, " + classes + ")");
      y[i] = v.asInt();
    }
    SoftmaxMlp model = new SoftmaxMlp(d, hidden, classes, dtype);
    JsonNode params = required(root, "params");
    if (!params.isObject()) throw new SpecException("params", "expected an object");
    Set<String> expected = hidden > 0 ? Set.of("W1", "b1", "W2", "b2") : Set.of("W2", "b2");
    for (Iterator<String> it = params.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!expected.contains(k))
        throw new SpecException(
            "params." + k,
            hidden > 0 ? "unexpected tensor" : "unexpected tensor (hidden = 0 has only W2 and b2)");
    }
    double[] flat = new double[(int) model.layout().totalLength()];
    int off = 0;
    if (hidden > 0) {
      off = copy(matrix(required(params, "W1", "params.W1"), "params.W1", hidden, d), flat, off);
      off =
          copy(
              new double[][] {vector(required(params, "b1", "params.b1"), "params.b1", hidden)},
              flat,
              off);
      off =
          copy(
              matrix(required(params, "W2", "params.W2"), "params.W2", classes, hidden), flat, off);
    } else {
      off = copy(matrix(required(params, "W2", "params.W2"), "params.W2", classes, d), flat, off);
    }
    copy(
        new double[][] {vector(required(params, "b2", "params.b2"), "params.b2", classes)},
        flat,
        off);
    int[][] batches = batches(required(root, "batches"), "batches", n);
    int[][] val =
        root.has("val_batches") ? batches(root.get("val_batches"), "val_batches", n) : null;
    if (val != null && val.length < batches.length)
      throw new SpecException(
          "val_batches",
          "has " + val.length + " entries, need one per step (" + batches.length + ")");
    Spec opt = Spec.fromJson(required(root, "optimizer"), "optimizer", false);
    Spec sched =
        root.has("schedule") && !root.get("schedule").isNull()
            ? Spec.fromJson(root.get("schedule"), "schedule", true)
            : null;
    return new TraceProblem(dtype, x, y, classes, hidden, flat, batches, val, opt, sched);
  }

  public SoftmaxMlp model() {
    return new SoftmaxMlp(x[0].length, hidden, classes, dtype);
  }

  /** The feature rows of the examples {@code idx} as a [len, d] array in the problem's dtype. */
  public INDArray rows(int[] idx) {
    double[][] r = new double[idx.length][];
    for (int i = 0; i < idx.length; i++) r[i] = x[idx[i]];
    return Nd4j.createFromArray(r).castTo(dtype);
  }

  public int[] labels(int[] idx) {
    int[] l = new int[idx.length];
    for (int i = 0; i < idx.length; i++) l[i] = y[idx[i]];
    return l;
  }

  public INDArray initialParamsArray() {
    return Nd4j.createFromArray(initialParams).castTo(dtype);
  }

  public ModelView view(INDArray params, INDArray grads) {
    return new ModelView(model().layout(), params, grads);
  }

  // ---- JSON helpers ----

  private static JsonNode required(JsonNode o, String key) {
    return required(o, key, key);
  }

  private static JsonNode required(JsonNode o, String key, String path) {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) throw new SpecException(path, "missing");
    return v;
  }

  private static String text(JsonNode o, String key) {
    JsonNode v = required(o, key);
    if (!v.isTextual()) throw new SpecException(key, "expected a string");
    return v.asText();
  }

  private static int integer(JsonNode o, String key) {
    JsonNode v = required(o, key);
    if (!v.isIntegralNumber()) throw new SpecException(key, v + " is not an integer");
    return v.asInt();
  }

  private static double number(JsonNode v, String path) {
    if (v == null || !v.isNumber())
      throw new SpecException(path, (v == null ? "missing" : v + " is not a number"));
    double d = v.asDouble();
    if (!Double.isFinite(d)) throw new SpecException(path, "non-finite number " + d);
    return d;
  }

  private static double[] vector(JsonNode v, String path, int len) {
    if (!v.isArray()) throw new SpecException(path, "expected an array");
    if (len >= 0 && v.size() != len)
      throw new SpecException(path, "has " + v.size() + " entries, expected " + len);
    double[] out = new double[v.size()];
    for (int i = 0; i < out.length; i++) out[i] = number(v.get(i), path + "[" + i + "]");
    return out;
  }

  private static double[][] matrix(JsonNode v, String path, int rows, int cols) {
    if (!v.isArray()) throw new SpecException(path, "expected an array of rows");
    if (rows >= 0 && v.size() != rows)
      throw new SpecException(path, "has " + v.size() + " rows, expected " + rows);
    double[][] out = new double[v.size()][];
    int width = cols;
    for (int r = 0; r < out.length; r++) {
      out[r] = vector(v.get(r), path + "[" + r + "]", width);
      if (width < 0) width = out[r].length;
      if (width == 0) throw new SpecException(path + "[" + r + "]", "empty row");
    }
    return out;
  }

  private static int copy(double[][] m, double[] flat, int off) {
    for (double[] row : m) {
      System.arraycopy(row, 0, flat, off, row.length);
      off += row.length;
    }
    return off;
  }

  private static int[][] batches(JsonNode v, String path, int n) {
    if (!v.isArray() || v.size() == 0)
      throw new SpecException(path, "expected a non-empty array of index lists");
    int[][] out = new int[v.size()][];
    for (int t = 0; t < out.length; t++) {
      JsonNode b = v.get(t);
      if (!b.isArray() || b.size() == 0)
        throw new SpecException(
            path + "[" + t + "]", "expected a non-empty array of example indices");
      out[t] = new int[b.size()];
      for (int i = 0; i < b.size(); i++) {
        JsonNode e = b.get(i);
        if (!e.isIntegralNumber() || e.asInt() < 0 || e.asInt() >= n)
          throw new SpecException(
              path + "[" + t + "][" + i + "]", e + " is not an example index in [0, " + n + ")");
        out[t][i] = e.asInt();
      }
    }
    return out;
  }
}
