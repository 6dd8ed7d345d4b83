package org.optimbench.jobs.data.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.prep.criteo.CriteoConfig;
import org.optimbench.prep.criteo.CriteoGenerator;
import org.optimbench.prep.criteo.CriteoJob;

/**
 * {@code scripts/bench-data [memory] [wait] [reader]}: the training data path at scale.
 *
 * <ul>
 *   <li>{@code memory}: the peak resident memory (VmHWM, ND4J's off-heap arrays included) of a
 *       training worker of the dlrm-laptop.yaml model on generated Criteo data of 2M and of 20M
 *       rows, same settings (steps, batch, reader.shuffle_buffer, reader.prefetch), each a JVM of
 *       its own with {@code -Xmx1g}; the two sizes alternate over {@code -Dbench.rounds} rounds
 *       (2).
 *   <li>{@code wait}: the share of a worker's step time spent waiting for its rows ({@code
 *       RankStream.waitNanos}) at the dlrm-laptop.yaml size (20M rows) and the gpt-laptop.yaml size
 *       (its KJV data), one JVM each.
 *   <li>{@code reader}: rows/s of the rank-local Parquet reader against Spark's own Parquet scan
 *       ({@link BenchReader}).
 * </ul>
 *
 * A worker is the trainer's own ({@code WorkerTraining}, rank 0 of 1 in mode single: run directory,
 * diagnostic step, steps, the final evaluation on {@code eval.valid_fraction} 0.01 and checkpoint)
 * started by {@link BenchDataWorker} in a child JVM with this JVM's flags. Data is made once under
 * {@code -Dbench.dir} (work/bench/data): {@code scripts/prepare generate-criteo} and the Criteo job
 * (4 days of 500k and 5M rows, hash range 10,000 as dlrm-laptop.yaml; the raw days are deleted
 * after), and gpt-laptop.yaml's data.source for the text. {@code -Dbench.dlrmSteps} (600) and
 * {@code -Dbench.gptSteps} (150) set the steps, {@code -Dbench.xmx} (1g) the workers' heap, {@code
 * -Dbench.readerRounds} (5) the reader's rounds, and {@code -Dbench.verbose=true} prints what the
 * children print. {@code -Dbench.baseline=DIR} also runs every worker, and the reader case, with
 * the classes in DIR first on the class path (another build of pipeline-jobs' main classes), side
 * by side in the same run.
 */
public final class BenchData {
  public static final List<String> CASES = List.of("memory", "wait", "reader");

  private BenchData() {}

  /**
   * The cases the arguments name, in their order (none: all three). Runs nothing, so {@code
   * BenchmarksDocTest} can check the commands of BENCHMARKS.md.
   *
   * @throws IllegalArgumentException naming an argument that is not a case
   */
  public static List<String> checkArgs(String[] args) {
    for (String a : args)
      if (!CASES.contains(a))
        throw new IllegalArgumentException(
            "unknown case '" + a + "' (known: " + String.join(", ", CASES) + ")");
    return args.length == 0 ? CASES : List.of(args);
  }

  public static void main(String[] args) throws Exception {
    List<String> cases;
    try {
      cases = checkArgs(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench-data: " + e.getMessage());
      System.exit(2);
      return;
    }
    Path dir = Path.of(System.getProperty("bench.dir", "work/bench/data")).toAbsolutePath();
    System.out.printf(
        Locale.ROOT,
        "%d cores, load average %s, java %s%n",
        Runtime.getRuntime().availableProcessors(),
        loadAverage(),
        System.getProperty("java.version"));
    for (String c : cases) {
      switch (c) {
        case "memory" -> memory(dir);
        case "wait" -> waiting(dir);
        default -> reader(dir.resolveSibling("reader"));
      }
    }
    System.out.println("load average at the end: " + loadAverage());
    System.exit(0);
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (java.io.IOException e) {
      return String.format(
          Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }

  // ---- the cases ----

  private static void memory(Path dir) throws Exception {
    Path small = criteo(dir, "criteo-2m", 500_000);
    Path large = criteo(dir, "criteo-20m", 5_000_000);
    int rounds = Integer.getInteger("bench.rounds", 2);
    long steps = Long.getLong("bench.dlrmSteps", 600);
    System.out.printf(
        Locale.ROOT,
        "%nmemory: dlrm-laptop.yaml worker, %d steps, -Xmx%s, load %s%n",
        steps,
        xmx(),
        loadAverage());
    Map<String, List<Map<String, String>>> results = new LinkedHashMap<>();
    for (int r = 1; r <= rounds; r++) {
      for (String build : builds()) {
        for (Path data : List.of(small, large)) {
          String label = data.getFileName() + (build.isEmpty() ? "" : " (baseline)");
          Map<String, String> m = worker(build, "conf/experiments/dlrm-laptop.yaml", data, steps);
          results.computeIfAbsent(label, k -> new ArrayList<>()).add(m);
          System.out.printf(Locale.ROOT, "  round %d, %s: %s%n", r, label, line(m));
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%nmemory, median of %d rounds (load %s)%n  %-22s %14s %12s %12s %10s %12s%n",
        rounds,
        loadAverage(),
        "data",
        "training MiB",
        "VmHWM MiB",
        "heap MiB",
        "wait %",
        "model MiB");
    Map<String, Double> hwm = new LinkedHashMap<>();
    for (Map.Entry<String, List<Map<String, String>>> e : results.entrySet()) {
      double h = median(e.getValue(), "vmhwm_kb") / 1024;
      hwm.put(e.getKey(), h);
      System.out.printf(
          Locale.ROOT,
          "  %-22s %14.0f %12.0f %12.0f %10.2f %12.0f%n",
          e.getKey(),
          median(e.getValue(), "training_vmhwm_kb") / 1024,
          h,
          median(e.getValue(), "heap_peak_kb") / 1024,
          100 * median(e.getValue(), "wait_fraction"),
          median(e.getValue(), "model_kb") / 1024);
    }
    for (String build : builds()) {
      String suffix = build.isEmpty() ? "" : " (baseline)";
      double a = hwm.get(small.getFileName() + suffix);
      double b = hwm.get(large.getFileName() + suffix);
      System.out.printf(
          Locale.ROOT,
          "  20M / 2M peak resident memory%s: %.3f (target: within 15%%)%n",
          suffix,
          b / a);
    }
  }

  private static void waiting(Path dir) throws Exception {
    Path large = criteo(dir, "criteo-20m", 5_000_000);
    Path text = text(dir);
    long dlrmSteps = Long.getLong("bench.dlrmSteps", 600);
    long gptSteps = Long.getLong("bench.gptSteps", 150);
    System.out.printf(Locale.ROOT, "%nwait: input wait / step time, load %s%n", loadAverage());
    for (String build : builds()) {
      String suffix = build.isEmpty() ? "" : " (baseline)";
      Map<String, String> d = worker(build, "conf/experiments/dlrm-laptop.yaml", large, dlrmSteps);
      System.out.printf(Locale.ROOT, "  dlrm-laptop, 20M rows%s: %s%n", suffix, line(d));
      Map<String, String> g = worker(build, "conf/experiments/gpt-laptop.yaml", text, gptSteps);
      System.out.printf(Locale.ROOT, "  gpt-laptop, KJV%s: %s%n", suffix, line(g));
    }
    System.out.println("  target: input wait < 5% of step time");
  }

  private static String line(Map<String, String> m) {
    return String.format(
        Locale.ROOT,
        "%s, %s steps in %.1f s (%.1f ms/step), input wait %.3f s = %.2f%% (first batch %.3f s;"
            + " after it %.2f%%; %s waits, %s windows),"
            + " VmHWM %.0f MiB when the evaluation began, %.0f MiB at the end, heap peak %.0f MiB,"
            + " model %.0f MiB",
        m.get("outcome"),
        m.get("steps"),
        d(m, "step_s"),
        1e3 * d(m, "step_s") / d(m, "steps"),
        d(m, "wait_s"),
        100 * d(m, "wait_fraction"),
        d(m, "first_wait_s"),
        100 * (d(m, "wait_s") - d(m, "first_wait_s")) / d(m, "step_s"),
        m.get("waits"),
        m.get("windows"),
        d(m, "training_vmhwm_kb") / 1024,
        d(m, "vmhwm_kb") / 1024,
        d(m, "heap_peak_kb") / 1024,
        d(m, "model_kb") / 1024);
  }

  private static double d(Map<String, String> m, String k) {
    return Double.parseDouble(m.get(k));
  }

  private static double median(List<Map<String, String>> runs, String key) {
    double[] v = runs.stream().mapToDouble(m -> d(m, key)).sorted().toArray();
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  private static String xmx() {
    return System.getProperty("bench.xmx", "1g");
  }

  /** "" for this build, then the baseline's class directory when one is given. */
  private static List<String> builds() {
    String b = System.getProperty("bench.baseline", "");
    return b.isEmpty() ? List.of("") : List.of("", Path.of(b).toAbsolutePath().toString());
  }

  /**
   * Runs {@link BenchDataWorker} in a child JVM ({@link #child}) with {@code -Dbench.xmx} and
   * returns the key=value pairs of its RESULT line.
   */
  private static Map<String, String> worker(String baseline, String conf, Path data, long steps)
      throws Exception {
    Map<String, String> result = new LinkedHashMap<>();
    child(
        baseline,
        xmx(),
        BenchDataWorker.class,
        List.of(conf, data.toString(), Long.toString(steps)),
        l -> {
          if (!l.startsWith(BenchDataWorker.RESULT)) return false;
          for (String kv : l.substring(BenchDataWorker.RESULT.length()).trim().split("\\s+")) {
            int eq = kv.indexOf('=');
            result.put(kv.substring(0, eq), kv.substring(eq + 1));
          }
          return true;
        });
    if (result.isEmpty())
      throw new IllegalStateException("worker " + conf + " on " + data + " printed no result");
    return result;
  }

  /**
   * Runs {@code main} in a child JVM with this JVM's flags, its heap replaced by {@code xmx} and
   * {@code baseline}'s classes (when given) first on its class path. Lines {@code consume} does not
   * take are printed, indented, when {@code echo} is set by {@code -Dbench.verbose}; a failed
   * child's last lines are in the exception.
   */
  private static void child(
      String baseline,
      String xmx,
      Class<?> main,
      List<String> args,
      java.util.function.Predicate<String> consume)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
      if (a.startsWith("-Doptimbench.log.file="))
        cmd.add(a.replaceFirst("(\\.log)?$", "-worker.log"));
      else if (!a.startsWith("-Xmx") && !a.startsWith("-Xms") && !a.startsWith("-agentlib"))
        cmd.add(a);
    cmd.add("-Xmx" + xmx);
    cmd.add("-cp");
    String cp = System.getProperty("java.class.path");
    cmd.add(baseline.isEmpty() ? cp : baseline + File.pathSeparator + cp);
    cmd.add(main.getName());
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    List<String> tail = new ArrayList<>();
    boolean echo = Boolean.getBoolean("bench.verbose");
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String l; (l = r.readLine()) != null; ) {
        if (consume.test(l)) continue;
        if (echo) System.out.println("    | " + l);
        tail.add(l);
        if (tail.size() > 40) tail.remove(0);
      }
    }
    int rc = p.waitFor();
    if (rc != 0)
      throw new IllegalStateException(
          main.getSimpleName() + " " + args + " exited " + rc + ":\n" + String.join("\n", tail));
  }

  private static void reader(Path dir) throws Exception {
    for (String build : builds()) {
      System.out.printf(
          Locale.ROOT,
          "%nreader%s: rows/s of the rank-local reader against Spark's scan, load %s%n",
          build.isEmpty() ? "" : " (baseline " + build + ")",
          loadAverage());
      child(
          build,
          System.getProperty("bench.readerXmx", "4g"),
          BenchReader.class,
          List.of(dir.toString(), Integer.toString(Integer.getInteger("bench.readerRounds", 5))),
          l -> {
            System.out.println("  " + l);
            return true;
          });
    }
  }

  // ---- data ----

  /** Generated Criteo data, 4 days of {@code perDay} rows hashed to 10,000 ids, made once. */
  private static Path criteo(Path dir, String name, long perDay) throws Exception {
    Path out = dir.resolve(name);
    if (Files.exists(out.resolve("_SUCCESS"))) return out;
    Path days = dir.resolve(name + "-days");
    System.out.printf(Locale.ROOT, "generating 4 days of %,d Criteo rows in %s%n", perDay, days);
    CriteoGenerator.generate(days, new CriteoGenerator.Spec(4, perDay, 0, false), 2);
    try (SparkSession spark = session()) {
      CriteoJob.run(
          spark,
          new CriteoConfig(
              days.toString(),
              out.toString(),
              true,
              0L,
              0L,
              CriteoConfig.Mode.hash,
              10_000,
              null,
              null,
              null,
              null));
    }
    deleteTree(days);
    return out;
  }

  /** gpt-laptop.yaml's data, prepared from its data.source as the trainer would, made once. */
  private static Path text(Path dir) throws Exception {
    Path out = dir.resolve("kjv-64");
    if (Files.exists(out.resolve("_SUCCESS"))) return out;
    RunConfig gpt = RunConf.load(Path.of("conf/experiments/gpt-laptop.yaml"), List.of()).get(0);
    try (SparkSession spark = session()) {
      gpt.workload().prepare(spark, gpt.data().source(), out.toString(), System.out);
    }
    return out;
  }

  private static SparkSession session() {
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("bench-data-prepare")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    spark.sparkContext().setLogLevel("ERROR");
    return spark;
  }

  private static void deleteTree(Path p) throws java.io.IOException {
    if (!Files.exists(p)) return;
    try (Stream<Path> s = Files.walk(p)) {
      for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
    }
  }
}
