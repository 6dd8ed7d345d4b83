package org.optimbench.jobs.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.optimbench.jobs.fs.HadoopConfs;
import org.optimbench.jobs.fs.Location;
import org.optimbench.optim.spec.SpecException;

/**
 * A complete data-prep output ({@code manifest.json} and {@code _SUCCESS}) opened for training,
 * with checked access to its manifest: a missing or mistyped field is an error naming the manifest
 * file, the field and the conf key that pointed here.
 *
 * <p>The directory may be on any Hadoop file system ({@code hdfs:}, {@code s3a:}, {@code gs:}, a
 * local path); only the manifest is read here.
 *
 * @param dir the output directory
 * @param manifest its parsed manifest
 * @param confKey the conf key that named the directory ({@code data.train}), for messages
 */
public record PreparedData(Location dir, JsonNode manifest, String confKey) {
  /**
   * Opens {@code dir}, a path or URI; refuses a directory without {@code _SUCCESS} (a data-prep job
   * still running or killed).
   */
  public static PreparedData open(String dir, String confKey) throws IOException {
    return open(Location.of(dir), confKey);
  }

  /** {@link #open(String, String)} of a Hadoop path. */
  public static PreparedData open(org.apache.hadoop.fs.Path dir, String confKey)
      throws IOException {
    return open(Location.of(dir, HadoopConfs.current()), confKey);
  }

  /** {@link #open(String, String)} of a local directory. */
  public static PreparedData open(Path dir, String confKey) throws IOException {
    return open(Location.local(dir), confKey);
  }

  public static PreparedData open(Location dir, String confKey) throws IOException {
    Location manifest = dir.resolve("manifest.json");
    if (!manifest.isFile() || !dir.resolve("_SUCCESS").exists()) {
      throw new SpecException(
          confKey,
          dir + " is not a complete data-prep output (manifest.json and _SUCCESS expected)");
    }
    JsonNode tree;
    try {
      tree = new ObjectMapper().readTree(manifest.readString());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new SpecException(
          confKey,
          manifest + ": not JSON (" + e.getOriginalMessage().lines().findFirst().orElse("") + ")");
    }
    return new PreparedData(dir, tree, confKey);
  }

  /** The data-prep job that wrote it: {@code libsvm}, {@code criteo} or {@code text}. */
  public String job() {
    return manifest.path("job").asText("");
  }

  /**
   * Fails unless the output was written by data-prep's {@code job} job (workload {@code workload}
   * reads only that kind).
   */
  public void requireJob(String job, String workload) {
    if (!job().equals(job)) {
      throw new SpecException(
          confKey,
          dir.resolve("manifest.json")
              + " was written by data-prep's '"
              + job()
              + "' job; workload "
              + workload
              + " reads the output of 'prepare "
              + job
              + "'");
    }
  }

  /** Rows of a split ({@code rows.<split>}, 0 when absent). */
  public long rows(String split) {
    return manifest.path("rows").path(split).asLong(0);
  }

  /** The integer at a dotted path of the manifest ({@code categorical.hash_range}). */
  public int integer(String dotted) {
    JsonNode n = at(dotted);
    if (!n.canConvertToInt()) throw missing(dotted, "an integer");
    return n.asInt();
  }

  /** Whether the manifest has a value at this dotted path. */
  public boolean has(String dotted) {
    JsonNode n = at(dotted);
    return !n.isMissingNode() && !n.isNull();
  }

  public String text(String dotted) {
    JsonNode n = at(dotted);
    if (!n.isTextual()) throw missing(dotted, "a string");
    return n.asText();
  }

  /** The integer list at a dotted path ({@code categorical.vocab_sizes}). */
  public List<Integer> integers(String dotted) {
    JsonNode n = at(dotted);
    if (!n.isArray()) throw missing(dotted, "a list of integers");
    List<Integer> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.canConvertToInt()) throw missing(dotted, "a list of integers");
      out.add(e.asInt());
    }
    return out;
  }

  private JsonNode at(String dotted) {
    JsonNode n = manifest;
    for (String part : dotted.split("\\.")) n = n.path(part);
    return n;
  }

  private SpecException missing(String dotted, String what) {
    return new SpecException(
        confKey,
        dir.resolve("manifest.json")
            + ": '"
            + dotted
            + "' is not "
            + what
            + " (is this a "
            + job()
            + " output of the expected kind?)");
  }
}
