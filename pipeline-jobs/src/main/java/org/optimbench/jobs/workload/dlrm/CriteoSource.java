package org.optimbench.jobs.workload.dlrm;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.optimbench.jobs.fs.Location;
import org.optimbench.optim.spec.SpecException;
import org.optimbench.prep.criteo.CriteoConfig;
import org.optimbench.prep.criteo.CriteoGenerator;
import org.optimbench.prep.criteo.CriteoJob;

/**
 * DLRM's {@code data.source}: what to prepare {@code data.train} from when it does not exist yet.
 *
 * <ul>
 *   <li>{@code PATH[?options]}: Criteo day files (Kaggle / 1TB), given to data-prep's criteo job;
 *   <li>{@code generate-criteo?days=D&rows-per-day=N[&seed=S][&options]}: synthetic day files from
 *       data-prep's generator ({@code scripts/prepare generate-criteo}), written next to the target
 *       as {@code <data.train>.raw/}, then the criteo job.
 * </ul>
 *
 * Options are the criteo job's long option names: {@code hash-range}, {@code categorical} (hash or
 * vocab), {@code frequency-threshold}, and for day files {@code days} (cut into K days). The split
 * and hash seed is 0. Unknown options are errors naming {@code data.source}.
 */
final class CriteoSource {
  static final String GENERATE = "generate-criteo";
  private static final Set<String> PREP =
      Set.of("hash-range", "categorical", "frequency-threshold");

  private CriteoSource() {}

  static void prepare(SparkSession spark, String source, String target, PrintStream console)
      throws IOException {
    int q = source.indexOf('?');
    String path = q < 0 ? source : source.substring(0, q);
    Map<String, String> opts = options(q < 0 ? "" : source.substring(q + 1));
    boolean generate = path.equals(GENERATE);
    for (String k : opts.keySet()) {
      boolean known =
          PREP.contains(k)
              || (generate
                  ? List.of("days", "rows-per-day", "seed").contains(k)
                  : k.equals("days"));
      if (!known)
        throw new SpecException(
            "data.source",
            "unknown option '"
                + k
                + "' (known: hash-range, categorical, frequency-threshold, "
                + (generate ? "days, rows-per-day, seed" : "days")
                + ")");
    }
    String input = path;
    Integer cutDays = null;
    if (generate) {
      if (!opts.containsKey("days") || !opts.containsKey("rows-per-day"))
        throw new SpecException("data.source", GENERATE + " needs days=D and rows-per-day=N");
      // the generator replaces its own earlier output there and refuses any other directory
      // the generator writes local files: next to a local target only
      Location at = Location.of(target);
      if (!at.isLocal())
        throw new SpecException(
            "data.source",
            GENERATE
                + " writes its raw files on this machine, next to a local data.train; for "
                + target
                + " generate them with scripts/prepare generate-criteo on shared storage and name"
                + " them in data.source");
      Path raw = at.toLocalPath().resolveSibling(at.toLocalPath().getFileName() + ".raw");
      CriteoGenerator.Spec spec =
          new CriteoGenerator.Spec(
              integer(opts, "days"),
              integer(opts, "rows-per-day"),
              opts.containsKey("seed") ? integer(opts, "seed") : 0,
              false);
      console.println("generating Criteo-format data " + spec + " -> " + raw);
      CriteoGenerator.generate(raw, spec, 1);
      input = raw.toString();
    } else if (opts.containsKey("days")) {
      cutDays = integer(opts, "days");
    }
    CriteoConfig.Mode mode = opts.containsKey("categorical") ? mode(opts.get("categorical")) : null;
    Integer hashRange = opts.containsKey("hash-range") ? integer(opts, "hash-range") : null;
    Integer threshold =
        opts.containsKey("frequency-threshold") ? integer(opts, "frequency-threshold") : null;
    console.println("preparing " + input + " -> " + target);
    spark.sparkContext().setJobDescription("optimbench prepare criteo " + input);
    console.println(
        "  "
            + CriteoJob.run(
                spark,
                new CriteoConfig(
                    input, target, false, 0L, 0L, mode, hashRange, threshold, cutDays)));
  }

  private static Map<String, String> options(String query) {
    Map<String, String> out = new LinkedHashMap<>();
    if (query.isEmpty()) return out;
    for (String kv : query.split("&")) {
      int eq = kv.indexOf('=');
      if (eq <= 0)
        throw new SpecException("data.source", "option '" + kv + "' must look like key=value");
      out.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    return out;
  }

  private static int integer(Map<String, String> opts, String key) {
    try {
      return Integer.parseInt(opts.get(key));
    } catch (NumberFormatException e) {
      throw new SpecException(
          "data.source", "option " + key + "=" + opts.get(key) + " is not an integer");
    }
  }

  private static CriteoConfig.Mode mode(String v) {
    try {
      return CriteoConfig.Mode.valueOf(v);
    } catch (IllegalArgumentException e) {
      throw new SpecException("data.source", "option categorical=" + v + " is not hash or vocab");
    }
  }
}
