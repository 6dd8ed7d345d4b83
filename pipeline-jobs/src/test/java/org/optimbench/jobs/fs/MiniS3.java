package org.optimbench.jobs.fs;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import io.findify.s3mock.S3Mock;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * An S3-compatible object store (S3Mock, in memory) inside the test JVM, reached through Hadoop's
 * {@code s3a} connector as a cluster reaches S3: path-style requests to a local endpoint, static
 * credentials. The store has no rename: a "rename" is a copy and a delete, as on S3, so code that
 * works here does not lean on an atomic rename. Start one per test class, in {@code @BeforeAll}.
 *
 * <pre>{@code
 * static MiniS3 s3;
 * @BeforeAll static void start() { s3 = MiniS3.start("runs"); }
 * @AfterAll static void stop() { s3.close(); }
 * ... spark config: s3.sparkSettings() ... RunDirectory.open(s3.uri("/runs"), ...) ...
 * }</pre>
 */
public final class MiniS3 implements AutoCloseable {
  private final S3Mock server;
  private final String endpoint;
  private final String bucket;

  private MiniS3(S3Mock server, String endpoint, String bucket) {
    this.server = server;
    this.endpoint = endpoint;
    this.bucket = bucket;
  }

  /** Starts a store on a free loopback port with one empty bucket. */
  public static MiniS3 start(String bucket) {
    S3Mock server = new S3Mock.Builder().withPort(0).withInMemoryBackend().build();
    int port = server.start().localAddress().getPort();
    String endpoint = "http://127.0.0.1:" + port;
    AmazonS3 client =
        AmazonS3ClientBuilder.standard()
            .withPathStyleAccessEnabled(true)
            .withEndpointConfiguration(
                new AwsClientBuilder.EndpointConfiguration(endpoint, "us-east-1"))
            .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials("k", "s")))
            .build();
    client.createBucket(bucket);
    client.shutdown();
    return new MiniS3(server, endpoint, bucket);
  }

  /** {@code s3a://<bucket><absolutePath>}. */
  public String uri(String absolutePath) {
    if (!absolutePath.startsWith("/"))
      throw new IllegalArgumentException("an absolute path, got " + absolutePath);
    return "s3a://" + bucket + absolutePath;
  }

  /**
   * The {@code fs.s3a.*} settings a client needs for this store, as a Hadoop configuration takes
   * them (a Spark application gives each with the {@code spark.hadoop.} prefix).
   */
  public Map<String, String> settings() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("fs.s3a.endpoint", endpoint);
    s.put("fs.s3a.path.style.access", "true");
    s.put("fs.s3a.connection.ssl.enabled", "false");
    s.put("fs.s3a.access.key", "k");
    s.put("fs.s3a.secret.key", "s");
    s.put(
        "fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    // S3Mock returns no version ids and computes ETags its own way
    s.put("fs.s3a.change.detection.mode", "none");
    s.put("fs.s3a.change.detection.version.required", "false");
    // fail fast instead of retrying for minutes when the store is gone
    s.put("fs.s3a.attempts.maximum", "2");
    s.put("fs.s3a.retry.limit", "2");
    return s;
  }

  /** A Hadoop configuration holding {@link #settings()}. */
  public Configuration conf() {
    Configuration c = new Configuration();
    settings().forEach(c::set);
    return c;
  }

  /** {@link #uri} as a {@link Location}. */
  public Location location(String absolutePath) throws IOException {
    return Location.of(uri(absolutePath), conf());
  }

  @Override
  public void close() {
    server.shutdown();
  }
}
