package org.optimbench.jobs.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.Type;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.run.MetricsLog;
import org.optimbench.jobs.run.RunDirectory;
import org.optimbench.jobs.run.RunFileException;
import org.optimbench.jobs.run.RunStatus;

/**
 * Checks the files of one run directory before anything reads its metrics, so that a bad run is
 * reported by name with its reason and left out, instead of failing the comparison or entering it
 * half-written. Reads conf.yaml and status.json in full and only the footers of metrics.parquet
 * (schema and row counts); the rows themselves are read once, by Spark, for every run together.
 *
 * <p>Included: COMPLETED or DIVERGED with a readable conf naming workload, data and optimizer, and
 * a committed metrics.parquet (with {@code _SUCCESS}) whose footers read and which has the step,
 * wall_time_s, train_loss and metric columns. FAILED runs are listed as failed; RUNNING ones (still
 * training, or killed) and anything unreadable are excluded with the reason.
 */
public final class RunInspector {
  public static final String PARQUET = "metrics.parquet";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final List<String> REQUIRED = List.of("step", "wall_time_s", "train_loss");

  private RunInspector() {}

  /** True when {@code dir} looks like a run directory (any of the files the trainer writes). */
  public static boolean isRunDirectory(Location dir) throws IOException {
    for (String f : List.of(RunDirectory.CONF, RunStatus.FILE, MetricsLog.FILE, PARQUET))
      if (dir.resolve(f).exists()) return true;
    return false;
  }

  public static RunInspection inspect(Location dir, String run, String metric) {
    Map<String, Object> conf = null;
    String confProblem = null;
    try {
      conf = readConf(dir.resolve(RunDirectory.CONF));
    } catch (RunFileException e) {
      confProblem = e.getMessage();
    }
    Optional<RunStatus> status;
    try {
      status = RunStatus.read(dir);
    } catch (IOException | RunFileException e) {
      return new RunInspection(
          run, dir, conf, "UNREADABLE", -1, false, e.getMessage(), List.of(), Set.of());
    }
    if (status.isEmpty()) {
      return new RunInspection(
          run,
          dir,
          conf,
          "NONE",
          -1,
          false,
          dir.resolve(RunStatus.FILE)
              + ": missing (the run never started, or this is not a run directory)",
          List.of(),
          Set.of());
    }
    RunStatus s = status.get();
    String state = s.state().name();
    if (s.state() == RunStatus.State.FAILED) {
      return new RunInspection(
          run,
          dir,
          conf,
          state,
          s.step(),
          false,
          "failed at step " + s.step() + ": " + s.reason(),
          List.of(),
          Set.of());
    }
    if (s.state() == RunStatus.State.RUNNING) {
      return new RunInspection(
          run,
          dir,
          conf,
          state,
          s.step(),
          false,
          "incomplete: status RUNNING at step "
              + s.step()
              + " (still training, or killed; scripts/train resumes it)",
          List.of(),
          Set.of());
    }
    if (confProblem != null)
      return new RunInspection(
          run, dir, null, state, s.step(), false, confProblem, List.of(), Set.of());
    String divergence =
        s.state() == RunStatus.State.DIVERGED
            ? "diverged at step " + s.step() + ": " + s.reason()
            : "";
    Location pq = dir.resolve(PARQUET);
    List<Location> parts = new ArrayList<>();
    Set<String> columns = new LinkedHashSet<>();
    try {
      parts.addAll(partFiles(dir, pq));
      for (Location p : parts) columns.addAll(footerColumns(p));
    } catch (RunFileException e) {
      return new RunInspection(
          run, dir, conf, state, s.step(), false, e.getMessage(), List.of(), Set.of());
    }
    List<String> need = new ArrayList<>(REQUIRED);
    need.add(metric);
    for (String c : need) {
      if (!columns.contains(c)) {
        return new RunInspection(
            run,
            dir,
            conf,
            state,
            s.step(),
            false,
            pq + ": no column '" + c + "' (columns: " + String.join(", ", columns) + ")",
            List.of(),
            Set.of());
      }
    }
    return new RunInspection(run, dir, conf, state, s.step(), true, divergence, parts, columns);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> readConf(Location file) {
    Object tree;
    try {
      tree = YAML.readValue(file.readString(), Object.class);
    } catch (FileNotFoundException e) {
      throw new RunFileException(file, "missing");
    } catch (IOException e) {
      throw new RunFileException(
          file, "unreadable conf (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
    }
    if (!(tree instanceof Map<?, ?> m))
      throw new RunFileException(file, "unreadable conf (expected a YAML mapping)");
    Map<String, Object> conf = (Map<String, Object>) m;
    if (!(conf.get("workload") instanceof Map<?, ?> w) || !(w.get("name") instanceof String))
      throw new RunFileException(file, "no workload.name");
    if (!(conf.get("data") instanceof Map<?, ?> d) || !(d.get("train") instanceof String))
      throw new RunFileException(file, "no data.train");
    if (!(conf.get("optimizer") instanceof Map<?, ?>))
      throw new RunFileException(file, "no optimizer spec");
    return conf;
  }

  private static List<Location> partFiles(Location runDir, Location pq) {
    List<Location> parts = new ArrayList<>();
    try {
      if (!pq.isDirectory()) {
        String hint =
            runDir.resolve(MetricsLog.FILE).exists()
                ? " (metrics.csv is there: the trainer stopped before writing its Parquet copy)"
                : "";
        throw new RunFileException(pq, "missing" + hint);
      }
      // Spark's committer writes _SUCCESS last: without it the copy may be partial
      if (!pq.resolve("_SUCCESS").exists())
        throw new RunFileException(pq, "incomplete (no _SUCCESS)");
      for (Location p : pq.list())
        if (p.name().endsWith(".parquet") && !p.name().startsWith(".")) parts.add(p);
    } catch (IOException e) {
      throw new RunFileException(pq, "cannot list (" + e.getMessage() + ")", e);
    }
    if (parts.isEmpty()) throw new RunFileException(pq, "no part files");
    return parts;
  }

  /**
   * The column names in a Parquet file's footer; a file that is not Parquet (truncated,
   * overwritten) is an error naming it.
   */
  private static List<String> footerColumns(Location part) {
    try (ParquetFileReader r =
        ParquetFileReader.open(HadoopInputFile.fromPath(part.path(), part.fs().getConf()))) {
      return r.getFooter().getFileMetaData().getSchema().getFields().stream()
          .map(Type::getName)
          .toList();
    } catch (IOException | RuntimeException e) {
      throw new RunFileException(part, "unreadable Parquet (" + e.getMessage() + ")", e);
    }
  }
}
