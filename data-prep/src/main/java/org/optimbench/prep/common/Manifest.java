package org.optimbench.prep.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code manifest.json} written next to every output: schema version, job, versions and git
 * commit, the resolved parameters, the inputs with sizes, line counts and sha256, rows per split,
 * bad-row count, and one job-specific section. Built as an ordered map so the file reads top-down.
 */
public final class Manifest {
  /** Bump when a field changes meaning or the data layout changes. */
  public static final int SCHEMA_VERSION = 1;

  /** {@code produced_by.tool}: what marks a directory as data-prep's own ({@link OwnedOutput}). */
  public static final String PRODUCER_TOOL = "optimbench data-prep";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Map<String, Object> root = new LinkedHashMap<>();

  public Manifest(String job, Object parameters) {
    root.put("schema_version", SCHEMA_VERSION);
    root.put("job", job);
    Map<String, Object> producer = new LinkedHashMap<>();
    producer.put("tool", PRODUCER_TOOL);
    producer.put("version", version());
    producer.put("spark_version", org.apache.spark.package$.MODULE$.SPARK_VERSION());
    producer.put("git_commit", System.getenv("OPTIMBENCH_GIT_COMMIT"));
    root.put("produced_by", producer);
    root.put("parameters", parameters);
  }

  /** The module version, from the Maven-filtered {@code optimbench-prep.properties}. */
  static String version() {
    java.util.Properties p = new java.util.Properties();
    try (java.io.InputStream in =
        Manifest.class.getResourceAsStream("/optimbench-prep.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (java.io.IOException e) {
      return null;
    }
    return p.getProperty("version");
  }

  public Manifest put(String key, Object value) {
    root.put(key, value);
    return this;
  }

  /** Inputs sorted by path, one entry per file (duplicates from retried tasks removed). */
  public Manifest inputs(Collection<FileMeta> metas) {
    Map<String, FileMeta> byPath = new LinkedHashMap<>();
    for (FileMeta m : metas) {
      byPath.put(m.path(), m);
    }
    List<FileMeta> sorted = new ArrayList<>(byPath.values());
    sorted.sort(Comparator.comparing(FileMeta::path));
    List<Map<String, Object>> list = new ArrayList<>();
    for (FileMeta m : sorted) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("path", m.path());
      e.put("bytes", m.bytes());
      e.put("lines", m.lines());
      e.put("sha256", m.sha256());
      list.add(e);
    }
    root.put("inputs", list);
    return this;
  }

  public Map<String, Object> asMap() {
    return root;
  }

  public byte[] toJson() {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("manifest is not serializable", e);
    }
  }

  public static ObjectMapper json() {
    return JSON;
  }
}
