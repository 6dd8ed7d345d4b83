package org.optimbench.jobs.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.optimbench.jobs.fs.Location;

/**
 * What a (re-)run of a sweep has to do for each of its runs, read from the run directories under
 * the output root: skip the {@link Kind#FINISHED} ones (status COMPLETED or DIVERGED), resume the
 * {@link Kind#INCOMPLETE} ones (a directory without a final status: killed while RUNNING, FAILED,
 * or killed before its first status) from their last checkpoint, and start the {@link Kind#NEW}
 * ones. Reads only; a status file that cannot be read is an error naming it.
 */
public final class SweepState {
  public enum Kind {
    FINISHED,
    INCOMPLETE,
    NEW
  }

  private final Map<String, Kind> kinds;
  private final Map<String, RunStatus> statuses;

  private SweepState(Map<String, Kind> kinds, Map<String, RunStatus> statuses) {
    this.kinds = Collections.unmodifiableMap(kinds);
    this.statuses = Collections.unmodifiableMap(statuses);
  }

  /** {@link #scan(Location, List)} of a local output root. */
  public static SweepState scan(Path outputRoot, List<String> runNames) throws IOException {
    return scan(Location.local(outputRoot), runNames);
  }

  /** {@link #scan(Location, List)} of an output root given as a path or URI. */
  public static SweepState scan(String outputRoot, List<String> runNames) throws IOException {
    return scan(Location.of(outputRoot), runNames);
  }

  /** Classifies {@code runNames} (in their order; duplicates are an error naming the run). */
  public static SweepState scan(Location outputRoot, List<String> runNames) throws IOException {
    Map<String, Kind> kinds = new LinkedHashMap<>();
    Map<String, RunStatus> statuses = new LinkedHashMap<>();
    for (String name : runNames) {
      Location dir = RunDirectory.runDir(outputRoot, name);
      if (kinds.containsKey(name))
        throw new IllegalArgumentException("run '" + name + "' appears twice in the sweep");
      if (!dir.isDirectory()) {
        kinds.put(name, Kind.NEW);
        continue;
      }
      Optional<RunStatus> s = RunStatus.read(dir);
      s.ifPresent(st -> statuses.put(name, st));
      kinds.put(name, s.isPresent() && s.get().isFinal() ? Kind.FINISHED : Kind.INCOMPLETE);
    }
    return new SweepState(kinds, statuses);
  }

  public Map<String, Kind> kinds() {
    return kinds;
  }

  public Kind kind(String run) {
    Kind k = kinds.get(run);
    if (k == null)
      throw new IllegalArgumentException("run '" + run + "' is not in the sweep " + kinds.keySet());
    return k;
  }

  /** The status found for {@code run}, empty for new runs and directories without one. */
  public Optional<RunStatus> status(String run) {
    return Optional.ofNullable(statuses.get(run));
  }

  public List<String> finished() {
    return of(Kind.FINISHED);
  }

  public List<String> incomplete() {
    return of(Kind.INCOMPLETE);
  }

  public List<String> fresh() {
    return of(Kind.NEW);
  }

  private List<String> of(Kind kind) {
    List<String> out = new ArrayList<>();
    kinds.forEach(
        (n, k) -> {
          if (k == kind) out.add(n);
        });
    return out;
  }

  @Override
  public String toString() {
    return "SweepState{finished="
        + finished()
        + ", incomplete="
        + incomplete()
        + ", new="
        + fresh()
        + "}";
  }
}
