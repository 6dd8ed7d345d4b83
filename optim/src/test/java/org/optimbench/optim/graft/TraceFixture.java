package org.optimbench.optim.graft;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.trace.TraceProblem;

/** A small, seeded trace problem (softmax MLP, segments W1, b1, W2, b2) for any optimizer spec. */
final class TraceFixture {
  private TraceFixture() {}

  static TraceProblem problem(Spec optimizer, int steps, long seed) {
    Random r = new Random(seed);
    int n = 16;
    int d = 3;
    int c = 3;
    int h = 4;
    List<List<Double>> x = new ArrayList<>();
    List<Integer> y = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<Double> row = new ArrayList<>();
      for (int j = 0; j < d; j++) row.add(r.nextDouble() * 3 - 1.5);
      x.add(row);
      y.add(r.nextInt(c));
    }
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("W1", matrix(r, h, d));
    params.put("b1", vector(r, h));
    params.put("W2", matrix(r, c, h));
    params.put("b2", vector(r, c));
    List<List<Integer>> batches = new ArrayList<>();
    for (int t = 0; t < steps; t++) {
      List<Integer> b = new ArrayList<>();
      for (int k = 0; k < 4; k++) b.add(r.nextInt(n));
      batches.add(b);
    }
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("dtype", "float64");
    p.put("x", x);
    p.put("y", y);
    p.put("classes", c);
    p.put("hidden", h);
    p.put("params", params);
    p.put("batches", batches);
    p.put("optimizer", optimizer.toMap());
    ObjectMapper json = new ObjectMapper();
    return TraceProblem.parse(json.valueToTree(p));
  }

  private static List<List<Double>> matrix(Random r, int rows, int cols) {
    List<List<Double>> m = new ArrayList<>();
    for (int i = 0; i < rows; i++) m.add(vector(r, cols));
    return m;
  }

  private static List<Double> vector(Random r, int n) {
    List<Double> v = new ArrayList<>();
    for (int i = 0; i < n; i++) v.add(r.nextDouble() - 0.5);
    return v;
  }
}
