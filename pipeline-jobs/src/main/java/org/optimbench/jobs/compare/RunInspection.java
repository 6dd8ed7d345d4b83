package org.optimbench.jobs.compare;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.optimbench.jobs.fs.Location;

/**
 * One run directory of the selection after its files were checked ({@link RunInspector}).
 *
 * @param run the run's id in every output table: its directory name, or parent/name when names
 *     repeat
 * @param dir the run directory
 * @param conf the resolved conf read from conf.yaml, or null when it could not be read
 * @param status COMPLETED, DIVERGED, FAILED, RUNNING, or NONE / UNREADABLE when status.json is
 *     missing or corrupt
 * @param lastStatusStep the step status.json gives (-1 without a status)
 * @param included true when the run enters the statistics (completed or diverged, every file
 *     readable)
 * @param reason why it is left out, or the divergence reason; empty otherwise
 * @param parquetFiles the part files of metrics.parquet (empty when not readable)
 * @param columns the metrics columns in metrics.parquet
 */
public record RunInspection(
    String run,
    Location dir,
    Map<String, Object> conf,
    String status,
    long lastStatusStep,
    boolean included,
    String reason,
    List<Location> parquetFiles,
    Set<String> columns) {
  public RunInspection {
    parquetFiles = List.copyOf(parquetFiles);
    columns = Set.copyOf(columns);
  }

  public boolean diverged() {
    return status.equals("DIVERGED");
  }

  public boolean failed() {
    return status.equals("FAILED");
  }

  /** The same run, left out of the statistics for {@code why}. */
  public RunInspection exclude(String why) {
    return new RunInspection(
        run, dir, conf, status, lastStatusStep, false, why, parquetFiles, columns);
  }
}
