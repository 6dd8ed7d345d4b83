package org.optimbench.jobs.refine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.testing.ShippedIris;
import org.optimbench.jobs.train.TrainingJob;
import org.optimbench.optim.schedule.RefinedSchedule;
import picocli.CommandLine;

/**
 * refine-schedule on a Parquet metric log: a real training run (iris, single process) writes
 * metrics.csv and metrics.parquet; both, and the run directory itself, give the same schedule files
 * byte for byte, and a bad Parquet log fails with the message and exit code of a bad CSV, naming
 * the row.
 */
class RefineScheduleParquetTest {
  @TempDir static Path tmp;
  static SparkSession spark;
  static Path run;

  @BeforeAll
  static void train() throws Exception {
    spark =
        SparkSession.builder()
            .master("local[1]")
            .appName("refine-schedule-parquet-test")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    spark.sparkContext().setLogLevel("ERROR");
    Path data = tmp.resolve("iris-prep");
    ShippedIris.prepare(spark, data.toString());
    Path conf = tmp.resolve("run.yaml");
    Files.writeString(
        conf,
        """
        data: {train: %s}
        workload: {name: logreg}
        optimizer: {name: prodigy}
        steps: 120
        batch_size: 16
        eval_every: 10
        checkpoint_every: 120
        log_every: 1
        dtype: float32
        output: %s
        """
            .formatted(data, tmp.resolve("runs")));
    List<RunConfig> runs = RunConf.load(conf, List.of());
    TrainingJob.run(
        spark, runs, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    try (var dirs = Files.list(tmp.resolve("runs"))) {
      run = dirs.filter(Files::isDirectory).findFirst().orElseThrow();
    }
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static int refine(String... args) {
    CommandLine cl = RefineSchedule.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    return cl.execute(args);
  }

  private static String stderrOf(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = RefineSchedule.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    assertEquals(1, cl.execute(args), "exit code");
    assertFalse(spark.sparkContext().isStopped(), "the caller's session is left running");
    return err.toString().strip();
  }

  @Test
  void csvParquetAndRunDirectoryOfTheSameRunGiveIdenticalSchedules() throws Exception {
    Path csv = run.resolve("metrics.csv");
    Path parquet = run.resolve("metrics.parquet");
    assertTrue(Files.isDirectory(parquet), "the training job writes metrics.parquet");
    // grad_norm: every row; eval.valid_loss: every 10th row, empty (CSV) / null (Parquet) elsewhere
    for (String smoothing : List.of("", "--no-smoothing")) {
      List<Path> outs = new ArrayList<>();
      for (Path in : List.of(csv, parquet, run)) {
        Path out =
            tmp.resolve(
                "out-" + (in == run ? "run" : in.getFileName()) + smoothing + "/schedule.csv");
        Files.createDirectories(out.getParent());
        List<String> args =
            new ArrayList<>(
                List.of(
                    "--metrics",
                    in.toString(),
                    "--norm-column",
                    "grad_norm",
                    "--kind",
                    "l2",
                    "--out",
                    out.toString()));
        if (smoothing.isEmpty()) args.addAll(List.of("--steps", "200"));
        else args.addAll(List.of("--norm-column", "eval.valid_loss", "--no-smoothing"));
        assertEquals(0, refine(args.toArray(String[]::new)), String.join(" ", args));
        outs.add(out);
      }
      try (var files = Files.list(outs.get(0).getParent())) {
        for (Path f : files.toList()) {
          for (Path other : List.of(outs.get(1), outs.get(2)))
            assertArrayEquals(
                Files.readAllBytes(f),
                Files.readAllBytes(other.resolveSibling(f.getFileName())),
                f.getFileName() + " differs between CSV and " + other);
          assertTrue(RefinedSchedule.read(f).length() >= 120);
        }
      }
    }
    // and the schedule is not trivially the same for any input: it follows the logged norms
    assertTrue(
        Files.readString(tmp.resolve("out-metrics.csv--no-smoothing/schedule.grad_norm.csv"))
                .lines()
                .count()
            > 100);
  }

  private static Path parquet(String name, Object[]... rows) {
    StructType schema =
        new StructType()
            .add("step", DataTypes.LongType)
            .add("grad_norm", DataTypes.DoubleType, true);
    List<Row> data = new ArrayList<>();
    for (Object[] r : rows) data.add(RowFactory.create(r));
    Path p = tmp.resolve(name);
    spark.createDataFrame(data, schema).coalesce(1).write().parquet(p.toString());
    return p;
  }

  @Test
  void aBadParquetLogFailsLikeABadCsvNamingTheRow() throws Exception {
    String[] l2 = {
      "--norm-column",
      "grad_norm",
      "--kind",
      "l2",
      "--no-smoothing",
      "--out",
      tmp.resolve("bad.csv").toString()
    };
    Path nan =
        parquet(
            "nan.parquet",
            new Object[] {0L, 1.0},
            new Object[] {1L, 2.0},
            new Object[] {2L, Double.NaN});
    assertTrue(
        stderrOf(concat(nan, l2))
            .endsWith(
                "nan.parquet row 3 column grad_norm: NaN gradient norm (a diverged step? remove the row)"),
        stderrOf(concat(nan, l2)));
    Path back =
        parquet(
            "back.parquet", new Object[] {0L, 1.0}, new Object[] {5L, 2.0}, new Object[] {3L, 2.0});
    assertTrue(
        stderrOf(concat(back, l2))
            .endsWith("back.parquet row 3 column step: step 3 after step 5 (steps must increase)"),
        stderrOf(concat(back, l2)));
    Path noCol = parquet("nocol.parquet", new Object[] {0L, 1.0});
    String[] other = {
      "--norm-column", "gnorm", "--kind", "l2", "--out", tmp.resolve("bad.csv").toString()
    };
    assertTrue(
        stderrOf(concat(noCol, other)).contains("nocol.parquet (schema): no column 'gnorm'"),
        stderrOf(concat(noCol, other)));
    assertTrue(
        stderrOf(concat(tmp.resolve("missing.parquet"), l2))
            .contains("missing.parquet: no such file"));
    Path corrupt = parquet("corrupt.parquet", new Object[] {0L, 1.0});
    try (var parts = Files.list(corrupt)) {
      for (Path p : parts.filter(p -> p.getFileName().toString().startsWith("part-")).toList())
        Files.writeString(p, "this is not parquet");
    }
    String err = stderrOf(concat(corrupt, l2));
    assertTrue(err.contains("corrupt.parquet: not a readable Parquet log ("), err);
    assertEquals(1, err.lines().count(), err);
    assertTrue(!Files.exists(tmp.resolve("bad.csv")), "nothing written on bad input");
  }

  private static String[] concat(Path metrics, String[] rest) {
    String[] a = new String[rest.length + 2];
    a[0] = "--metrics";
    a[1] = metrics.toString();
    System.arraycopy(rest, 0, a, 2, rest.length);
    return a;
  }
}
