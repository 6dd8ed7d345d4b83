package org.optimbench.jobs.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.optimbench.jobs.conf.RunConf;

/**
 * The operations scripts, checked from the JUnit suite so that {@code scripts/test} covers them:
 * runs the python3 standard-library tests of the Airflow DAG and the spark-submit wrapper
 * (scripts/airflow/tests: the DAG is loaded against a stand-in for the Airflow API, since Airflow
 * cannot be installed here), of the Spark GPU discovery script (scripts/gpu/tests) and of the cost
 * model and its table in BENCHMARKS.md (scripts/tests), and checks that every checked-in run list
 * the DAG reads at parse time still matches the sweep of its conf.
 */
class OpsScriptsTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void dagAndSubmitWrapperPythonTestsPass() throws Exception {
    unittest("scripts/airflow/tests");
  }

  @Test
  void gpuDiscoveryScriptPythonTestsPass() throws Exception {
    unittest("scripts/gpu/tests");
  }

  @Test
  void costModelPythonTestsPass() throws Exception {
    unittest("scripts/tests");
  }

  /**
   * Runs {@code python3 -m unittest discover -s DIR} from the repository root; fails with its
   * output.
   */
  private static void unittest(String dir) throws Exception {
    Process p;
    try {
      p =
          new ProcessBuilder("python3", "-m", "unittest", "discover", "-s", dir, "-v")
              .directory(ROOT.toFile())
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      throw new AssertionError(
          "python3 (standard library only) is needed to test " + dir + ": " + e.getMessage(), e);
    }
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python tests in " + dir + " did not finish");
    String log = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), "python3 -m unittest discover -s " + dir + " failed:\n" + log);
  }

  @Test
  void everyCheckedInRunListMatchesTheSweepOfItsConf() throws Exception {
    List<Path> lists;
    try (Stream<Path> s = Files.list(ROOT.resolve("scripts/airflow/runs"))) {
      lists = s.filter(f -> f.toString().endsWith(".runs")).sorted().toList();
    }
    assertFalse(lists.isEmpty(), "scripts/airflow/runs has no .runs file");
    for (Path f : lists) {
      List<String> lines = Files.readAllLines(f);
      String confLine =
          lines.stream()
              .filter(l -> l.startsWith("# conf:"))
              .findFirst()
              .orElseThrow(() -> new AssertionError(f + ": no '# conf:' line"));
      List<String> args =
          Arrays.asList(confLine.substring("# conf:".length()).trim().split("\\s+"));
      List<String> names =
          lines.stream()
              .map(String::strip)
              .filter(l -> !l.isEmpty() && !l.startsWith("#"))
              .toList();
      List<String> expected =
          RunConf.load(ROOT.resolve(args.get(0)), args.subList(1, args.size())).stream()
              .map(c -> c.name())
              .toList();
      assertEquals(
          expected,
          names,
          f
              + " is stale; regenerate it: scripts/airflow/list-runs "
              + String.join(" ", args)
              + " > "
              + ROOT.relativize(f));
    }
  }
}
