package org.optimbench.jobs.workload.gpt;

import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.optimbench.optim.spec.SpecException;
import org.optimbench.prep.text.DocumentFormat;
import org.optimbench.prep.text.TextConfig;
import org.optimbench.prep.text.TextJob;

/**
 * The GPT workload's {@code data.source}: {@code PATH[?options]}, a text file or a directory of
 * them (books, Wikipedia lines, WikiExtractor output; gzip or plain), given to data-prep's text job
 * when {@code data.train} does not exist yet. Options are the text job's long option names with its
 * defaults: {@code seq-len} (1024; must equal the workload's {@code seq_len}), {@code format}
 * (auto), {@code valid-fraction} (0.05), {@code seed} (0), {@code encoding} (r50k_base = GPT-2).
 * Unknown options are errors naming {@code data.source}.
 */
final class TextSource {
  private static final Set<String> OPTIONS =
      Set.of("seq-len", "format", "valid-fraction", "seed", "encoding");

  private TextSource() {}

  static void prepare(SparkSession spark, String source, String target, PrintStream console)
      throws IOException {
    int q = source.indexOf('?');
    String input = q < 0 ? source : source.substring(0, q);
    Map<String, String> opts = new LinkedHashMap<>();
    if (q >= 0 && q + 1 < source.length()) {
      for (String kv : source.substring(q + 1).split("&")) {
        int eq = kv.indexOf('=');
        if (eq <= 0)
          throw new SpecException("data.source", "option '" + kv + "' must look like key=value");
        String k = kv.substring(0, eq);
        if (!OPTIONS.contains(k))
          throw new SpecException(
              "data.source",
              "unknown option '"
                  + k
                  + "' (known: "
                  + String.join(", ", new java.util.TreeSet<>(OPTIONS))
                  + ")");
        opts.put(k, kv.substring(eq + 1));
      }
    }
    TextConfig config;
    try {
      config =
          new TextConfig(
              input,
              target,
              false,
              0L,
              opts.containsKey("seed") ? Long.valueOf(number(opts, "seed")) : null,
              opts.containsKey("format") ? format(opts.get("format")) : null,
              opts.get("encoding"),
              null,
              opts.containsKey("seq-len") ? Integer.valueOf((int) number(opts, "seq-len")) : null,
              opts.containsKey("valid-fraction")
                  ? Double.valueOf(fraction(opts.get("valid-fraction")))
                  : null);
    } catch (IllegalArgumentException e) {
      if (e instanceof SpecException) throw e;
      throw new SpecException("data.source", e.getMessage());
    }
    console.println(
        "preparing " + input + " -> " + target + " (text job, seq-len " + config.seqLen() + ")");
    spark.sparkContext().setJobDescription("optimbench prepare text " + input);
    console.println("  " + TextJob.run(spark, config));
  }

  private static long number(Map<String, String> opts, String key) {
    try {
      return Long.parseLong(opts.get(key));
    } catch (NumberFormatException e) {
      throw new SpecException(
          "data.source", "option " + key + "=" + opts.get(key) + " is not an integer");
    }
  }

  private static double fraction(String v) {
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new SpecException("data.source", "option valid-fraction=" + v + " is not a number");
    }
  }

  private static DocumentFormat format(String v) {
    try {
      return DocumentFormat.valueOf(v.toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new SpecException(
          "data.source",
          "option format=" + v + " is not one of auto, book, lines, blankline, wikiextractor");
    }
  }
}
