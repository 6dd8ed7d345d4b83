package org.optimbench.jobs.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A probe class run in a fresh JVM on the test classpath: what native libraries read once, when
 * they load (javacpp's limits, OpenBLAS's kernels), can only be tested in a process of its own.
 */
final class FreshJvm {
  private FreshJvm() {}

  /**
   * The last line {@code main} printed, split at spaces, after it exited 0 within 120 s; {@code
   * env} is added to this process's environment, less the names in {@code unset}.
   */
  static String[] lastLine(
      Class<?> main,
      List<String> jvmArgs,
      Map<String, String> env,
      List<String> unset,
      String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
    unset.forEach(b.environment()::remove);
    b.environment().putAll(env);
    Process p = b.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, out);
    String[] lines = out.strip().split("\n");
    return lines[lines.length - 1].trim().split(" ");
  }
}
