package org.optimbench.jobs.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.optimbench.jobs.fs.Location;

/**
 * The metrics of one run as CSV ({@code metrics.csv}), one row per logged step.
 *
 * <p><b>Columns are fixed when the log is opened</b>: {@link #CORE} ({@code step, epoch,
 * wall_time_s, samples, train_loss, lr, grad_norm}), then {@code diag.<name>} for each optimizer
 * diagnostic, then {@code eval.<name>} for each evaluation metric, then {@code final.<name>} for
 * each metric of the evaluation after training ({@code eval.final}), in the order given. The final
 * columns are empty until {@link #fill} writes them into the last row. A value for a column that
 * was not declared is an error naming the column: a CSV header cannot grow, and a column that
 * silently appears halfway would be empty in every earlier row. Reopening an existing log with
 * different columns is an error naming the file and the first differing column.
 *
 * <p>Cells: {@code step} and {@code samples} are integers, every other column a double written with
 * {@link Double#toString} (so it parses back to the same bits, {@code NaN} and {@code Infinity}
 * included); an empty cell is a missing value. Steps are strictly increasing, one row per step: put
 * training and evaluation values of the same step into one row.
 *
 * <p><b>Durability</b>: rows are buffered in memory; {@link #flush} writes them (the trainer
 * flushes on every evaluation, and {@link RunDirectory} before every checkpoint and at the end).
 * How depends on the file system:
 *
 * <ul>
 *   <li>{@code file:}: the buffered rows are appended to the file and forced to disk. A kill can
 *       leave a last line without its newline: opening the log drops it.
 *   <li>everywhere else (HDFS and object stores, which cannot append, or not to a file whose
 *       previous writer died holding its lease): the log keeps every line in memory, and each flush
 *       rewrites the whole file as one atomic replacement ({@link Location#replace}). A reader sees
 *       the file of the last flush, complete. A metrics log is small (a row per logged step), so
 *       rewriting it at each flush costs little next to the checkpoints written at the same time.
 * </ul>
 *
 * On resume from a checkpoint at step S, {@link #truncateAfter}(S) atomically rewrites the file
 * without the rows after S, so the rows the resumed run logs again are not duplicated.
 *
 * <p>A log opened by a {@link RunDirectory} checks, before each flush, that its attempt of the run
 * was not superseded ({@link StaleAttemptException}); rows a superseded writer logged are dropped.
 */
public final class MetricsLog implements AutoCloseable {
  public static final String FILE = "metrics.csv";
  public static final List<String> CORE =
      List.of("step", "epoch", "wall_time_s", "samples", "train_loss", "lr", "grad_norm");
  public static final String DIAG = "diag.";
  public static final String EVAL = "eval.";
  public static final String FINAL = "final.";
  private static final Set<String> INTEGER_COLUMNS = Set.of("step", "samples");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.\\-]+");

  /** Checked before anything is written: throws when the writer may no longer write. */
  interface Fence {
    void check() throws IOException;
  }

  private static final Fence UNFENCED = () -> {};

  private final Location file;
  private final List<String> columns;
  private final Map<String, Integer> index = new LinkedHashMap<>();
  private final Fence fence;
  // local files are appended to; elsewhere the whole content is kept and rewritten at each flush
  private final boolean appends;
  private final StringBuilder written = new StringBuilder();
  private final StringBuilder pending = new StringBuilder();
  private boolean open;
  private long lastStep;

  private MetricsLog(Location file, List<String> columns, Fence fence) {
    this.file = file;
    this.columns = List.copyOf(columns);
    this.fence = fence;
    this.appends = file.isLocal();
    for (int i = 0; i < this.columns.size(); i++) index.put(this.columns.get(i), i);
  }

  /** The column list for these diagnostic and evaluation names (names checked, no duplicates). */
  public static List<String> columns(Collection<String> diagnostics, Collection<String> evals) {
    return columns(diagnostics, evals, List.of());
  }

  /** The column list with {@code final.<name>} columns for the evaluation after training. */
  public static List<String> columns(
      Collection<String> diagnostics, Collection<String> evals, Collection<String> finals) {
    Set<String> out = new LinkedHashSet<>(CORE);
    for (String d : diagnostics) add(out, DIAG, d);
    for (String e : evals) add(out, EVAL, e);
    for (String f : finals) add(out, FINAL, f);
    return List.copyOf(out);
  }

  private static void add(Set<String> out, String prefix, String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("metric name '" + name + "' must match " + NAME.pattern());
    }
    if (!out.add(prefix + name))
      throw new IllegalArgumentException("metric '" + prefix + name + "' declared twice");
  }

  /**
   * Creates {@code file} with the header, or reopens it for appending after checking the header and
   * every row (an unreadable row is an error naming the line).
   */
  public static MetricsLog open(Path file, Collection<String> diagnostics, Collection<String> evals)
      throws IOException {
    return open(Location.local(file), diagnostics, evals, List.of(), UNFENCED);
  }

  /** {@link #open(Path, Collection, Collection)} with {@code final.<name>} columns. */
  public static MetricsLog open(
      Path file,
      Collection<String> diagnostics,
      Collection<String> evals,
      Collection<String> finals)
      throws IOException {
    return open(Location.local(file), diagnostics, evals, finals, UNFENCED);
  }

  /** {@link #open(Path, Collection, Collection, Collection)} on any file system. */
  public static MetricsLog open(
      Location file,
      Collection<String> diagnostics,
      Collection<String> evals,
      Collection<String> finals)
      throws IOException {
    return open(file, diagnostics, evals, finals, UNFENCED);
  }

  static MetricsLog open(
      Location file,
      Collection<String> diagnostics,
      Collection<String> evals,
      Collection<String> finals,
      Fence fence)
      throws IOException {
    MetricsLog log = new MetricsLog(file, columns(diagnostics, evals, finals), fence);
    Optional<String> existing = file.readStringIfExists();
    if (existing.isEmpty()) {
      fence.check();
      log.rewrite(List.of(String.join(",", log.columns)));
      log.lastStep = -1;
    } else {
      String text = existing.get();
      List<String> lines = lines(text);
      if (lines.isEmpty()) throw new RunFileException(file, "empty (expected a header line)");
      log.checkHeader(lines.get(0));
      List<Map<String, Object>> rows = parseRows(file, log.columns, lines);
      log.lastStep = rows.isEmpty() ? -1 : (Long) rows.get(rows.size() - 1).get("step");
      if (!text.endsWith("\n")) { // the kill cut the last line: drop it
        fence.check();
        log.rewrite(lines);
      } else {
        log.written.append(text);
      }
    }
    log.open = true;
    return log;
  }

  private void checkHeader(String header) {
    List<String> found = List.of(header.split(",", -1));
    if (found.equals(columns)) return;
    for (int i = 0; i < Math.max(found.size(), columns.size()); i++) {
      String f = i < found.size() ? found.get(i) : "(none)";
      String c = i < columns.size() ? columns.get(i) : "(none)";
      if (!f.equals(c)) {
        throw new RunFileException(
            file,
            "column "
                + (i + 1)
                + " is '"
                + f
                + "' in the existing log but '"
                + c
                + "' now: the run was started with other diagnostics or evaluation metrics");
      }
    }
  }

  public Location file() {
    return file;
  }

  public List<String> columns() {
    return columns;
  }

  /** The step of the last row, -1 when there is none. */
  public long lastStep() {
    return lastStep;
  }

  /** A new row for {@code step}; fill it and pass it to {@link #append}. */
  public static Row row(long step) {
    return new Row(step);
  }

  /**
   * Appends a row (buffered until {@link #flush}). Unknown columns and non-increasing steps are
   * errors.
   */
  public void append(Row row) throws IOException {
    if (!open) throw new IllegalStateException(file + ": the log is closed");
    if (row.step <= lastStep) {
      throw new IllegalArgumentException(
          file
              + ": step "
              + row.step
              + " after step "
              + lastStep
              + " (steps must increase: one row per step)");
    }
    String[] cells = new String[columns.size()];
    Collections.nCopies(cells.length, "").toArray(cells);
    for (Map.Entry<String, Number> e : row.values.entrySet()) {
      Integer i = index.get(e.getKey());
      if (i == null) {
        throw new IllegalArgumentException(
            file
                + ": column '"
                + e.getKey()
                + "' was not declared when the log was opened (declared: "
                + columns
                + ")");
      }
      cells[i] = format(e.getKey(), e.getValue());
    }
    pending.append(String.join(",", cells)).append('\n');
    lastStep = row.step;
  }

  private static String format(String column, Number v) {
    if (v == null) return "";
    if (INTEGER_COLUMNS.contains(column)) {
      if (!(v instanceof Long || v instanceof Integer))
        throw new IllegalArgumentException("column '" + column + "' takes an integer, got " + v);
      return Long.toString(v.longValue());
    }
    return Double.toString(v.doubleValue());
  }

  /**
   * Writes the buffered rows: appended and forced to disk for a local file, the whole log replaced
   * elsewhere (see the class comment).
   */
  public void flush() throws IOException {
    if (pending.length() == 0) return;
    fence.check();
    if (appends) {
      try (FileChannel ch =
          FileChannel.open(
              file.toLocalPath(), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
        ByteBuffer b = ByteBuffer.wrap(pending.toString().getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) ch.write(b);
        ch.force(false);
      }
      written.append(pending);
    } else {
      written.append(pending);
      file.replace(written.toString());
    }
    pending.setLength(0);
  }

  /**
   * Atomically rewrites the log without the rows after {@code step} (-1: without any row), for a
   * resume from the checkpoint at {@code step}.
   */
  public void truncateAfter(long step) throws IOException {
    flush();
    List<String> lines = lines(written.toString());
    List<Map<String, Object>> rows = parseRows(file, columns, lines);
    List<String> keep = new ArrayList<>();
    keep.add(lines.get(0));
    long last = -1;
    for (int i = 0; i < rows.size(); i++) {
      long s = (Long) rows.get(i).get("step");
      if (s <= step) {
        keep.add(lines.get(i + 1));
        last = s;
      }
    }
    if (keep.size() != lines.size()) {
      fence.check();
      rewrite(keep);
    }
    lastStep = last;
  }

  /**
   * Atomically rewrites the closed log {@code file} with {@code values} (column name to value) set
   * in the row of {@code step}, every other cell as it was: how the evaluation after training
   * records its {@code final.<name>} values in the last row, all of them or none. A missing row or
   * an undeclared column is an error naming it.
   */
  public static void fill(Path file, long step, Map<String, ? extends Number> values)
      throws IOException {
    fill(Location.local(file), step, values);
  }

  /** {@link #fill(Path, long, Map)} on any file system. */
  public static void fill(Location file, long step, Map<String, ? extends Number> values)
      throws IOException {
    List<String> lines = lines(file.readString());
    if (lines.isEmpty()) throw new RunFileException(file, "empty (expected a header line)");
    List<String> columns = List.of(lines.get(0).split(",", -1));
    List<Map<String, Object>> rows = parseRows(file, columns, lines);
    int at = -1;
    for (int i = 0; i < rows.size(); i++) if ((Long) rows.get(i).get("step") == step) at = i;
    if (at < 0) throw new RunFileException(file, "no row for step " + step);
    String[] cells = lines.get(at + 1).split(",", -1);
    for (Map.Entry<String, ? extends Number> e : values.entrySet()) {
      int c = columns.indexOf(e.getKey());
      if (c < 0 || e.getKey().equals("step"))
        throw new RunFileException(
            file,
            "no column '" + e.getKey() + "' to fill (columns: " + String.join(", ", columns) + ")");
      cells[c] = format(e.getKey(), e.getValue());
    }
    lines.set(at + 1, String.join(",", cells));
    StringBuilder b = new StringBuilder();
    for (String l : lines) b.append(l).append('\n');
    file.replace(b.toString());
  }

  /**
   * Every row so far (after a flush), as column name to Long (step, samples), Double, or null for
   * an empty cell.
   */
  public List<Map<String, Object>> readAll() throws IOException {
    flush();
    return read(file);
  }

  /**
   * Reads a metrics file: one map per row, in column order, with every column present: Long for
   * {@code step} and {@code samples}, Double for the others, null for an empty cell. A last line
   * without its newline (cut by a kill) is left out. Errors name the file and line.
   */
  public static List<Map<String, Object>> read(Path file) throws IOException {
    return read(Location.local(file));
  }

  /** {@link #read(Path)} on any file system. */
  public static List<Map<String, Object>> read(Location file) throws IOException {
    List<String> lines = lines(file.readString());
    if (lines.isEmpty()) throw new RunFileException(file, "empty (expected a header line)");
    return parseRows(file, List.of(lines.get(0).split(",", -1)), lines);
  }

  @Override
  public void close() throws IOException {
    if (!open) return;
    flush();
    open = false;
  }

  /**
   * The complete lines of {@code text}: a last line without its newline was cut by a kill and is
   * left out.
   */
  private static List<String> lines(String text) {
    List<String> out = new ArrayList<>(List.of(text.split("\n", -1)));
    out.remove(out.size() - 1); // after the last '\n': empty, or the cut line
    return out;
  }

  private static List<Map<String, Object>> parseRows(
      Location file, List<String> columns, List<String> lines) {
    List<Map<String, Object>> rows = new ArrayList<>();
    long prev = -1;
    for (int ln = 1; ln < lines.size(); ln++) {
      String[] cells = lines.get(ln).split(",", -1);
      String where = "line " + (ln + 1);
      if (cells.length != columns.size()) {
        throw new RunFileException(
            file, where + ": " + cells.length + " fields, expected " + columns.size());
      }
      Map<String, Object> row = new LinkedHashMap<>();
      for (int i = 0; i < cells.length; i++) {
        String c = columns.get(i);
        try {
          row.put(
              c,
              cells[i].isEmpty()
                  ? null
                  : INTEGER_COLUMNS.contains(c)
                      ? (Object) Long.parseLong(cells[i])
                      : (Object) Double.parseDouble(cells[i]));
        } catch (NumberFormatException e) {
          throw new RunFileException(
              file, where + ": column '" + c + "' is not a number: '" + cells[i] + "'");
        }
      }
      Object step = row.get("step");
      if (!(step instanceof Long s) || s <= prev)
        throw new RunFileException(file, where + ": step " + step + " after step " + prev);
      prev = s;
      rows.add(row);
    }
    return rows;
  }

  private void rewrite(List<String> lines) throws IOException {
    StringBuilder b = new StringBuilder();
    for (String l : lines) b.append(l).append('\n');
    file.replace(b.toString());
    written.setLength(0);
    written.append(b);
  }

  /**
   * One row of the log: a step and values by column name; fill with the typed setters or {@link
   * #put}.
   */
  public static final class Row {
    private final long step;
    private final Map<String, Number> values = new LinkedHashMap<>();

    private Row(long step) {
      if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
      this.step = step;
      values.put("step", step);
    }

    public Row put(String column, Number value) {
      if (column.equals("step"))
        throw new IllegalArgumentException("the step is set by MetricsLog.row(step)");
      values.put(column, value);
      return this;
    }

    public Row epoch(double v) {
      return put("epoch", v);
    }

    public Row wallTimeSeconds(double v) {
      return put("wall_time_s", v);
    }

    public Row samples(long v) {
      return put("samples", v);
    }

    public Row trainLoss(double v) {
      return put("train_loss", v);
    }

    public Row lr(double v) {
      return put("lr", v);
    }

    public Row gradNorm(double v) {
      return put("grad_norm", v);
    }

    /**
     * Optimizer diagnostics by their own names (e.g. {@code Diagnostics.values()}); stored as
     * {@code diag.<name>}.
     */
    public Row diagnostics(Map<String, ? extends Number> diag) {
      diag.forEach((k, v) -> put(DIAG + k, v));
      return this;
    }

    /** Evaluation metrics by their own names; stored as {@code eval.<name>}. */
    public Row eval(Map<String, ? extends Number> eval) {
      eval.forEach((k, v) -> put(EVAL + k, v));
      return this;
    }

    public long step() {
      return step;
    }
  }
}
