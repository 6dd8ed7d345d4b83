package org.optimbench.optim.trace;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import org.optimbench.optim.spec.SpecException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code scripts/optim-trace PROBLEM.json OUT.csv}: the optimizer-trace contract's command. Exit 0
 * when OUT.csv is written; exit 2 with one line on stderr naming the field for bad input, and no
 * OUT.csv (the file is written to a temporary name and renamed only when complete). Bad input exits
 * 2, not 1 as in the other commands, because the contract ({@code docs/OPTIM-TRACE.md}) fixes it;
 * bad usage exits 2 as everywhere.
 */
@Command(
    name = "optim-trace",
    mixinStandardHelpOptions = true,
    description = {
      "Replay one optimizer on a tiny, fully specified problem and write every step's parameters"
          + " (the trace contract, docs/OPTIM-TRACE.md).",
      "Exit 0 when OUT.csv is written; 2 for bad input (one line naming the field, no OUT.csv) or"
          + " bad usage."
    })
public final class OptimTrace implements Callable<Integer> {
  /** The contract's exit code for bad input. */
  static final int EXIT_BAD_INPUT = 2;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "PROBLEM.json", description = "the problem (JSON)")
  Path in;

  @Parameters(
      index = "1",
      paramLabel = "OUT.csv",
      description = "the trace: step,loss,p0,p1,... one row per step")
  Path out;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    return new CommandLine(new OptimTrace()).execute(args);
  }

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      TraceProblem p = TraceProblem.read(in);
      List<TraceRunner.Row> rows = TraceRunner.run(p);
      write(rows, out);
      return 0;
    } catch (SpecException e) {
      err.println("optim-trace: " + in + ": " + e.getMessage());
    } catch (NoSuchFileException e) {
      err.println("optim-trace: " + e.getFile() + ": no such file");
    } catch (IOException e) {
      err.println("optim-trace: " + e.getMessage());
    } catch (IllegalStateException | IllegalArgumentException e) {
      err.println("optim-trace: " + in + ": " + e.getMessage());
    }
    return EXIT_BAD_INPUT;
  }

  public static void write(List<TraceRunner.Row> rows, Path out) throws IOException {
    Path dir = out.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, out.getFileName().toString(), ".tmp");
    try {
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        int n = rows.isEmpty() ? 0 : rows.get(0).params().length;
        StringBuilder h = new StringBuilder("step,loss");
        for (int i = 0; i < n; i++) h.append(",p").append(i);
        w.write(h.append('\n').toString());
        for (TraceRunner.Row r : rows) {
          StringBuilder s = new StringBuilder().append(r.step()).append(',').append(r.loss());
          for (double v : r.params()) s.append(',').append(v);
          w.write(s.append('\n').toString());
        }
      }
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
