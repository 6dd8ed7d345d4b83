package org.optimbench.optim.trace;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.optimbench.optim.spec.SpecException;

/**
 * {@code scripts/optim-trace PROBLEM.json OUT.csv}: the optimizer-trace contract's command. Exit 0
 * when OUT.csv is written; exit 2 with one line on stderr naming the field for bad input, and no
 * OUT.csv (the file is written to a temporary name and renamed only when complete).
 */
public final class OptimTrace {
  private OptimTrace() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    if (args.length != 2 || args[0].equals("--help") || args[0].equals("-h")) {
      System.err.println("usage: optim-trace PROBLEM.json OUT.csv");
      return args.length == 1 && (args[0].equals("--help") || args[0].equals("-h")) ? 0 : 2;
    }
    Path in = Path.of(args[0]);
    Path out = Path.of(args[1]);
    try {
      TraceProblem p = TraceProblem.read(in);
      List<TraceRunner.Row> rows = TraceRunner.run(p);
      write(rows, out);
      return 0;
    } catch (SpecException e) {
      System.err.println("optim-trace: " + in + ": " + e.getMessage());
    } catch (NoSuchFileException e) {
      System.err.println("optim-trace: " + e.getFile() + ": no such file");
    } catch (IOException e) {
      System.err.println("optim-trace: " + e.getMessage());
    } catch (IllegalStateException | IllegalArgumentException e) {
      System.err.println("optim-trace: " + in + ": " + e.getMessage());
    }
    return 2;
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
