package org.optimbench.jobs.fs;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A real HDFS (one NameNode, one DataNode) inside the test JVM, for tests of code that must work on
 * {@code hdfs://}. Start one per test class, in {@code @BeforeAll}, with a base folder of its own
 * (a {@code @TempDir}), and close it in {@code @AfterAll}: a start takes seconds.
 *
 * <pre>{@code
 * @TempDir static Path base;
 * static MiniHdfs hdfs;
 * @BeforeAll static void start() throws IOException { hdfs = MiniHdfs.start(base); }
 * @AfterAll static void stop() { hdfs.close(); }
 * ... RunDirectory.open(hdfs.uri("/runs"), ...) ...
 * }</pre>
 */
public final class MiniHdfs implements AutoCloseable {
  private final MiniDFSCluster cluster;

  private MiniHdfs(MiniDFSCluster cluster) {
    this.cluster = cluster;
  }

  /** Starts a cluster keeping its blocks and metadata under {@code baseDir}. */
  public static MiniHdfs start(Path baseDir) throws IOException {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.toAbsolutePath().toString());
    // one DataNode: blocks cannot have more replicas than that
    conf.setInt("dfs.replication", 1);
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    cluster.waitActive();
    return new MiniHdfs(cluster);
  }

  /** {@code hdfs://localhost:<port><absolutePath>}. */
  public String uri(String absolutePath) {
    if (!absolutePath.startsWith("/"))
      throw new IllegalArgumentException("an absolute path, got " + absolutePath);
    return "hdfs://localhost:" + cluster.getNameNodePort() + absolutePath;
  }

  /** The cluster's client configuration (its default file system is this HDFS). */
  public Configuration conf() {
    return cluster.getConfiguration(0);
  }

  public FileSystem fs() throws IOException {
    return cluster.getFileSystem();
  }

  /** {@link #uri} as a {@link Location}. */
  public Location location(String absolutePath) throws IOException {
    return Location.of(uri(absolutePath), conf());
  }

  @Override
  public void close() {
    cluster.shutdown(true);
  }
}
