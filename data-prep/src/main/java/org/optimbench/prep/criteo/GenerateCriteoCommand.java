package org.optimbench.prep.criteo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code prepare generate-criteo}: writes synthetic Criteo-format day files (no Spark). */
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
      description = "Directory for day_0 .. day_{D-1}.")
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

  public static void main(String[] args) {
    System.exit(new CommandLine(new GenerateCriteoCommand()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    long t0 = System.nanoTime();
    List<Path> files =
        CriteoGenerator.generate(
            output, new CriteoGenerator.Spec(days, rowsPerDay, seed, gzip), threads);
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
