package org.optimbench.jobs.conf;

import java.io.IOException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.optimbench.jobs.fs.Location;

/**
 * Turns the paths a user wrote in a conf into fully qualified URIs on the driver, before they are
 * shipped to executors, whose working directories and default file systems differ from the
 * driver's: {@code runs} becomes {@code file:/home/u/runs} (or {@code hdfs://nn:8020/user/u/runs}
 * where the cluster's default file system is HDFS), {@code /data/x} gains the default file system's
 * scheme and authority, and a URI ({@code hdfs://...}, {@code s3a://...}) stays as it is.
 *
 * <p>A relative path is refused when the Spark master is not local and the default file system is
 * {@code file:}: it would name a different folder in every executor (each one's working folder),
 * never the one the user meant. An absolute local path is accepted: on a cluster it must be storage
 * every node mounts at the same place, which only the user can know.
 */
public final class DriverPaths {
  private DriverPaths() {}

  /**
   * The fully qualified URI of {@code path}, the value of conf key {@code key}; empty or null (the
   * key is not set) is returned as it is.
   *
   * @param sparkMaster the master the job runs on ({@code local[4]}, {@code yarn}, {@code
   *     k8s://...}, {@code spark://...})
   * @throws ConfException naming {@code key}, for a relative local path on a cluster or a path
   *     Hadoop cannot parse or has no file system for
   */
  public static String qualify(String key, String path, String sparkMaster, Configuration conf) {
    if (path == null || path.isEmpty()) return path;
    Path p;
    try {
      p = new Path(path);
    } catch (IllegalArgumentException e) {
      throw new ConfException(key, "'" + path + "' is not a path (" + e.getMessage() + ")");
    }
    boolean relative = p.toUri().getScheme() == null && !p.isUriPathAbsolute();
    String defaultScheme = FileSystem.getDefaultUri(conf).getScheme();
    if (relative
        && (defaultScheme == null || defaultScheme.equals("file"))
        && !isLocalMaster(sparkMaster)) {
      throw new ConfException(
          key,
          "'"
              + path
              + "' is a relative local path, which on master "
              + sparkMaster
              + " would name each executor's own working folder; give an absolute path on storage"
              + " every node shares, or a URI (hdfs://..., s3a://..., gs://...)");
    }
    if (!relative) {
      // syntactically: no file system client is made, and no cluster needs to answer
      return p.makeQualified(FileSystem.getDefaultUri(conf), new Path("/")).toString();
    }
    try {
      // the file system knows its working directory: the process's for file:, the user's home
      // on HDFS
      return Location.of(p, conf).uri();
    } catch (IOException | RuntimeException e) {
      throw new ConfException(
          key, "'" + path + "': no file system for it (" + e.getMessage() + ")");
    }
  }

  /**
   * {@link #qualify} for a {@code data.source} value: a generator ({@code generate-...}) stays as
   * it is, and of {@code PATH?option=value&...} only the path is qualified.
   */
  public static String qualifySource(
      String key, String source, String sparkMaster, Configuration conf) {
    if (source == null || source.isEmpty() || source.startsWith("generate-")) return source;
    int q = source.indexOf('?');
    if (q < 0) return qualify(key, source, sparkMaster, conf);
    return qualify(key, source.substring(0, q), sparkMaster, conf) + source.substring(q);
  }

  /** {@code local} and {@code local[...]}: executors run in the driver's process and folder. */
  static boolean isLocalMaster(String master) {
    if (master == null) return false;
    String m = master.trim().toLowerCase(Locale.ROOT);
    return m.equals("local") || m.startsWith("local[");
  }
}
