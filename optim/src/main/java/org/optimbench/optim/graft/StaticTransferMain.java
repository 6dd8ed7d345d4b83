package org.optimbench.optim.graft;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code scripts/static-transfer}: the per-layer multipliers of grafting's static transfer ({@link
 * StaticTransfer#multipliers}) from a layer-wise M#SGD run's metric log, printed as one JSON object
 * on stdout ({@code {"0_W":0.31,"0_b":1.2}}), ready for a conf override {@code
 * optimizer.hparams.multipliers=...} of a {@code layer_scaled} SGD run. Exit 0 when printed, 1 on
 * bad input (one line on stderr naming the file, line and column), 2 on bad usage.
 */
@Command(
    name = "static-transfer",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Grafting's static transfer (Agarwal et al.): the mean of each logged per-layer ratio"
          + " ratio.<segment> (a layer-wise graft run's diag.ratio.<segment> columns) over the"
          + " logged steps in [S, E), printed as a JSON object segment -> multiplier for"
          + " layer_scaled's multipliers.",
      "Exit 0 when printed; 1 for bad input (one line naming file, line and column); 2 for bad"
          + " usage."
    })
public final class StaticTransferMain implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--metrics",
      required = true,
      paramLabel = "FILE.csv",
      description = "the grafted run's metrics.csv (header with step and ratio columns)")
  Path metrics;

  @Option(
      names = "--from",
      required = true,
      paramLabel = "S",
      description = "first step of the window (inclusive), >= 0")
  long from;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "E",
      description = "end of the window (exclusive), E > S")
  long to;

  public static void main(String[] args) {
    System.exit(new CommandLine(new StaticTransferMain()).execute(args));
  }

  @Override
  public Integer call() {
    if (from < 0 || to <= from)
      throw new ParameterException(
          spec.commandLine(),
          "--from " + from + " --to " + to + ": the window [S, E) needs 0 <= S < E");
    PrintWriter err = spec.commandLine().getErr();
    try {
      Map<String, Double> m = StaticTransfer.multipliers(metrics, from, to);
      spec.commandLine().getOut().println(new ObjectMapper().writeValueAsString(m));
      return ExitCode.OK;
    } catch (NoSuchFileException e) {
      err.println("static-transfer: " + e.getFile() + ": no such file");
    } catch (IllegalArgumentException | IOException e) {
      err.println("static-transfer: " + e.getMessage());
    }
    return ExitCode.SOFTWARE;
  }
}
