package org.optimbench.jobs.refine;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.model.NativeSetup;
import org.optimbench.optim.schedule.RefinedSchedule;
import org.optimbench.optim.schedule.ScheduleRefinement;
import org.optimbench.optim.schedule.ScheduleRefinement.NormKind;
import org.optimbench.optim.schedule.ScheduleRefinement.Smoothing;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code scripts/refine-schedule}: reads the metric log of a previous run (its directory, its
 * metrics.csv or its metrics.parquet) and writes the refined schedule ({@link ScheduleRefinement},
 * in the optim module) as a {@code step,factor} file ({@link RefinedSchedule}), atomically ({@link
 * Location#replace}). Input and output may be on any Hadoop file system (a local path, {@code
 * hdfs://...}, {@code s3a://...}). Both formats become the same rows of text cells ({@link
 * MetricTable}), so they go through the same checks and give the same schedule bit for bit. Exit 0
 * when written; 1 for bad input (one line on stderr naming the file, line or row, and column); 2
 * for bad usage; nothing is written unless every schedule could be computed.
 */
@Command(
    name = "refine-schedule",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Refined learning-rate schedule from the gradient norms of a previous run (Defazio,"
          + " Cutkosky, Mehta, Mishchenko, arXiv 2310.07831; facebookresearch/adaptive_scheduling).",
      "Exit 0 when written; 1 for bad input (one line naming the file, line or row, and column);"
          + " 2 for bad usage."
    },
    footer = {
      "",
      "Empty cells (null in Parquet) mean \"not logged at this step\" and are skipped; +-inf values"
          + " are dropped (as the reference does); NaN, zero or negative norms are errors."
    })
public final class RefineSchedule implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--metrics",
      required = true,
      paramLabel = "PATH",
      description =
          "the previous run's metric log, one row per logged step: its run directory (metrics.csv"
              + " there, else metrics.parquet), a CSV file with a header row (metrics.csv), or"
              + " the Parquet copy the training job writes (metrics.parquet, a directory; read"
              + " with Spark local[1], rows in file order); a path or a URI")
  String metrics;

  @Option(
      names = "--norm-column",
      required = true,
      split = ",",
      paramLabel = "NAME",
      description =
          "column of the global gradient norm. Repeat it (or give NAME,NAME) for one schedule per"
              + " coordinate group (e.g. per layer, for Adam-type methods): each group is written"
              + " to its own file, OUT's name with \".NAME\" inserted before \".csv\""
              + " (schedule.csv -> schedule.layer1.csv)")
  List<String> normColumns;

  @Option(
      names = "--step-column",
      defaultValue = "step",
      paramLabel = "NAME",
      description = "the step column (default: ${DEFAULT-VALUE}); steps must increase")
  String stepColumn;

  @Option(
      names = "--kind",
      required = true,
      paramLabel = "l2|l1",
      description = "l2: L2 norms, weights G^-2 (SGD-type); l1: L1 norms, weights G^-1 (Adam-type)")
  NormKind kind;

  @Option(
      names = "--no-smoothing",
      description =
          "the closed form on the logged norms as they are; default: the reference's"
              + " preprocessing (drop the first and last 2 points, 10000 points, median filter of"
              + " width 1001)")
  boolean noSmoothing;

  @Option(
      names = "--steps",
      paramLabel = "T",
      description =
          "length of the run to schedule, >= 2 (default: last logged step + 1); the schedule is"
              + " mapped to T steps by linear interpolation (our assumption)")
  Integer steps;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "FILE",
      description =
          "the schedule file: header step,factor, steps 0..T-1, max 1, last 0; a path or a URI")
  String out;

  public static void main(String[] args) {
    NativeSetup.installOrExit("refine-schedule"); // as Train: before ND4J loads
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new RefineSchedule()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    boolean ownSpark =
        SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
    try {
      Map<String, Location> files = outputFiles();
      Location file = MetricTable.locate(Location.of(metrics));
      MetricLog log;
      try (MetricTable table = MetricTable.open(file, RefineSchedule::localSpark)) {
        log = MetricLog.read(table, file.toString(), stepColumn, List.copyOf(files.keySet()));
      }
      Map<Location, double[]> schedules = refine(log, files, kind, !noSmoothing, steps);
      for (Map.Entry<Location, double[]> e : schedules.entrySet()) {
        Location parent = e.getKey().parent();
        if (parent != null) parent.mkdirs();
        e.getKey().replace(new RefinedSchedule(e.getValue()).toCsv());
        spec.commandLine()
            .getOut()
            .println(
                "wrote "
                    + e.getKey()
                    + ": "
                    + e.getValue().length
                    + " steps, peak at step "
                    + argmax(e.getValue())
                    + " (from "
                    + file
                    + ")");
      }
      return ExitCode.OK;
    } catch (MetricLogException e) {
      err.println("refine-schedule: " + e.getMessage());
    } catch (FileNotFoundException e) {
      err.println("refine-schedule: " + e.getMessage() + ": no such file");
    } catch (IOException e) {
      err.println("refine-schedule: " + e);
    } finally {
      if (ownSpark) SparkSession.getActiveSession().foreach(s -> stop(s));
    }
    return ExitCode.SOFTWARE;
  }

  /**
   * The output file of each norm column (the --out file itself for one column); the options' own
   * checks, made before any input is read.
   */
  Map<String, Location> outputFiles() throws IOException {
    List<String> cols = new ArrayList<>();
    for (String c : normColumns) {
      if (c.isBlank()) throw usage("--norm-column: empty column name");
      if (cols.contains(c.trim())) throw usage("--norm-column: '" + c.trim() + "' given twice");
      if (c.trim().equals(stepColumn))
        throw usage("--norm-column: '" + c.trim() + "' is the step column");
      cols.add(c.trim());
    }
    if (steps != null && steps < 2) throw usage("--steps: " + steps + " must be >= 2");
    Location base = Location.of(out);
    Map<String, Location> files = new LinkedHashMap<>();
    for (String c : cols) {
      Location file = cols.size() == 1 ? base : groupFile(base, c);
      if (files.containsValue(file))
        throw usage("--norm-column: two groups map to the same file " + file);
      files.put(c, file);
    }
    return files;
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /**
   * The pure core: the refined factors to write to each file of {@code files} (norm column ->
   * file), over {@code steps} steps (null: the log's last step + 1).
   */
  static Map<Location, double[]> refine(
      MetricLog log, Map<String, Location> files, NormKind kind, boolean smoothing, Integer steps)
      throws MetricLogException {
    long t = steps != null ? steps : log.lastStep() + 1;
    if (t < 2 || t > Integer.MAX_VALUE - 8)
      throw new MetricLogException(
          log.source()
              + ": last logged step "
              + log.lastStep()
              + " gives a run of "
              + t
              + " steps; the schedule needs 2 to 2^31 (give --steps T)");
    Map<Location, double[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, Location> e : files.entrySet()) {
      try {
        out.put(
            e.getValue(),
            ScheduleRefinement.refine(
                log.norms().get(e.getKey()),
                kind,
                smoothing ? Smoothing.REFERENCE : Smoothing.NONE,
                (int) t));
      } catch (IllegalArgumentException ex) {
        throw new MetricLogException(
            log.source() + " column " + e.getKey() + ": " + ex.getMessage());
      }
    }
    return out;
  }

  /** schedule.csv + group "layer 1/w" -> schedule.layer_1_w.csv, in the same folder. */
  static Location groupFile(Location out, String group) {
    String name = out.name();
    String safe = group.replaceAll("[^A-Za-z0-9._-]", "_");
    String file =
        name.endsWith(".csv")
            ? name.substring(0, name.length() - 4) + "." + safe + ".csv"
            : name + "." + safe;
    return out.parent().resolve(file);
  }

  private static SparkSession localSpark() {
    return SparkSession.builder()
        .master("local[1]")
        .appName("refine-schedule")
        .config("spark.ui.enabled", "false")
        .getOrCreate();
  }

  private static Object stop(SparkSession s) {
    s.stop();
    return null;
  }

  private static int argmax(double[] v) {
    int k = 0;
    for (int i = 1; i < v.length; i++) if (v[i] > v[k]) k = i;
    return k;
  }
}
