package org.optimbench.jobs.compare;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.optimbench.jobs.fs.HadoopConfs;
import org.optimbench.jobs.fs.Location;

/**
 * The run directories a comparison reads, from paths and globs given in order. Each argument is a
 * run directory (it has any of conf.yaml, status.json, metrics.csv, metrics.parquet) or a directory
 * whose children are run directories (other children, such as an earlier {@code compare/} output,
 * are skipped). A glob ({@code *?[{}) is matched against the file system, then each match is taken
 * as above. A path that does not exist, a glob that matches nothing, or a selection without any run
 * directory is an error naming it. A directory selected twice counts once. Paths and globs may
 * name any Hadoop file system ({@code hdfs://nn/runs/adam_*}, {@code s3a://bucket/runs}); a plain
 * path is resolved as Hadoop resolves it ({@link Location}).
 */
public record Selection(List<String> arguments, List<Location> runDirs, Location firstDir) {
  public static Selection resolve(List<String> args) throws IOException {
    if (args.isEmpty())
      throw new CompareException(
          "no runs selected: give run directories, directories of runs, or globs");
    Set<Location> runs = new LinkedHashSet<>();
    Location first = null;
    Configuration conf = HadoopConfs.current();
    for (String a : args) {
      List<Location> matches = isGlob(a) ? glob(a, conf) : List.of(Location.of(a, conf));
      for (Location p : matches) {
        if (!p.isDirectory()) {
          throw new CompareException(
              a + (p.exists() ? ": not a directory" : ": no such directory"));
        }
        List<Location> found = RunInspector.isRunDirectory(p) ? List.of(p) : children(p);
        if (found.isEmpty())
          throw new CompareException(
              p
                  + ": no run directories in it (a run directory has conf.yaml, status.json or metrics)");
        if (first == null) first = RunInspector.isRunDirectory(p) ? parentOf(p) : p;
        runs.addAll(found);
      }
    }
    return new Selection(List.copyOf(args), List.copyOf(runs), first);
  }

  /**
   * Each run's id: its directory name, or {@code parent/name} for names that appear in more than
   * one selected directory.
   */
  public Map<Location, String> runIds() {
    Map<String, Integer> count = new LinkedHashMap<>();
    for (Location p : runDirs) count.merge(p.name(), 1, Integer::sum);
    Map<Location, String> ids = new LinkedHashMap<>();
    for (Location p : runDirs) {
      String n = p.name();
      ids.put(p, count.get(n) > 1 && p.parent() != null ? p.parent().name() + "/" + n : n);
    }
    return ids;
  }

  /**
   * Where the comparison goes when no --out is given: {@code <first selected directory of
   * runs>/compare}.
   */
  public Location defaultOut() {
    return firstDir.resolve("compare");
  }

  private static Location parentOf(Location runDir) {
    return runDir.parent() == null ? runDir : runDir.parent();
  }

  static boolean isGlob(String a) {
    return a.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
  }

  private static List<Location> children(Location dir) throws IOException {
    List<Location> out = new ArrayList<>();
    for (Location p : dir.list())
      if (!p.name().startsWith(".") && p.isDirectory() && RunInspector.isRunDirectory(p))
        out.add(p);
    return out;
  }

  /**
   * Matches a glob with Hadoop's globbing, on whatever file system the pattern names ({@code *},
   * {@code ?}, {@code [...]} and {@code {a,b}} within one path segment).
   */
  private static List<Location> glob(String pattern, Configuration conf) throws IOException {
    Path p = new Path(pattern);
    FileStatus[] found = p.getFileSystem(conf).globStatus(p);
    List<Location> out = new ArrayList<>();
    if (found != null) for (FileStatus s : found) out.add(Location.of(s.getPath(), conf));
    out.sort(Comparator.comparing(Location::uri));
    if (out.isEmpty()) throw new CompareException(pattern + ": the glob matches nothing");
    return out;
  }
}
