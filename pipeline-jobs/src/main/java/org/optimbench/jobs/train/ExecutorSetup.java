package org.optimbench.jobs.train;

import java.util.Map;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.optimbench.jobs.model.NativeSetup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Spark plugin ({@code spark.plugins}, which {@link Train} sets) that runs {@link
 * NativeSetup#install()} in every executor as it starts, before its first task: OpenBLAS's kernels
 * and the native-memory watcher are chosen on each executor's own host, before anything there loads
 * ND4J. Every mode needs this, and {@code dl4j_averaging} most: DL4J's own tasks load ND4J before
 * any code of ours runs in them (barrier tasks also call {@code install()} first, a no-op once this
 * ran). A bad setting is logged here and fails the first task that calls {@code install()}, with
 * the setting named in the run's error, rather than every executor's start.
 */
public final class ExecutorSetup implements SparkPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorSetup.class);

  /** This class's name, for {@code spark.plugins}. */
  static final String NAME = ExecutorSetup.class.getName();

  @Override
  public DriverPlugin driverPlugin() {
    return null;
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new ExecutorPlugin() {
      @Override
      public void init(PluginContext ctx, Map<String, String> extraConf) {
        try {
          NativeSetup.install();
        } catch (IllegalArgumentException e) {
          LOG.error("executor setup: {}", e.getMessage());
        }
      }
    };
  }

  /** {@code spark.plugins} with this plugin added to the user's ({@code null}: none). */
  static String plugins(String user) {
    if (user == null || user.isBlank()) return NAME;
    for (String p : user.split(",")) if (p.trim().equals(NAME)) return user;
    return user + "," + NAME;
  }
}
