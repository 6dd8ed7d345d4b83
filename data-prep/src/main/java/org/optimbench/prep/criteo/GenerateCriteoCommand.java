package org.optimbench.prep.criteo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.optimbench.prep.common.JobCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code prepare generate-criteo}: writes synthetic Criteo-format day files (no Spark). Exit 0 when
 * written; 1 when the output directory holds anything but an earlier output of the generator (it is
 * left as it is) or writing failed; 2 for bad options.
 */
@Command(
    name = "generate-criteo",
    mixinStandardHelpOptions = true,
    description =
        "Write synthetic Criteo-format day files (power-law categories, missing fields, ~3%% clicks).")
public final class GenerateCriteoCommand implements Callable<Integer> {
  @Option(
      names = "--output",
      required = true,
      paramLabel = "DIR",
      description =
          "Directory for day_0 .. day_{D-1}: missing, empty, or an earlier output of"
              + " generate-criteo, which is replaced.")
  Path output;

  @Option(
      names = "--days",
      defaultValue = "4",
      paramLabel = "D",
      description = "Number of day files (default 4).")
  int days;

  @Option(
      names = "--rows-per-day",
      defaultValue = "100000",
      paramLabel = "N",
      description = "Rows per day file (default 100000; about 250 bytes each).")
  long rowsPerDay;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Seed (default 0).")
  long seed;

  @Option(names = "--gzip", description = "Write day_N.gz instead of plain files.")
  boolean gzip;

  @Option(
      names = "--threads",
      defaultValue = "2",
      paramLabel = "T",
      description = "Files written in parallel (default 2).")
  int threads;

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new GenerateCriteoCommand()).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    CriteoGenerator.Spec s;
    try {
      s = new CriteoGenerator.Spec(days, rowsPerDay, seed, gzip);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    long t0 = System.nanoTime();
    List<Path> files;
    try {
      files = CriteoGenerator.generate(output, s, threads);
    } catch (IllegalStateException | IOException e) {
      System.err.println(
          "prepare generate-criteo: "
              + e.getMessage()
              + (e.getCause() != null ? ": " + e.getCause().getMessage() : ""));
      return JobCommand.EXIT_FAILED;
    }
    long bytes = 0;
    for (Path f : files) {
      bytes += Files.size(f);
    }
    System.out.printf(
        "generate-criteo: %d files, %d rows, %.1f MB in %.1f s -> %s%n",
        files.size(), days * rowsPerDay, bytes / 1e6, (System.nanoTime() - t0) / 1e9, output);
    return 0;
  }
}
