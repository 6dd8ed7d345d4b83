package org.optimbench.jobs.compare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The run directories a comparison reads, from paths and globs given in order. Each argument is a
 * run directory (it has any of conf.yaml, status.json, metrics.csv, metrics.parquet) or a directory
 * whose children are run directories (other children, such as an earlier {@code compare/} output,
 * are skipped). A glob ({@code *?[{}) is matched against the file system, then each match is taken
 * as above. A path that does not exist, a glob that matches nothing, or a selection without any run
 * directory is an error naming it. A directory selected twice counts once.
 */
public record Selection(List<String> arguments, List<Path> runDirs, Path firstDir) {
  public static Selection resolve(List<String> args) {
    if (args.isEmpty())
      throw new CompareException(
          "no runs selected: give run directories, directories of runs, or globs");
    Set<Path> runs = new LinkedHashSet<>();
    Path first = null;
    for (String a : args) {
      List<Path> matches = isGlob(a) ? glob(a) : List.of(Path.of(a));
      for (Path p : matches) {
        if (!Files.isDirectory(p)) {
          throw new CompareException(
              a + (Files.exists(p) ? ": not a directory" : ": no such directory"));
        }
        List<Path> found = RunInspector.isRunDirectory(p) ? List.of(p) : children(p);
        if (found.isEmpty())
          throw new CompareException(
              p
                  + ": no run directories in it (a run directory has conf.yaml, status.json or metrics)");
        if (first == null) first = RunInspector.isRunDirectory(p) ? parentOf(p) : p;
        for (Path f : found) runs.add(f.toAbsolutePath().normalize());
      }
    }
    return new Selection(List.copyOf(args), List.copyOf(runs), first);
  }

  /**
   * Each run's id: its directory name, or {@code parent/name} for names that appear in more than
   * one selected directory.
   */
  public Map<Path, String> runIds() {
    Map<String, Integer> count = new LinkedHashMap<>();
    for (Path p : runDirs) count.merge(p.getFileName().toString(), 1, Integer::sum);
    Map<Path, String> ids = new LinkedHashMap<>();
    for (Path p : runDirs) {
      String n = p.getFileName().toString();
      ids.put(
          p, count.get(n) > 1 && p.getParent() != null ? p.getParent().getFileName() + "/" + n : n);
    }
    return ids;
  }

  /**
   * Where the comparison goes when no --out is given: {@code <first selected directory of
   * runs>/compare}.
   */
  public Path defaultOut() {
    return firstDir.resolve("compare");
  }

  private static Path parentOf(Path runDir) {
    Path abs = runDir.toAbsolutePath().normalize();
    return abs.getParent() == null ? abs : abs.getParent();
  }

  static boolean isGlob(String a) {
    return a.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
  }

  private static List<Path> children(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isDirectory)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .filter(RunInspector::isRunDirectory)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Matches a glob: the part before the first segment with a wildcard is walked to the glob's
   * depth.
   */
  private static List<Path> glob(String pattern) {
    String[] parts = pattern.split("/", -1);
    int fixed = 0;
    while (fixed < parts.length && !isGlob(parts[fixed])) fixed++;
    String base = String.join("/", java.util.Arrays.copyOfRange(parts, 0, fixed));
    Path root = base.isEmpty() ? Path.of(pattern.startsWith("/") ? "/" : ".") : Path.of(base);
    if (pattern.startsWith("/") && base.isEmpty()) root = Path.of("/");
    int depth = parts.length - fixed;
    PathMatcher m =
        FileSystems.getDefault()
            .getPathMatcher(
                "glob:"
                    + String.join("/", java.util.Arrays.copyOfRange(parts, fixed, parts.length)));
    List<Path> out = new ArrayList<>();
    if (Files.isDirectory(root)) {
      Path r = root;
      try (Stream<Path> s = Files.walk(root, depth)) {
        s.filter(
                p ->
                    !p.equals(r)
                        && r.relativize(p).getNameCount() == depth
                        && m.matches(r.relativize(p)))
            .sorted()
            .forEach(out::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (out.isEmpty()) throw new CompareException(pattern + ": the glob matches nothing");
    return out;
  }
}
