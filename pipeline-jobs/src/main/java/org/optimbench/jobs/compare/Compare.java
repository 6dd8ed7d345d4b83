package org.optimbench.jobs.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.conf.ConfException;
import org.optimbench.prep.common.Errors;
import org.optimbench.prep.common.Sparks;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code scripts/compare [--conf EXP.yaml] [--out DIR] [--overwrite] PATH|GLOB...}, and the same
 * class through {@code spark-submit}: compares the selected runs and writes tables, plots and
 * report.html ({@link CompareJob}). Exit 0 when the output was written (runs left out are listed in
 * it), 2 for bad input (conf, selection, nothing usable, existing output, or with --overwrite a
 * directory that is not a comparison's output), 1 when the job failed.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Compare finished runs: statistics over seeds, time to target, AlgoPerf performance profiles, curves and an HTML report.")
public final class Compare implements Callable<Integer> {
  @Parameters(
      paramLabel = "PATH|GLOB",
      arity = "0..*",
      description =
          "run directories, directories of run directories, or globs (default with --conf: the conf's output)")
  List<String> selection = new ArrayList<>();

  @Option(
      names = "--conf",
      paramLabel = "EXP.yaml",
      description =
          "experiment conf whose compare: section to use (metric, mode, targets, reference, curves, tau_max)")
  Path conf;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description =
          "output directory, a path or a URI such as hdfs://nn/runs/compare (default: <first"
              + " selected directory of runs>/compare)")
  String out;

  @Option(
      names = "--overwrite",
      description =
          "replace an existing output directory of an earlier comparison (the new one is renamed"
              + " into place once complete); any other directory is refused")
  boolean overwrite;

  @Option(
      names = "--master",
      description = "Spark master when not launched by spark-submit (default: local[*])")
  String master = "local[*]";

  @Override
  public Integer call() {
    CompareJob.Request req;
    try {
      req = request();
      // fail fast on the selection and the output before Spark starts (the job checks again)
      Selection sel = Selection.resolve(req.selection());
      CompareOutput.checkTarget(req.outLocation(sel), req.overwrite());
    } catch (IllegalArgumentException | IOException e) {
      System.err.println(
          "compare: "
              + (e instanceof NoSuchFileException n
                  ? n.getFile() + ": no such file"
                  : e.getMessage()));
      return 2;
    }
    SparkSession.Builder b = SparkSession.builder().appName("optimbench compare");
    if (System.getProperty("spark.master") == null) b.master(master);
    b.config("spark.ui.showConsoleProgress", "false");
    try (SparkSession spark = b.getOrCreate()) {
      CompareJob.run(spark, req, System.out);
      return 0;
    } catch (IllegalArgumentException e) { // CompareException, ConfException: bad input
      System.err.println("compare: " + e.getMessage());
      return 2;
    } catch (Exception e) {
      Errors.log(Compare.class, "compare failed", e);
      System.err.println("compare: failed: " + Errors.oneLine(e) + Errors.details());
      return 1;
    }
  }

  CompareJob.Request request() throws IOException {
    Map<?, ?> section = Map.of();
    List<String> sel = new ArrayList<>(selection);
    if (conf != null) {
      Object root =
          new ObjectMapper(new YAMLFactory()).readValue(Files.readString(conf), Object.class);
      if (!(root instanceof Map<?, ?> m))
        throw new ConfException(conf.toString(), "expected a YAML mapping at the top");
      Object c = m.get("compare");
      if (c != null && !(c instanceof Map<?, ?>))
        throw new ConfException(conf + ": compare", "expected a mapping, got " + c);
      if (c != null) section = (Map<?, ?>) c;
      if (sel.isEmpty()) sel.add(m.get("output") instanceof String o ? o : "runs");
    }
    CompareSettings settings;
    try {
      settings = CompareSettings.parse(section);
    } catch (ConfException e) {
      throw new ConfException(
          (conf == null ? "" : conf + ": ") + e.key(),
          e.getMessage().substring(e.key().length() + 2));
    }
    return new CompareJob.Request(sel, settings, out, overwrite);
  }

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    Sparks.exit(new CommandLine(new Compare()).execute(args));
  }
}
