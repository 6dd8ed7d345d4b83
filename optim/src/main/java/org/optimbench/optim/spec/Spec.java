package org.optimbench.optim.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A named component with hyperparameters, as written in JSON or YAML: {@code {"name": "prodigy",
 * "hparams": {"lr": 1.0, "betas": [0.9, 0.999]}}}. Used for optimizers and for schedules (whose
 * hyperparameters may also sit beside the name, as in the trace contract's {@code {"name":
 * "cosine", "total_steps": 40}}).
 *
 * <p>Values are plain Java objects: {@code Double}/{@code Long}, {@code Boolean}, {@code String},
 * {@code List}, nested {@code Map} (a nested spec), or {@code null}.
 */
public record Spec(String name, Map<String, Object> hparams) implements java.io.Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  public Spec {
    if (name == null || name.isBlank()) throw new SpecException("name", "missing");
    hparams = Collections.unmodifiableMap(new LinkedHashMap<>(hparams));
  }

  public static Spec of(String name, Object... keyValues) {
    if (keyValues.length % 2 != 0) throw new IllegalArgumentException("key/value pairs expected");
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
    return new Spec(name, m);
  }

  /**
   * Parses JSON or YAML text (YAML is a superset of JSON). {@code path} names the location for
   * errors.
   */
  public static Spec parse(String text, String path) {
    JsonNode node;
    try {
      node = YAML.readTree(text);
    } catch (Exception e) {
      throw new SpecException(
          path, "not valid JSON/YAML: " + e.getMessage().lines().findFirst().orElse(""));
    }
    return fromJson(node, path, false);
  }

  /**
   * Reads a spec node. With {@code flat}, keys other than "name" are hyperparameters (schedule
   * style); otherwise only "name" and "hparams" are allowed.
   */
  public static Spec fromJson(JsonNode node, String path, boolean flat) {
    if (node == null || !node.isObject())
      throw new SpecException(path, "expected an object with a \"name\"");
    JsonNode n = node.get("name");
    if (n == null || !n.isTextual())
      throw new SpecException(path + ".name", "missing or not a string");
    Map<String, Object> hp = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String k = e.getKey();
      if (k.equals("name")) continue;
      if (k.equals("hparams")) {
        JsonNode h = e.getValue();
        if (!h.isObject()) throw new SpecException(path + ".hparams", "expected an object");
        for (Iterator<Map.Entry<String, JsonNode>> hi = h.fields(); hi.hasNext(); ) {
          Map.Entry<String, JsonNode> he = hi.next();
          hp.put(he.getKey(), toJava(he.getValue()));
        }
      } else if (flat) {
        hp.put(k, toJava(e.getValue()));
      } else {
        throw new SpecException(path + "." + k, "unknown key (expected \"name\" and \"hparams\")");
      }
    }
    return new Spec(n.asText(), hp);
  }

  static Object toJava(JsonNode v) {
    if (v == null || v.isNull()) return null;
    if (v.isBoolean()) return v.booleanValue();
    if (v.isIntegralNumber()) return v.longValue();
    if (v.isNumber()) return v.doubleValue();
    if (v.isTextual()) return v.textValue();
    if (v.isArray()) {
      List<Object> l = new ArrayList<>();
      for (JsonNode x : v) l.add(toJava(x));
      return l;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      m.put(e.getKey(), toJava(e.getValue()));
    }
    return m;
  }

  /** JSON text of this spec ({@code {"name":..., "hparams":{...}}}). */
  public String toJson() {
    try {
      return JSON.writeValueAsString(toMap());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    Map<String, Object> h = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : hparams.entrySet()) {
      h.put(e.getKey(), e.getValue() instanceof Spec s ? s.toMap() : e.getValue());
    }
    m.put("hparams", h);
    return m;
  }
}
