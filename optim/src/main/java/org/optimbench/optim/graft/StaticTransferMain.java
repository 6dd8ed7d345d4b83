package org.optimbench.optim.graft;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code scripts/static-transfer}: the per-layer multipliers of grafting's static transfer ({@link
 * StaticTransfer#multipliers}) from a layer-wise M#SGD run's metric log, printed as one JSON object
 * on stdout ({@code {"0_W":0.31,"0_b":1.2}}), ready for a conf override {@code
 * optimizer.hparams.multipliers=...} of a {@code layer_scaled} SGD run. Exit 0 when printed, 2 on
 * bad usage or bad input (one line on stderr naming the file, line and column).
 */
public final class StaticTransferMain {
  static final String USAGE =
      """
      usage: static-transfer --metrics FILE.csv --from S --to E

      Grafting's static transfer (Agarwal et al.): the mean of each logged per-layer ratio
      ratio.<segment> (a layer-wise graft run's diag.ratio.<segment> columns) over the logged steps
      in [S, E), printed as a JSON object segment -> multiplier for layer_scaled's multipliers.

        --metrics FILE.csv   the grafted run's metrics.csv (header with step and ratio columns)
        --from S             first step of the window (inclusive)
        --to E               end of the window (exclusive), E > S
      """;

  private StaticTransferMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    List<String> a = Arrays.asList(args);
    if (a.contains("--help") || a.contains("-h")) {
      out.print(USAGE);
      return 0;
    }
    Path metrics = null;
    Long from = null;
    Long to = null;
    try {
      for (int i = 0; i < args.length; i++) {
        String opt = args[i];
        if (!List.of("--metrics", "--from", "--to").contains(opt))
          throw new IllegalArgumentException("unknown argument '" + opt + "' (see --help)");
        if (i + 1 >= args.length) throw new IllegalArgumentException(opt + ": missing value");
        String v = args[++i];
        switch (opt) {
          case "--metrics" -> metrics = Path.of(v);
          case "--from" -> from = step(opt, v);
          default -> to = step(opt, v);
        }
      }
      if (metrics == null || from == null || to == null)
        throw new IllegalArgumentException("--metrics, --from and --to are required (see --help)");
      Map<String, Double> m = StaticTransfer.multipliers(metrics, from, to);
      out.println(new ObjectMapper().writeValueAsString(m));
      return 0;
    } catch (NoSuchFileException e) {
      err.println("static-transfer: " + e.getFile() + ": no such file");
    } catch (IllegalArgumentException | IOException e) {
      err.println("static-transfer: " + e.getMessage());
    }
    return 2;
  }

  private static long step(String opt, String v) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(opt + ": '" + v + "' is not an integer step");
    }
  }
}
