package org.optimbench.jobs.run;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.fs.Location;
import org.optimbench.optim.OptimizerState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoints of one run, under {@code <run>/checkpoints/}, on any Hadoop file system.
 *
 * <p>A checkpoint is a directory {@code step-<step>/} with {@code params.bin} ({@link Nd4j#write}:
 * dtype, shape and bits), {@code optimizer.bin} ({@link OptimizerState#write}) and {@code
 * meta.json} (step, the trainer's extra values, and each file's size and CRC-32, so a truncated or
 * damaged file is reported by name instead of failing somewhere inside ND4J).
 *
 * <p><b>Commit protocol</b>, the same on every file system, object stores included (it needs no
 * rename of a directory): the data files are written first, each once; {@code meta.json} is written
 * last, whole and without overwriting ({@link Location#createOnce}), and is the commit marker. A
 * checkpoint is committed when its marker is there and valid: it parses, names this step, and every
 * file it lists has the recorded size ({@link #latestStep}) and CRC ({@link #latest}). Readers take
 * the highest committed step; a step directory without a marker is a write that was cut off, and
 * one whose marker or files do not check is damaged: both are passed over with a warning for the
 * step before, which is why at least two checkpoints are kept. Only after the commit are
 * checkpoints beyond the last {@code keep} deleted.
 *
 * <p>Directories written with a rename and a {@code latest} pointer file hold the same files and a
 * marker in each step directory, so they read the same way (the pointer is no longer consulted and
 * is removed at the next commit).
 *
 * <p>Save the training parameters ({@code model.params()}), not {@code Optimizer.evalParams}: a
 * resume needs the point the optimizer steps from (they differ for Schedule-Free).
 */
public final class Checkpoints {
  public static final String DIR = "checkpoints";

  /** The pointer file of directories written before markers were per step; read no more. */
  public static final String LATEST = "latest";

  public static final String PARAMS = "params.bin";
  public static final String OPTIMIZER = "optimizer.bin";
  public static final String META = "meta.json";
  public static final int DEFAULT_KEEP = 2;

  /** The fewest checkpoints kept: one to resume from, one to fall back to when it is damaged. */
  public static final int MIN_KEEP = 2;

  private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
  private static final Pattern STEP_DIR = Pattern.compile("step-(\\d+)");
  private static final String TMP_PREFIX = ".tmp-";
  private static final int FORMAT = 1;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS);

  private final Location dir;
  private final int keep;
  private final MetricsLog.Fence fence;

  /**
   * The checkpoints under {@code <runDir>/checkpoints/}, keeping the last {@code keep} (>= {@link
   * #MIN_KEEP}).
   */
  public Checkpoints(Location runDir, int keep) {
    this(runDir, keep, () -> {});
  }

  /** {@link #Checkpoints(Location, int)} of a local run directory. */
  public Checkpoints(Path runDir, int keep) {
    this(Location.local(runDir), keep);
  }

  Checkpoints(Location runDir, int keep, MetricsLog.Fence fence) {
    if (keep < MIN_KEEP)
      throw new IllegalArgumentException(
          "keep must be >= "
              + MIN_KEEP
              + " (a damaged last checkpoint falls back to the one before), got "
              + keep);
    this.dir = runDir.resolve(DIR);
    this.keep = keep;
    this.fence = fence;
  }

  public Location dir() {
    return dir;
  }

  /**
   * Commits a checkpoint for {@code step} (see the class comment) and prunes old ones. Steps must
   * not go back: a step before the committed one is an error, and the committed step itself (a run
   * resumed at its last step and checkpointing again) keeps the existing checkpoint, which a
   * deterministic run would write identically. Returns the checkpoint's directory.
   */
  public Location write(long step, INDArray params, OptimizerState state, Map<String, Object> extra)
      throws IOException {
    if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
    fence.check();
    Optional<Long> committed = latestStep();
    if (committed.isPresent() && step < committed.get()) {
      throw new IllegalArgumentException(
          dir + ": checkpoint for step " + step + " after the one for step " + committed.get());
    }
    Location target = dir.resolve(name(step));
    if (committed.isPresent() && step == committed.get()) return target;
    // a directory of this step without a valid marker is a write that was cut off: garbage
    target.delete();
    target.mkdirs();
    ObjectNode files = JSON.createObjectNode();
    // a view would be written with its whole backing buffer in some ND4J versions: write a
    // compact copy
    INDArray compact = params.isView() ? params.dup() : params;
    writeChecked(
        target.resolve(PARAMS), files, out -> Nd4j.write(compact, new DataOutputStream(out)));
    writeChecked(target.resolve(OPTIMIZER), files, state::write);
    ObjectNode meta = JSON.createObjectNode();
    meta.put("format", FORMAT);
    meta.put("step", step);
    meta.put("written_at", Instant.now().toString());
    meta.set("files", files);
    meta.set("extra", JSON.valueToTree(extra == null ? Map.of() : extra));
    byte[] marker =
        (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(meta) + "\n")
            .getBytes(StandardCharsets.UTF_8);
    fence.check();
    target.resolve(META).createOnce(out -> out.write(marker));
    dir.resolve(LATEST).delete();
    prune(step);
    return target;
  }

  private interface Writer {
    void write(OutputStream out) throws IOException;
  }

  /** Writes a data file once, recording its size and CRC-32 under its name in {@code files}. */
  private static void writeChecked(Location file, ObjectNode files, Writer body)
      throws IOException {
    CRC32 crc = new CRC32();
    long bytes;
    try (FSDataOutputStream raw = file.create(false)) {
      OutputStream out = new CheckedOutputStream(new BufferedOutputStream(raw, 1 << 16), crc);
      body.write(out);
      out.flush();
      bytes = raw.getPos();
      // durable before the marker that vouches for it (object stores upload at close instead)
      if (file.renamesAtomically()) raw.hsync();
    }
    ObjectNode f = files.putObject(file.name());
    f.put("bytes", bytes);
    f.put("crc32", crc.getValue());
  }

  /**
   * The last committed checkpoint, read and verified, or empty when none was committed. A damaged
   * or cut-off checkpoint above it is passed over with a warning naming both steps and the reason;
   * when every checkpoint is damaged, the last one's damage is the error (a run does not silently
   * start over). Reads only: {@link #discardAbove} removes what a kill left.
   */
  public Optional<Checkpoint> latest() throws IOException {
    NavigableMap<Long, Location> steps = stepDirs().descendingMap();
    List<String> passedOver = new ArrayList<>();
    RunFileException firstDamage = null;
    for (Map.Entry<Long, Location> e : steps.entrySet()) {
      try {
        Checkpoint ck = read(e.getValue());
        if (!passedOver.isEmpty()) {
          LOG.warn(
              "{}: falling back to the checkpoint at step {}: {}",
              dir,
              e.getKey(),
              String.join("; ", passedOver));
        }
        return Optional.of(ck);
      } catch (RunFileException ex) {
        boolean cutOff = !e.getValue().resolve(META).exists();
        if (!cutOff && firstDamage == null) firstDamage = ex;
        passedOver.add(
            "step "
                + e.getKey()
                + (cutOff
                    ? " was never committed (no " + META + ")"
                    : " is unusable: " + ex.getMessage()));
      }
    }
    if (firstDamage != null) throw firstDamage;
    return Optional.empty();
  }

  /**
   * The step of the last committed checkpoint without reading its data: the highest step whose
   * marker parses, names the step, and whose files have the recorded sizes (their CRCs are checked
   * by {@link #latest}, which reads them anyway); empty when none.
   */
  public Optional<Long> latestStep() throws IOException {
    for (Map.Entry<Long, Location> e : stepDirs().descendingMap().entrySet()) {
      try {
        JsonNode meta = marker(e.getValue());
        if (meta.get("step").asLong() != e.getKey()) continue;
        checkSize(e.getValue().resolve(PARAMS), meta.get("files"));
        checkSize(e.getValue().resolve(OPTIMIZER), meta.get("files"));
        return Optional.of(e.getKey());
      } catch (RunFileException ex) {
        // not committed, or damaged: the one before may be the last committed checkpoint
      }
    }
    return Optional.empty();
  }

  /** {@link #read(Location)} of a local step directory. */
  public static Checkpoint read(Path stepDir) throws IOException {
    return read(Location.local(stepDir));
  }

  /**
   * Reads the checkpoint in {@code stepDir}, checking every file against the sizes and CRCs in
   * meta.json; any problem is a {@link RunFileException} naming the file.
   */
  public static Checkpoint read(Location stepDir) throws IOException {
    JsonNode meta = marker(stepDir);
    long step = meta.get("step").asLong();
    Matcher m = STEP_DIR.matcher(stepDir.name());
    if (m.matches() && Long.parseLong(m.group(1)) != step)
      throw new RunFileException(
          stepDir.resolve(META), "names step " + step + ", in the directory " + stepDir.name());
    verify(stepDir.resolve(PARAMS), meta.get("files"));
    verify(stepDir.resolve(OPTIMIZER), meta.get("files"));
    INDArray params;
    try (InputStream in = new BufferedInputStream(stepDir.resolve(PARAMS).open(), 1 << 16)) {
      params = Nd4j.read(new DataInputStream(in));
    } catch (IOException | RuntimeException e) {
      throw new RunFileException(stepDir.resolve(PARAMS), "unreadable parameters (" + e + ")", e);
    }
    OptimizerState state;
    try (InputStream in = new BufferedInputStream(stepDir.resolve(OPTIMIZER).open(), 1 << 16)) {
      state = OptimizerState.read(in);
    } catch (IOException | RuntimeException e) {
      throw new RunFileException(
          stepDir.resolve(OPTIMIZER), "unreadable optimizer state (" + e + ")", e);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> extra =
        meta.has("extra")
            ? JSON.convertValue(meta.get("extra"), LinkedHashMap.class)
            : new LinkedHashMap<>();
    return new Checkpoint(step, params, state, extra, stepDir);
  }

  /** The parsed marker of {@code stepDir}, with a step and a files entry. */
  private static JsonNode marker(Location stepDir) throws IOException {
    Location metaFile = stepDir.resolve(META);
    JsonNode meta;
    try {
      meta = JSON.readTree(metaFile.readString());
    } catch (FileNotFoundException e) {
      throw new RunFileException(metaFile, "missing");
    } catch (IOException e) {
      throw new RunFileException(metaFile, "unreadable (" + e.getMessage() + ")", e);
    }
    if (meta == null || !meta.path("step").canConvertToLong() || !meta.path("files").isObject()) {
      throw new RunFileException(metaFile, "not a checkpoint meta file (needs step and files)");
    }
    if (meta.path("format").asInt() != FORMAT)
      throw new RunFileException(metaFile, "unsupported checkpoint format " + meta.path("format"));
    return meta;
  }

  private static JsonNode checkSize(Location file, JsonNode files) throws IOException {
    JsonNode f = files.get(file.name());
    if (f == null)
      throw new RunFileException(file.parent().resolve(META), "no entry for " + file.name());
    if (!file.isFile()) throw new RunFileException(file, "missing");
    long size = file.length();
    long expected = f.path("bytes").asLong();
    if (size != expected)
      throw new RunFileException(
          file, size + " bytes, expected " + expected + " (truncated or damaged)");
    return f;
  }

  private static void verify(Location file, JsonNode files) throws IOException {
    JsonNode f = checkSize(file, files);
    CRC32 crc = new CRC32();
    try (InputStream in = file.open()) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) crc.update(buf, 0, n);
    }
    if (crc.getValue() != f.path("crc32").asLong())
      throw new RunFileException(file, "CRC-32 mismatch (damaged)");
  }

  /**
   * The steps of the step directories present, committed or not (a kill can leave one without a
   * marker until {@link #discardAbove} removes it).
   */
  public List<Long> steps() throws IOException {
    return new ArrayList<>(stepDirs().keySet());
  }

  /**
   * Deletes the step directories above {@code step} (the checkpoint a run resumes from; -1: all),
   * which are cut off or damaged, and what an interrupted write left: temporary directories and
   * files. Only the writer that owns the run does this, before it writes again.
   */
  void discardAbove(long step) throws IOException {
    fence.check();
    for (Location l : stepDirs().tailMap(step, false).values()) l.delete();
    for (Location l : dir.list()) if (l.name().startsWith(TMP_PREFIX)) l.delete();
    dir.deleteLeftovers();
  }

  private TreeMap<Long, Location> stepDirs() throws IOException {
    TreeMap<Long, Location> out = new TreeMap<>();
    for (Location l : dir.list()) {
      Matcher m = STEP_DIR.matcher(l.name());
      if (m.matches() && l.isDirectory()) out.put(Long.parseLong(m.group(1)), l);
    }
    return out;
  }

  /** Deletes all but the last {@code keep} checkpoints at or before the committed {@code step}. */
  private void prune(long committed) throws IOException {
    List<Location> older = new ArrayList<>(stepDirs().headMap(committed, true).values());
    for (int i = 0; i < older.size() - keep; i++) older.get(i).delete();
  }

  static String name(long step) {
    return "step-" + step;
  }
}
