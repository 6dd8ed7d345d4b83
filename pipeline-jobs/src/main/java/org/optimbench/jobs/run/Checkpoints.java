package org.optimbench.jobs.run;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.OptimizerState;

/**
 * The checkpoints of one run, under {@code <run>/checkpoints/}.
 *
 * <p>A checkpoint is a directory {@code step-<step>/} with {@code params.bin} ({@link Nd4j#write}:
 * dtype, shape and bits), {@code optimizer.bin} ({@link OptimizerState#write}) and {@code
 * meta.json} (step, the trainer's extra values, and each file's size and CRC-32, so a truncated or
 * damaged file is reported by name instead of failing somewhere inside ND4J).
 *
 * <p><b>Commit protocol</b>: the files are written into {@code .tmp-<uuid>/} and forced to disk,
 * the directory is renamed to {@code step-<step>/}, and then the pointer file {@code latest}
 * (holding {@code step-<step>}) is replaced atomically. Replacing {@code latest} is the commit: a
 * step directory newer than {@code latest} is a kill between the rename and the pointer, and is
 * treated as never written. Only after the commit are checkpoints beyond the last {@code keep}
 * deleted.
 *
 * <p>Save the training parameters ({@code model.params()}), not {@code Optimizer.evalParams}: a
 * resume needs the point the optimizer steps from (they differ for Schedule-Free).
 */
public final class Checkpoints {
  public static final String DIR = "checkpoints";
  public static final String LATEST = "latest";
  public static final String PARAMS = "params.bin";
  public static final String OPTIMIZER = "optimizer.bin";
  public static final String META = "meta.json";
  public static final int DEFAULT_KEEP = 2;
  private static final Pattern STEP_DIR = Pattern.compile("step-(\\d+)");
  private static final String TMP_PREFIX = ".tmp-";
  private static final int FORMAT = 1;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS);

  private final Path dir;
  private final int keep;

  /** The checkpoints under {@code <runDir>/checkpoints/}, keeping the last {@code keep} (>= 1). */
  public Checkpoints(Path runDir, int keep) {
    if (keep < 1) throw new IllegalArgumentException("keep must be >= 1, got " + keep);
    this.dir = runDir.resolve(DIR);
    this.keep = keep;
  }

  public Path dir() {
    return dir;
  }

  /**
   * Commits a checkpoint for {@code step} (see the class comment) and prunes old ones. Steps must
   * not go back: a step before the committed one is an error, and the committed step itself (a run
   * resumed at its last step and checkpointing again) keeps the existing checkpoint, which a
   * deterministic run would write identically.
   */
  public Path write(long step, INDArray params, OptimizerState state, Map<String, Object> extra)
      throws IOException {
    if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
    Files.createDirectories(dir);
    Optional<Long> committed = latestStep();
    if (committed.isPresent() && step < committed.get()) {
      throw new IllegalArgumentException(
          dir + ": checkpoint for step " + step + " after the one for step " + committed.get());
    }
    if (committed.isPresent() && step == committed.get()) return dir.resolve(name(step));
    Path tmp = dir.resolve(TMP_PREFIX + UUID.randomUUID());
    Path target = dir.resolve(name(step));
    try {
      Files.createDirectory(tmp);
      ObjectNode files = JSON.createObjectNode();
      // a view would be written with its whole backing buffer in some ND4J versions: write a
      // compact copy
      INDArray compact = params.isView() ? params.dup() : params;
      writeChecked(
          tmp.resolve(PARAMS), files, out -> Nd4j.write(compact, new DataOutputStream(out)));
      writeChecked(tmp.resolve(OPTIMIZER), files, state::write);
      ObjectNode meta = JSON.createObjectNode();
      meta.put("format", FORMAT);
      meta.put("step", step);
      meta.put("written_at", Instant.now().toString());
      meta.set("files", files);
      meta.set("extra", JSON.valueToTree(extra == null ? Map.of() : extra));
      Files.writeString(
          tmp.resolve(META), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(meta) + "\n");
      AtomicFiles.syncFile(tmp.resolve(META));
      AtomicFiles.syncDirectory(tmp);
      // an uncommitted directory of this step (a kill before its pointer was written) is garbage
      AtomicFiles.deleteTree(target);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      AtomicFiles.syncDirectory(dir);
      AtomicFiles.writeString(dir.resolve(LATEST), name(step) + "\n");
    } finally {
      AtomicFiles.deleteTree(tmp);
    }
    prune(step);
    return target;
  }

  private interface Writer {
    void write(OutputStream out) throws IOException;
  }

  private static void writeChecked(Path file, ObjectNode files, Writer body) throws IOException {
    CRC32 crc = new CRC32();
    try (OutputStream raw = Files.newOutputStream(file);
        CheckedOutputStream out =
            new CheckedOutputStream(new BufferedOutputStream(raw, 1 << 16), crc)) {
      body.write(out);
      out.flush();
    }
    AtomicFiles.syncFile(file);
    ObjectNode f = files.putObject(file.getFileName().toString());
    f.put("bytes", Files.size(file));
    f.put("crc32", crc.getValue());
  }

  /**
   * The last committed checkpoint, or empty when none was committed. Cleans up what a kill left:
   * {@code .tmp-*} directories and step directories newer than {@code latest}. A damaged committed
   * checkpoint is an error naming the file (not a silent restart from scratch).
   */
  public Optional<Checkpoint> latest() throws IOException {
    if (!Files.isDirectory(dir)) return Optional.empty();
    Optional<Long> committed = latestStep();
    for (Map.Entry<Long, Path> e : stepDirs().entrySet()) {
      if (committed.isEmpty() || e.getKey() > committed.get()) AtomicFiles.deleteTree(e.getValue());
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (p.getFileName().toString().startsWith(TMP_PREFIX)) AtomicFiles.deleteTree(p);
      }
    }
    AtomicFiles.deleteLeftovers(dir);
    if (committed.isEmpty()) return Optional.empty();
    return Optional.of(read(dir.resolve(name(committed.get()))));
  }

  /**
   * The step of the last committed checkpoint (what {@code latest} names) without reading it; empty
   * when none.
   */
  public Optional<Long> latestStep() throws IOException {
    Path pointer = dir.resolve(LATEST);
    String text;
    try {
      text = Files.readString(pointer, StandardCharsets.UTF_8).trim();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    Matcher m = STEP_DIR.matcher(text);
    if (!m.matches())
      throw new RunFileException(pointer, "expected 'step-<n>', found '" + text + "'");
    long step = Long.parseLong(m.group(1));
    if (!Files.isDirectory(dir.resolve(text)))
      throw new RunFileException(pointer, "names " + text + ", which does not exist");
    return Optional.of(step);
  }

  /**
   * Reads the checkpoint in {@code stepDir}, checking every file against the sizes and CRCs in
   * meta.json.
   */
  public static Checkpoint read(Path stepDir) throws IOException {
    Path metaFile = stepDir.resolve(META);
    JsonNode meta;
    try {
      meta = JSON.readTree(Files.readString(metaFile, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      throw new RunFileException(metaFile, "missing");
    } catch (IOException e) {
      throw new RunFileException(metaFile, "unreadable (" + e.getMessage() + ")", e);
    }
    if (meta == null || !meta.path("step").canConvertToLong() || !meta.path("files").isObject()) {
      throw new RunFileException(metaFile, "not a checkpoint meta file (needs step and files)");
    }
    if (meta.path("format").asInt() != FORMAT)
      throw new RunFileException(metaFile, "unsupported checkpoint format " + meta.path("format"));
    long step = meta.get("step").asLong();
    verify(stepDir.resolve(PARAMS), meta.get("files"));
    verify(stepDir.resolve(OPTIMIZER), meta.get("files"));
    INDArray params;
    try (InputStream in =
        new BufferedInputStream(Files.newInputStream(stepDir.resolve(PARAMS)), 1 << 16)) {
      params = Nd4j.read(new DataInputStream(in));
    } catch (IOException | RuntimeException e) {
      throw new RunFileException(stepDir.resolve(PARAMS), "unreadable parameters (" + e + ")", e);
    }
    OptimizerState state;
    try (InputStream in =
        new BufferedInputStream(Files.newInputStream(stepDir.resolve(OPTIMIZER)), 1 << 16)) {
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

  private static void verify(Path file, JsonNode files) throws IOException {
    JsonNode f = files.get(file.getFileName().toString());
    if (f == null)
      throw new RunFileException(file.resolveSibling(META), "no entry for " + file.getFileName());
    if (!Files.isRegularFile(file)) throw new RunFileException(file, "missing");
    long size = Files.size(file);
    long expected = f.path("bytes").asLong();
    if (size != expected)
      throw new RunFileException(
          file, size + " bytes, expected " + expected + " (truncated or damaged)");
    CRC32 crc = new CRC32();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) crc.update(buf, 0, n);
    }
    if (crc.getValue() != f.path("crc32").asLong())
      throw new RunFileException(file, "CRC-32 mismatch (damaged)");
  }

  /**
   * The steps of the step directories present (before {@link #latest} cleans up, also ones a kill
   * left uncommitted).
   */
  public List<Long> steps() throws IOException {
    return new ArrayList<>(stepDirs().keySet());
  }

  private TreeMap<Long, Path> stepDirs() throws IOException {
    TreeMap<Long, Path> out = new TreeMap<>();
    if (!Files.isDirectory(dir)) return out;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Matcher m = STEP_DIR.matcher(p.getFileName().toString());
        if (m.matches() && Files.isDirectory(p)) out.put(Long.parseLong(m.group(1)), p);
      }
    }
    return out;
  }

  /** Deletes all but the last {@code keep} checkpoints at or before the committed {@code step}. */
  private void prune(long committed) throws IOException {
    List<Path> older = new ArrayList<>(stepDirs().headMap(committed, true).values());
    for (int i = 0; i < older.size() - keep; i++) AtomicFiles.deleteTree(older.get(i));
  }

  static String name(long step) {
    return "step-" + step;
  }
}
