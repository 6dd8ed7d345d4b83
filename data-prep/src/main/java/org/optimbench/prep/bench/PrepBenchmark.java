package org.optimbench.prep.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.optimbench.prep.common.Sparks;
import org.optimbench.prep.criteo.CriteoConfig;
import org.optimbench.prep.criteo.CriteoGenerator;
import org.optimbench.prep.criteo.CriteoJob;
import org.optimbench.prep.libsvm.LibsvmConfig;
import org.optimbench.prep.libsvm.LibsvmJob;
import org.optimbench.prep.text.DocumentFormat;
import org.optimbench.prep.text.TextConfig;
import org.optimbench.prep.text.TextJob;
import org.optimbench.prep.text.Tokenizer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs each prep job beside the plain Spark pipeline it replaces, on the same files in one session,
 * and prints a Markdown table of rows (or tokens) per second: Criteo job vs {@code
 * read.csv(sep="\t") -> write.parquet}; LIBSVM job vs Spark's {@code libsvm} source {@code ->
 * write.parquet}; text job tokens/s per core, and jtokkit alone on one thread.
 */
@Command(
    name = "bench-prep",
    mixinStandardHelpOptions = true,
    description = "Throughput of the prep jobs vs raw Spark.")
public final class PrepBenchmark implements Callable<Integer> {
  @Option(
      names = "--work",
      defaultValue = "/tmp/bench-prep",
      description = "Scratch directory (default /tmp/bench-prep).")
  Path work;

  @Option(
      names = "--criteo-gb",
      defaultValue = "1.0",
      description = "Size of the generated Criteo data in GB (default 1).")
  double criteoGb;

  @Option(
      names = "--criteo-days",
      defaultValue = "8",
      description = "Day files to split it into (default 8).")
  int criteoDays;

  @Option(
      names = "--libsvm-rows",
      defaultValue = "1000000",
      description = "Rows of the generated LIBSVM file.")
  int libsvmRows;

  @Option(
      names = "--text-copies",
      defaultValue = "20",
      description = "Copies of the KJV sample for the text job.")
  int textCopies;

  @Option(
      names = "--criteo-vocab",
      description = "Also time vocab mode (threshold 15; reads the input twice, 26 joins).")
  boolean criteoVocab;

  @Option(names = "--master", description = "Spark master (default local[*]).")
  String master;

  @Option(names = "--only", description = "criteo, libsvm or text (default all).")
  String only;

  public static void main(String[] args) {
    System.exit(new CommandLine(new PrepBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(work);
    SparkSession spark = Sparks.session(master, "bench-prep");
    int cores = spark.sparkContext().defaultParallelism();
    System.out.printf(
        "| benchmark | rows or tokens | seconds | per second | ratio |%n|---|---|---|---|---|%n");
    try {
      if (only == null || only.equals("criteo")) {
        criteo(spark);
      }
      if (only == null || only.equals("libsvm")) {
        libsvm(spark);
      }
      if (only == null || only.equals("text")) {
        text(spark, cores);
      }
    } finally {
      spark.stop();
    }
    System.out.printf(
        "%nSpark %s, master %s, %d cores, Java %s%n",
        spark.version(), spark.sparkContext().master(), cores, System.getProperty("java.version"));
    return 0;
  }

  private void criteo(SparkSession spark) throws IOException {
    Path in = work.resolve("criteo-" + criteoGb + "gb");
    long rowsPerDay = (long) (criteoGb * 1e9 / 250 / criteoDays);
    if (!Files.exists(in.resolve("day_" + (criteoDays - 1)))) {
      long t = System.nanoTime();
      CriteoGenerator.generate(in, new CriteoGenerator.Spec(criteoDays, rowsPerDay, 1, false), 2);
      System.err.printf("generated %s in %.1f s%n", in, secs(t));
    }
    long bytes;
    try (Stream<Path> s = Files.list(in)) {
      bytes = s.mapToLong(p -> p.toFile().length()).sum();
    }
    long rows = rowsPerDay * criteoDays;
    delete(work.resolve("criteo-raw"));
    long t0 = System.nanoTime();
    spark
        .read()
        .option("sep", "\t")
        .csv(in.toString())
        .write()
        .parquet(work.resolve("criteo-raw").toString());
    double raw = secs(t0);
    row("Spark read.csv(sep=\\t) -> parquet, Criteo " + mb(bytes), rows, raw, "1.00");
    delete(work.resolve("criteo-hash"));
    t0 = System.nanoTime();
    CriteoJob.run(
        spark,
        new CriteoConfig(
            in.toString(),
            work.resolve("criteo-hash").toString(),
            true,
            0L,
            0L,
            CriteoConfig.Mode.hash,
            null,
            null,
            null));
    double ours = secs(t0);
    row(
        "criteo job, hash mode (parse, log1p, hash, day split, sha256, manifest)",
        rows,
        ours,
        String.format("%.2f", raw / ours));
    if (criteoVocab) {
      delete(work.resolve("criteo-vocab"));
      t0 = System.nanoTime();
      CriteoJob.run(
          spark,
          new CriteoConfig(
              in.toString(),
              work.resolve("criteo-vocab").toString(),
              true,
              0L,
              0L,
              CriteoConfig.Mode.vocab,
              null,
              15,
              null));
      double vocab = secs(t0);
      row(
          "criteo job, vocab mode (threshold 15: count, window ids, 26 joins)",
          rows,
          vocab,
          String.format("%.2f", raw / vocab));
    }
  }

  private void libsvm(SparkSession spark) throws IOException {
    Path in = work.resolve("libsvm-" + libsvmRows + ".svm");
    if (!Files.exists(in)) {
      SplittableRandom rnd = new SplittableRandom(3);
      try (BufferedWriter w = Files.newBufferedWriter(in, StandardCharsets.US_ASCII)) {
        for (int r = 0; r < libsvmRows; r++) {
          StringBuilder sb = new StringBuilder(rnd.nextBoolean() ? "+1" : "-1");
          int index = 0;
          for (int k = 0; k < 30; k++) {
            index += 1 + rnd.nextInt(30);
            sb.append(' ')
                .append(index)
                .append(':')
                .append(String.format("%.6f", rnd.nextDouble()));
          }
          w.write(sb.append('\n').toString());
        }
      }
    }
    delete(work.resolve("libsvm-spark"));
    long t0 = System.nanoTime();
    spark
        .read()
        .format("libsvm")
        .option("numFeatures", "1000")
        .load(in.toString())
        .write()
        .parquet(work.resolve("libsvm-spark").toString());
    double raw = secs(t0);
    row(
        "Spark libsvm source -> parquet, "
            + libsvmRows
            + " rows x 30 nnz ("
            + mb(Files.size(in))
            + ")",
        libsvmRows,
        raw,
        "1.00");
    delete(work.resolve("libsvm-ours"));
    t0 = System.nanoTime();
    LibsvmJob.run(
        spark,
        new LibsvmConfig(
            in.toString(),
            work.resolve("libsvm-ours").toString(),
            true,
            0L,
            0L,
            0.1,
            0.1,
            null,
            1000,
            null));
    double ours = secs(t0);
    row(
        "libsvm job (strict parse, labels, split, manifest)",
        libsvmRows,
        ours,
        String.format("%.2f", raw / ours));
  }

  private void text(SparkSession spark, int cores) throws IOException {
    Path sample = Path.of("data/text/kjv");
    Path in = work.resolve("text-x" + textCopies);
    if (!Files.exists(in)) {
      Files.createDirectories(in);
      try (Stream<Path> books = Files.list(sample)) {
        for (Path b : (Iterable<Path>) books::iterator) {
          for (int c = 0; c < textCopies; c++) {
            // A marker line makes every copy a distinct document.
            Files.writeString(
                in.resolve(c + "-" + b.getFileName()), "copy " + c + "\n" + Files.readString(b));
          }
        }
      }
    }
    Tokenizer tok = new Tokenizer("r50k_base", null);
    String mark = Files.readString(sample.resolve("mark.txt"));
    tok.encodeDocument(mark);
    long t0 = System.nanoTime();
    long tokens = 0;
    for (int i = 0; i < 10; i++) {
      tokens += tok.encodeDocument(mark + i).length;
    }
    double single = secs(t0);
    row("jtokkit r50k_base alone, 1 thread (Mark x10)", tokens, single, "");
    delete(work.resolve("text-out"));
    t0 = System.nanoTime();
    TextJob.Summary s =
        TextJob.run(
            spark,
            new TextConfig(
                in.toString(),
                work.resolve("text-out").toString(),
                true,
                0L,
                0L,
                DocumentFormat.book,
                null,
                null,
                1024,
                0.05));
    double job = secs(t0);
    row(
        "text job, tokens/s per core (" + cores + " cores, " + textCopies + " x KJV sample)",
        s.tokens(),
        job * cores,
        "");
  }

  private static void row(String name, long n, double seconds, String ratio) {
    System.out.printf("| %s | %,d | %.1f | %,.0f | %s |%n", name, n, seconds, n / seconds, ratio);
  }

  private static double secs(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static String mb(long bytes) {
    return String.format("%.0f MB", bytes / 1e6);
  }

  private static void delete(Path p) throws IOException {
    if (Files.exists(p)) {
      try (Stream<Path> s = Files.walk(p)) {
        s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
      }
    }
  }
}
