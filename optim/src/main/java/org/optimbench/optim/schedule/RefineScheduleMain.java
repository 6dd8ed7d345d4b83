package org.optimbench.optim.schedule;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.optimbench.optim.schedule.ScheduleRefinement.NormKind;
import org.optimbench.optim.schedule.ScheduleRefinement.Smoothing;

/**
 * {@code scripts/refine-schedule}: reads the metric log of a previous run and writes the refined
 * schedule ({@link ScheduleRefinement}) as a {@code step,factor} file ({@link RefinedSchedule}),
 * atomically. Exit 0 when written, 2 on bad usage or bad input (one line on stderr naming the file,
 * line and column), nothing written then.
 *
 * <p>The log is read as a {@link MetricTable} of text cells. This module reads CSV ({@link #csv});
 * {@code metrics.parquet} is read by pipeline-jobs' {@code
 * org.optimbench.jobs.refine.RefineScheduleParquet}, which passes its own table to {@link
 * #run(String[], PrintStream, PrintStream, MetricTable.Opener)}, so both formats go through the
 * same checks and the same refinement (the optim module stays free of Spark and Hadoop).
 */
public final class RefineScheduleMain {
  static final String USAGE =
      """
      usage: refine-schedule --metrics FILE.csv|metrics.parquet --norm-column NAME [--norm-column NAME ...]
                             [--step-column step] --kind l2|l1 [--no-smoothing] [--steps T] --out schedule.csv

      Refined learning-rate schedule from the gradient norms of a previous run (Defazio, Cutkosky,
      Mehta, Mishchenko, arXiv 2310.07831; facebookresearch/adaptive_scheduling).

        --metrics FILE       the run's metric log, one row per logged step: CSV with a header row
                             (metrics.csv), or the Parquet copy the training job writes
                             (metrics.parquet, a directory; rows are taken in step order)
        --norm-column NAME   column of the global gradient norm. Repeat it (or give NAME,NAME) for one
                             schedule per coordinate group (e.g. per layer, for Adam-type methods):
                             each group is written to its own file, OUT's name with ".NAME" inserted
                             before ".csv" (schedule.csv -> schedule.layer1.csv)
        --step-column NAME   the step column (default: step); steps must increase
        --kind l2|l1         l2: L2 norms, weights G^-2 (SGD-type); l1: L1 norms, weights G^-1 (Adam-type)
        --no-smoothing       the closed form on the logged norms as they are; default: the reference's
                             preprocessing (drop the first and last 2 points, 10000 points, median
                             filter of width 1001)
        --steps T            length of the run to schedule (default: last logged step + 1); the
                             schedule is mapped to T steps by linear interpolation (our assumption)
        --out FILE           the schedule file: header step,factor, steps 0..T-1, max 1, last 0

      Empty cells mean "not logged at this step" and are skipped; +-inf values are dropped (as the
      reference does); NaN, zero or negative norms are errors.
      """;

  /** Bad input or usage: the message names the file, line and column where there is one. */
  public static final class InputException extends Exception {
    private static final long serialVersionUID = 1L;

    public InputException(String message) {
      super(message);
    }
  }

  /**
   * A metric log as rows of text cells, one per header column; an empty cell is a value that was
   * not logged at that step. Numbers are their {@link Double#toString} / {@link Long#toString}
   * text, so every format parses to the same bits.
   */
  public interface MetricTable extends AutoCloseable {
    /** The column names. */
    List<String> header();

    /** Where the header is, for messages ({@code "metrics.csv line 1"}). */
    String headerWhere();

    /** The next row's cells, or null after the last row. */
    String[] next() throws IOException, InputException;

    /**
     * Where the row last returned by {@link #next} is ({@code "metrics.csv line 7"}, {@code
     * "metrics.parquet row 6"}).
     */
    String where();

    @Override
    void close() throws IOException;

    /** Opens the table of a file. */
    @FunctionalInterface
    interface Opener {
      MetricTable open(Path file) throws IOException, InputException;
    }
  }

  record Options(
      Path metrics,
      List<String> normColumns,
      String stepColumn,
      NormKind kind,
      boolean smoothing,
      Integer steps,
      Path out) {}

  /** The norm series of each requested column (empty cells skipped) and the last logged step. */
  record MetricLog(Map<String, double[]> norms, long lastStep) {}

  private RefineScheduleMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, RefineScheduleMain::csv);
  }

  /** The command with the metric log read by {@code opener} (CSV: {@link #csv}). */
  public static int run(
      String[] args, PrintStream out, PrintStream err, MetricTable.Opener opener) {
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      out.print(USAGE);
      return 0;
    }
    try {
      Options o = parse(args);
      MetricLog log;
      try (MetricTable table = opener.open(o.metrics())) {
        log = read(table, o.metrics(), o.stepColumn(), o.normColumns());
      }
      long steps = o.steps() != null ? o.steps() : log.lastStep() + 1;
      if (steps < 2 || steps > Integer.MAX_VALUE - 8)
        throw new InputException("--steps: " + steps + " must be in [2, 2^31)");
      Smoothing smoothing = o.smoothing() ? Smoothing.REFERENCE : Smoothing.NONE;
      Map<Path, double[]> outputs = new LinkedHashMap<>();
      for (String col : o.normColumns()) {
        double[] factors;
        try {
          factors =
              ScheduleRefinement.refine(log.norms().get(col), o.kind(), smoothing, (int) steps);
        } catch (IllegalArgumentException e) {
          throw new InputException(o.metrics() + " column " + col + ": " + e.getMessage());
        }
        Path file = o.normColumns().size() == 1 ? o.out() : groupFile(o.out(), col);
        if (outputs.put(file, factors) != null)
          throw new InputException("--norm-column: two groups map to the same file " + file);
      }
      for (Map.Entry<Path, double[]> e : outputs.entrySet()) {
        new RefinedSchedule(e.getValue()).write(e.getKey());
        out.println(
            "wrote " + e.getKey() + ": " + steps + " steps, peak at step " + argmax(e.getValue()));
      }
      return 0;
    } catch (InputException e) {
      err.println("refine-schedule: " + e.getMessage());
    } catch (NoSuchFileException e) {
      err.println("refine-schedule: " + e.getFile() + ": no such file");
    } catch (IOException e) {
      err.println("refine-schedule: " + e);
    }
    return 2;
  }

  static Options parse(String[] args) throws InputException {
    Path metrics = null;
    Path out = null;
    List<String> cols = new ArrayList<>();
    String stepCol = "step";
    NormKind kind = null;
    boolean smoothing = true;
    Integer steps = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--no-smoothing")) {
        smoothing = false;
        continue;
      }
      if (!List.of("--metrics", "--norm-column", "--step-column", "--kind", "--steps", "--out")
          .contains(a)) {
        throw new InputException("unknown argument '" + a + "' (see --help)");
      }
      if (i + 1 >= args.length) throw new InputException(a + ": missing value");
      String v = args[++i];
      switch (a) {
        case "--metrics" -> metrics = Path.of(v);
        case "--out" -> out = Path.of(v);
        case "--step-column" -> stepCol = v;
        case "--norm-column" -> {
          for (String c : v.split(",", -1)) {
            if (c.isBlank())
              throw new InputException("--norm-column: empty column name in '" + v + "'");
            if (cols.contains(c.trim()))
              throw new InputException("--norm-column: '" + c.trim() + "' given twice");
            cols.add(c.trim());
          }
        }
        case "--kind" -> {
          switch (v.toLowerCase(Locale.ROOT)) {
            case "l2" -> kind = NormKind.L2;
            case "l1" -> kind = NormKind.L1;
            default -> throw new InputException("--kind: '" + v + "' is not l2 or l1");
          }
        }
        default -> { // --steps
          try {
            steps = Integer.parseInt(v);
          } catch (NumberFormatException e) {
            throw new InputException("--steps: '" + v + "' is not an integer");
          }
        }
      }
    }
    if (metrics == null) throw new InputException("--metrics is required (see --help)");
    if (cols.isEmpty()) throw new InputException("--norm-column is required (see --help)");
    if (kind == null)
      throw new InputException(
          "--kind is required: l2 (SGD-type, L2 norms) or l1 (Adam-type, L1 norms)");
    if (out == null) throw new InputException("--out is required (see --help)");
    if (cols.contains(stepCol))
      throw new InputException("--norm-column: '" + stepCol + "' is the step column");
    return new Options(metrics, cols, stepCol, kind, smoothing, steps, out);
  }

  /** The CSV table of {@code file}: a header row, then one row per line (blank lines skipped). */
  public static MetricTable csv(Path file) throws IOException, InputException {
    BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
    String header = r.readLine();
    if (header == null) {
      r.close();
      throw new InputException(file + ": empty file, expected a header row");
    }
    List<String> names =
        Arrays.stream(header.split(",", -1)).map(RefineScheduleMain::unquote).toList();
    return new MetricTable() {
      int lineNo = 1;

      @Override
      public List<String> header() {
        return names;
      }

      @Override
      public String headerWhere() {
        return file + " line 1";
      }

      @Override
      public String[] next() throws IOException, InputException {
        String line;
        do {
          line = r.readLine();
          if (line == null) return null;
          lineNo++;
        } while (line.isBlank());
        String[] f = line.split(",", -1);
        if (f.length != names.size())
          throw new InputException(
              where() + ": " + f.length + " fields, the header has " + names.size());
        for (int i = 0; i < f.length; i++) f[i] = unquote(f[i]);
        return f;
      }

      @Override
      public String where() {
        return file + " line " + lineNo;
      }

      @Override
      public void close() throws IOException {
        r.close();
      }
    };
  }

  static MetricLog read(MetricTable table, Path file, String stepCol, List<String> cols)
      throws IOException, InputException {
    List<String> names = table.header();
    int stepIdx = column(table.headerWhere(), names, stepCol, "--step-column");
    int[] idx = new int[cols.size()];
    for (int c = 0; c < idx.length; c++)
      idx[c] = column(table.headerWhere(), names, cols.get(c), "--norm-column");
    List<List<Double>> values = new ArrayList<>();
    for (int c = 0; c < idx.length; c++) values.add(new ArrayList<>());
    long lastStep = Long.MIN_VALUE;
    String[] f;
    while ((f = table.next()) != null) {
      String where = table.where() + " column " + stepCol;
      long step;
      try {
        step = Long.parseLong(f[stepIdx]);
      } catch (NumberFormatException e) {
        throw new InputException(where + ": '" + f[stepIdx] + "' is not an integer step");
      }
      if (step <= lastStep)
        throw new InputException(
            where + ": step " + step + " after step " + lastStep + " (steps must increase)");
      lastStep = step;
      for (int c = 0; c < idx.length; c++) {
        String cell = f[idx[c]];
        if (cell.isEmpty()) continue;
        values.get(c).add(norm(cell, table.where() + " column " + cols.get(c)));
      }
    }
    if (lastStep == Long.MIN_VALUE)
      throw new InputException(file + ": no data rows after the header");
    Map<String, double[]> norms = new LinkedHashMap<>();
    for (int c = 0; c < idx.length; c++)
      norms.put(cols.get(c), values.get(c).stream().mapToDouble(Double::doubleValue).toArray());
    return new MetricLog(norms, lastStep);
  }

  private static int column(String where, List<String> names, String name, String option)
      throws InputException {
    int i = names.indexOf(name);
    if (i < 0)
      throw new InputException(
          where
              + ": no column '"
              + name
              + "' ("
              + option
              + "); the header has "
              + String.join(", ", names));
    if (names.lastIndexOf(name) != i)
      throw new InputException(where + ": column '" + name + "' appears twice");
    return i;
  }

  private static double norm(String cell, String where) throws InputException {
    double v;
    switch (cell.toLowerCase(Locale.ROOT)) {
      case "inf", "+inf", "infinity", "+infinity" -> v = Double.POSITIVE_INFINITY;
      case "-inf", "-infinity" -> v = Double.NEGATIVE_INFINITY;
      default -> {
        try {
          v = Double.parseDouble(cell);
        } catch (NumberFormatException e) {
          throw new InputException(where + ": '" + cell + "' is not a number");
        }
      }
    }
    if (Double.isNaN(v))
      throw new InputException(where + ": NaN gradient norm (a diverged step? remove the row)");
    if (!(v > 0)) throw new InputException(where + ": gradient norm " + cell + " must be > 0");
    return v;
  }

  private static String unquote(String s) {
    String t = s.trim();
    return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")
        ? t.substring(1, t.length() - 1)
        : t;
  }

  /** schedule.csv + group "layer 1/w" -> schedule.layer_1_w.csv, in the same folder. */
  static Path groupFile(Path out, String group) {
    String name = out.getFileName().toString();
    String safe = group.replaceAll("[^A-Za-z0-9._-]", "_");
    String file =
        name.endsWith(".csv")
            ? name.substring(0, name.length() - 4) + "." + safe + ".csv"
            : name + "." + safe;
    return out.resolveSibling(file);
  }

  private static int argmax(double[] v) {
    int k = 0;
    for (int i = 1; i < v.length; i++) if (v[i] > v[k]) k = i;
    return k;
  }
}
