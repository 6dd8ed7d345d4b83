package org.optimbench.jobs.showcase;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.zip.GZIPInputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.model.NativeSetup;
import org.optimbench.jobs.run.AtomicFiles;
import org.optimbench.optim.Diagnostics;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.Optimizers;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.schedule.Schedule;
import org.optimbench.optim.schedule.Schedules;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.spec.SpecException;
import org.optimbench.optim.trace.SoftmaxMlp;
import org.optimbench.prep.common.RowFormatException;
import org.optimbench.prep.libsvm.LabelMapping;
import org.optimbench.prep.libsvm.LibsvmLineParser;
import org.optimbench.prep.libsvm.LibsvmRecord;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Parameters;

/**
 * {@code scripts/showcase [CONF.yaml]}: every optimizer listed in the conf (by default all of the
 * library, untuned where the method is learning-rate-free) trains the same multinomial logistic
 * regression (or one-hidden-layer tanh MLP) on a shipped LIBSVM dataset in one process, with the
 * same minibatches and schedule, and the table of final training loss, validation accuracy and the
 * methods' own estimates is printed and written to {@code OUT/summary.csv}.
 *
 * <p>A single-process demonstration of picking optimizers by name; the Spark training engine
 * ({@code scripts/train}) runs the same specs at scale. Exit 0 when the table is written; 1 for bad
 * data (the LIBSVM file) or a failure writing; 2 for a bad conf or bad usage.
 */
@Command(
    name = "showcase",
    mixinStandardHelpOptions = true,
    description = {
      "Every optimizer of the conf on a shipped LIBSVM dataset, in one process, with the same"
          + " minibatches and schedule; prints a table and writes OUT/summary.csv.",
      "Exit 0 when written; 1 for bad data; 2 for a bad conf or bad usage."
    })
public final class Showcase implements Callable<Integer> {
  private static final Set<String> KEYS =
      Set.of(
          "data",
          "hidden",
          "steps",
          "batch_size",
          "seed",
          "dtype",
          "valid_fraction",
          "schedule",
          "optimizers",
          "output");

  record Conf(
      Path data,
      int hidden,
      int steps,
      int batchSize,
      long seed,
      DataType dtype,
      double validFraction,
      Spec schedule,
      List<Spec> optimizers,
      Path output) {}

  record Dataset(double[][] x, int[] y, int classes, List<Double> labelValues) {}

  record Result(
      String name,
      double trainLoss,
      double validAccuracy,
      double millis,
      Map<String, Double> lastDiagnostics,
      String error) {}

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "CONF.yaml",
      defaultValue = "conf/showcase.yaml",
      description = "the conf (default: ${DEFAULT-VALUE})")
  Path confPath;

  public static void main(String[] args) {
    NativeSetup.installOrExit("showcase"); // as Train: before ND4J loads
    CommandLine cl = new CommandLine(new Showcase());
    cl.getCommandSpec()
        .usageMessage()
        .footer(String.format("%nConf keys: %s", String.join(", ", new TreeSet<>(KEYS))));
    System.exit(cl.execute(args));
  }

  @Override
  public Integer call() {
    Conf conf;
    try {
      conf = readConf(confPath);
    } catch (SpecException e) {
      System.err.println("showcase: " + confPath + ": " + e.getMessage());
      return ExitCode.USAGE;
    } catch (NoSuchFileException e) {
      System.err.println("showcase: " + e.getFile() + ": no such file");
      return ExitCode.USAGE;
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("showcase: " + confPath + ": " + e.getMessage());
      return ExitCode.USAGE;
    }
    try {
      Dataset data = readLibsvm(conf.data);
      List<Result> results = new ArrayList<>();
      for (Spec spec : conf.optimizers) results.add(train(conf, data, spec));
      print(conf, data, results);
      writeSummary(conf.output.resolve("summary.csv"), results);
      System.out.println("summary written to " + conf.output.resolve("summary.csv"));
      return ExitCode.OK;
    } catch (NoSuchFileException e) {
      System.err.println("showcase: " + e.getFile() + ": no such file");
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("showcase: " + e.getMessage());
    }
    return ExitCode.SOFTWARE;
  }

  static Conf readConf(Path file) throws IOException {
    JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
    if (root == null || !root.isObject()) throw new SpecException("conf", "expected a mapping");
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!KEYS.contains(k))
        throw new SpecException(
            k, "unknown key (known: " + String.join(", ", new TreeSet<>(KEYS)) + ")");
    }
    int steps = positiveInt(root, "steps", 300);
    JsonNode opts = root.get("optimizers");
    List<Spec> optimizers = new ArrayList<>();
    if (opts == null) {
      throw new SpecException("optimizers", "missing (a list of optimizer specs)");
    }
    if (!opts.isArray() || opts.isEmpty())
      throw new SpecException("optimizers", "expected a non-empty list of optimizer specs");
    for (int i = 0; i < opts.size(); i++) {
      Spec s = Spec.fromJson(opts.get(i), "optimizers[" + i + "]", false);
      OptimizerRegistry.resolve(s, "optimizers[" + i + "]"); // fail early, naming the entry
      optimizers.add(s);
    }
    Spec schedule =
        root.has("schedule") ? Spec.fromJson(root.get("schedule"), "schedule", true) : null;
    if (schedule != null) Schedules.create(schedule, "schedule");
    String dt = root.path("dtype").asText("float64");
    DataType dtype =
        switch (dt) {
          case "float64" -> DataType.DOUBLE;
          case "float32" -> DataType.FLOAT;
          default -> throw new SpecException("dtype", "'" + dt + "' is not float32 or float64");
        };
    double valid = root.path("valid_fraction").asDouble(0.2);
    if (!(valid > 0 && valid < 1))
      throw new SpecException("valid_fraction", valid + " must be in (0, 1)");
    if (!root.has("data") || !root.get("data").isTextual())
      throw new SpecException("data", "missing (path of a LIBSVM file, plain or .gz)");
    int hidden = root.path("hidden").asInt(0);
    if (hidden < 0) throw new SpecException("hidden", hidden + " must be >= 0");
    return new Conf(
        Path.of(root.get("data").asText()),
        hidden,
        steps,
        positiveInt(root, "batch_size", 16),
        root.path("seed").asLong(1),
        dtype,
        valid,
        schedule,
        optimizers,
        Path.of(root.path("output").asText("runs/showcase")));
  }

  private static int positiveInt(JsonNode root, String key, int def) {
    JsonNode v = root.get(key);
    if (v == null) return def;
    if (!v.isIntegralNumber() || v.asInt() <= 0)
      throw new SpecException(key, v + " must be a positive integer");
    return v.asInt();
  }

  static Dataset readLibsvm(Path file) throws IOException {
    List<LibsvmRecord> rows = new ArrayList<>();
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      int lineNo = 0;
      while ((line = r.readLine()) != null) {
        lineNo++;
        try {
          LibsvmRecord rec = LibsvmLineParser.parse(line);
          if (rec != null) rows.add(rec);
        } catch (RowFormatException e) {
          throw new IllegalArgumentException(file + " line " + lineNo + ": " + e.getMessage());
        }
      }
    }
    if (rows.isEmpty()) throw new IllegalArgumentException(file + ": no examples");
    int dim = rows.stream().mapToInt(LibsvmRecord::maxIndex).max().orElse(0);
    TreeSet<Double> raw = new TreeSet<>();
    for (LibsvmRecord rec : rows) raw.add(rec.label());
    LabelMapping labels =
        new LabelMapping(raw); // sorted distinct labels -> 0..K-1, as data-prep maps them
    if (labels.numClasses() < 2) throw new IllegalArgumentException(file + ": only one class");
    double[][] x = new double[rows.size()][dim];
    int[] y = new int[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      LibsvmRecord rec = rows.get(i);
      for (int j = 0; j < rec.indices().length; j++) x[i][rec.indices()[j] - 1] = rec.values()[j];
      y[i] = labels.classOf(rec.label());
    }
    return new Dataset(x, y, labels.numClasses(), new ArrayList<>(raw));
  }

  static Result train(Conf conf, Dataset data, Spec spec) {
    int n = data.y.length;
    int d = data.x[0].length;
    Random split = new Random(conf.seed);
    List<Integer> train = new ArrayList<>();
    List<Integer> valid = new ArrayList<>();
    for (int i = 0; i < n; i++) (split.nextDouble() < conf.validFraction ? valid : train).add(i);
    SoftmaxMlp model = new SoftmaxMlp(d, conf.hidden, data.classes, conf.dtype);
    Random init = new Random(conf.seed + 1);
    double[] p0 = new double[(int) model.layout().totalLength()];
    if (conf.hidden > 0)
      for (int i = 0; i < p0.length; i++) p0[i] = init.nextGaussian() / Math.sqrt(d);
    INDArray params = Nd4j.createFromArray(p0).castTo(conf.dtype);
    INDArray grads = Nd4j.zeros(conf.dtype, params.length());
    ModelView view = new ModelView(model.layout(), params, grads);
    Optimizer opt = OptimizerRegistry.create(spec);
    OptimizerState state = opt.init(view);
    Schedule schedule =
        conf.schedule == null ? Schedule.CONSTANT : Schedules.create(conf.schedule, "schedule");
    Random batches = new Random(conf.seed + 2);
    org.optimbench.optim.HashExampleStore store = new org.optimbench.optim.HashExampleStore();
    Diagnostics diag = new Diagnostics();
    long t0 = System.nanoTime();
    try {
      for (int t = 0; t < conf.steps; t++) {
        int[] b = sample(train, conf.batchSize, batches);
        int[] vb = sample(valid, conf.batchSize, batches);
        INDArray xb = rows(data, b, conf.dtype);
        int[] yb = labels(data, b);
        INDArray xv = rows(data, vb, conf.dtype);
        int[] yv = labels(data, vb);
        SoftmaxMlp.LossAndGrad lg = model.lossAndGrad(params, xb, yb);
        if (!Double.isFinite(lg.loss()))
          throw new ArithmeticException("diverged at step " + t + " (loss " + lg.loss() + ")");
        grads.assign(lg.grad());
        INDArray at = params.dup();
        long[] ids = new long[b.length];
        for (int i = 0; i < b.length; i++) ids[i] = b[i];
        diag.clear();
        StepContext ctx =
            StepContext.builder()
                .step(t)
                .lrScale(schedule.factor(t))
                .loss(lg.loss())
                .exampleIds(ids)
                .exampleStore(store)
                .hvp(v -> model.hvp(at, xb, yb, v))
                .validationGradient(p -> model.lossAndGrad(p, xv, yv).grad())
                .diagnostics(diag)
                .build();
        Optimizers.step(opt, view, state, ctx);
      }
    } catch (RuntimeException e) {
      return new Result(
          spec.name(),
          Double.NaN,
          Double.NaN,
          (System.nanoTime() - t0) / 1e6,
          Map.copyOf(diag.values()),
          e.getMessage());
    }
    double millis = (System.nanoTime() - t0) / 1e6;
    INDArray evalAt = opt.evalParams(view, state);
    int[] all = train.stream().mapToInt(Integer::intValue).toArray();
    double loss = model.lossAndGrad(evalAt, rows(data, all, conf.dtype), labels(data, all)).loss();
    int[] v = valid.stream().mapToInt(Integer::intValue).toArray();
    double acc = accuracy(model, evalAt, rows(data, v, conf.dtype), labels(data, v));
    return new Result(spec.name(), loss, acc, millis, Map.copyOf(diag.values()), null);
  }

  private static double accuracy(SoftmaxMlp model, INDArray params, INDArray x, int[] y) {
    INDArray probs = model.probabilities(params, x);
    INDArray pred = probs.argMax(1);
    int correct = 0;
    for (int i = 0; i < y.length; i++) if (pred.getInt(i) == y[i]) correct++;
    return correct / (double) y.length;
  }

  private static int[] sample(List<Integer> pool, int size, Random rng) {
    int[] out = new int[Math.min(size, pool.size())];
    for (int i = 0; i < out.length; i++) out[i] = pool.get(rng.nextInt(pool.size()));
    return out;
  }

  private static INDArray rows(Dataset data, int[] idx, DataType dt) {
    double[][] r = new double[idx.length][];
    for (int i = 0; i < idx.length; i++) r[i] = data.x[idx[i]];
    return Nd4j.createFromArray(r).castTo(dt);
  }

  private static int[] labels(Dataset data, int[] idx) {
    int[] l = new int[idx.length];
    for (int i = 0; i < idx.length; i++) l[i] = data.y[idx[i]];
    return l;
  }

  private static void print(Conf conf, Dataset data, List<Result> results) {
    System.out.printf(
        Locale.ROOT,
        "%s: %d examples, %d features, %d classes; %s, %d steps of batch %d, schedule %s%n",
        conf.data,
        data.y.length,
        data.x[0].length,
        data.classes,
        conf.hidden == 0
            ? "multinomial logistic regression"
            : "MLP with " + conf.hidden + " tanh units",
        conf.steps,
        conf.batchSize,
        conf.schedule == null ? "constant" : conf.schedule.name());
    System.out.printf(
        Locale.ROOT,
        "%-22s %12s %10s %9s  %s%n",
        "optimizer",
        "train loss",
        "valid acc",
        "ms",
        "last step's estimates");
    for (Result r : results) {
      if (r.error != null) {
        System.out.printf(
            Locale.ROOT,
            "%-22s %12s %10s %9.0f  %s%n",
            r.name,
            "-",
            "-",
            r.millis,
            "FAILED: " + r.error);
        continue;
      }
      StringBuilder est = new StringBuilder();
      new TreeMap<>(r.lastDiagnostics)
          .forEach(
              (k, v) -> {
                if (!k.startsWith("ratio."))
                  est.append(k)
                      .append('=')
                      .append(String.format(Locale.ROOT, "%.3g", v))
                      .append(' ');
              });
      System.out.printf(
          Locale.ROOT,
          "%-22s %12.5f %10.3f %9.0f  %s%n",
          r.name,
          r.trainLoss,
          r.validAccuracy,
          r.millis,
          est.toString().trim());
    }
  }

  static void writeSummary(Path out, List<Result> results) throws IOException {
    Files.createDirectories(out.toAbsolutePath().getParent());
    StringBuilder b = new StringBuilder("optimizer,train_loss,valid_accuracy,millis,error\n");
    for (Result r : results) {
      b.append(r.name)
          .append(',')
          .append(r.trainLoss)
          .append(',')
          .append(r.validAccuracy)
          .append(',')
          .append(r.millis)
          .append(',')
          .append(r.error == null ? "" : "\"" + r.error.replace("\"", "'") + "\"")
          .append('\n');
    }
    AtomicFiles.writeString(out, b.toString());
  }
}
