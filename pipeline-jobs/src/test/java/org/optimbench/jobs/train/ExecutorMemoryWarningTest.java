package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.conf.RunConfig;

/**
 * The trainer's one-line warning when the executors Spark was given are smaller than what the
 * conf's runs are sized for ({@code executor_memory}).
 */
class ExecutorMemoryWarningTest {
  @TempDir Path dir;

  private List<RunConfig> runs(String... overrides) throws Exception {
    Path f = dir.resolve("sized.yaml");
    Files.writeString(
        f,
        """
        data: {train: prep/iris}
        optimizer: {name: sgd, hparams: {lr: 0.1}}
        mode: gradient_sharing
        workers: 4
        steps: 10
        sweep:
          executor_memory: [8g, 16g]
        """);
    return RunConf.load(f, List.of(overrides));
  }

  private static SparkConf executors(String memory) {
    SparkConf c = new SparkConf(false);
    if (memory != null) c.set("spark.executor.memory", memory);
    return c;
  }

  @Test
  void warnsOnceNamingTheLargestRunWhenExecutorsAreSmaller() throws Exception {
    Optional<String> w = TrainingJob.executorMemoryWarning(executors("12g"), "yarn", runs());
    assertTrue(w.isPresent());
    assertTrue(w.get().contains("12g") && w.get().contains("16g"), w.get());
    assertTrue(w.get().contains("executor_memory=16g"), "names the run: " + w.get());
    assertEquals(1, w.get().lines().count());
    // Spark reads a number without a unit as mebibytes
    assertTrue(TrainingJob.executorMemoryWarning(executors("12288"), "yarn", runs()).isPresent());
  }

  @Test
  void saysNothingWhenTheExecutorsAreLargeEnoughOrTheSizeIsUnknown() throws Exception {
    assertEquals(
        Optional.empty(), TrainingJob.executorMemoryWarning(executors("16g"), "yarn", runs()));
    assertEquals(
        Optional.empty(),
        TrainingJob.executorMemoryWarning(executors("16384m"), "spark://m:7077", runs()));
    assertEquals(
        Optional.empty(), TrainingJob.executorMemoryWarning(executors(null), "yarn", runs()));
    assertEquals(
        Optional.empty(),
        TrainingJob.executorMemoryWarning(executors("1g"), "local[2]", runs()),
        "local workers run in the driver");
    assertEquals(
        Optional.empty(),
        TrainingJob.executorMemoryWarning(
            executors("1g"), "yarn", runs("mode=single", "workers=1")),
        "a single-process run trains on the driver");
  }
}
