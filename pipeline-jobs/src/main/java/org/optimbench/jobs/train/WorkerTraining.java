package org.optimbench.jobs.train;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.run.Checkpoint;
import org.optimbench.jobs.run.Checkpoints;
import org.optimbench.jobs.run.DivergenceCheck;
import org.optimbench.jobs.run.MetricsLog;
import org.optimbench.jobs.run.RunDirectory;
import org.optimbench.jobs.workload.Classifier;
import org.optimbench.optim.HashExampleStore;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.schedule.Schedule;
import org.optimbench.optim.schedule.Schedules;
import org.optimbench.optim.spec.OptimizerRegistry;
import org.optimbench.optim.spec.Spec;

/**
 * Trains one run on one worker (rank r of N): the same code in a single process and in each Spark
 * barrier task. Every worker holds a replica of the network and steps with {@link WorkerLoop};
 * rank 0 alone owns the run directory (metrics, checkpoints, status), prints progress, and decides
 * nothing the others do not also know: divergence and evaluation results are all-reduced first.
 *
 * <p>A checkpoint at step S holds the parameters and optimizer state after S completed steps; batches
 * are a pure function of the step, so resuming from it reproduces the uninterrupted run. In parameter
 * averaging, evaluations and checkpoints happen right after an averaging round, when all workers
 * agree (the conf check requires eval_every and checkpoint_every to be multiples of
 * averaging_frequency).
 */
public final class WorkerTraining {
  /** What a run ended as, reported by rank 0. */
  public record Outcome(String run, String state, long step, String reason) implements Serializable {}

  /** Facts about the dataset the driver read from the manifest. */
  public record DataFacts(int features, int classes, long trainRows) implements Serializable {}

  /** Test hook for resume tests: system property {@value #CRASH_PROPERTY} = N simulates a kill after N steps. */
  static final String CRASH_PROPERTY = "optimbench.test.crashAfterStep";

  private WorkerTraining() {}

  public static long totalSteps(RunConf conf, DataFacts facts) {
    if (conf.integer("steps") > 0) return conf.integer("steps");
    long global = conf.integer("batch_size") * conf.integer("workers");
    return Math.max(1, (long) Math.ceil(conf.real("epochs") * facts.trainRows() / (double) global));
  }

  public static Classifier workload(RunConf conf, DataFacts facts) {
    Map<String, Object> w = conf.object("workload");
    String name = String.valueOf(w.get("name"));
    for (String k : w.keySet()) {
      if (!List.of("name", "hidden", "activation").contains(k)) throw new IllegalArgumentException("workload." + k + ": unknown key (known: name, hidden, activation)");
    }
    return switch (name) {
      case "logreg" -> {
        if (w.containsKey("hidden")) throw new IllegalArgumentException("workload.hidden: logreg has no hidden layers (use name: mlp)");
        yield Classifier.logreg(facts.features(), facts.classes());
      }
      case "mlp" -> {
        Object h = w.getOrDefault("hidden", List.of(64));
        if (!(h instanceof List<?> l) || l.isEmpty()) throw new IllegalArgumentException("workload.hidden: expected a non-empty list of layer widths");
        List<Integer> widths = l.stream().map(o -> {
          if (!(o instanceof Number n) || n.intValue() <= 0) throw new IllegalArgumentException("workload.hidden: " + o + " is not a positive width");
          return n.intValue();
        }).toList();
        String act = String.valueOf(w.getOrDefault("activation", "tanh"));
        org.nd4j.linalg.activations.Activation a = switch (act) {
          case "tanh" -> org.nd4j.linalg.activations.Activation.TANH;
          case "relu" -> org.nd4j.linalg.activations.Activation.RELU;
          default -> throw new IllegalArgumentException("workload.activation: '" + act + "' is not tanh or relu");
        };
        yield new Classifier(facts.features(), widths, facts.classes(), a);
      }
      default -> throw new IllegalArgumentException("workload.name: unknown workload '" + name + "' (known: logreg, mlp)");
    };
  }

  /** The run's schedule; total_steps defaults to the run's steps. */
  static Schedule schedule(RunConf conf, long steps) {
    Map<String, Object> s = new LinkedHashMap<>(conf.object("schedule"));
    Spec spec = Spec.fromJson(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(s), "schedule", true);
    if (!spec.hparams().containsKey("total_steps") && !spec.name().equals("constant")) {
      Map<String, Object> hp = new LinkedHashMap<>(spec.hparams());
      hp.put("total_steps", steps);
      spec = new Spec(spec.name(), hp);
    }
    return Schedules.create(spec, "schedule");
  }

  public static Outcome run(RunConf conf, DataFacts facts, int rank, AllReduce comm, List<Example> rows, PrintStream console) throws IOException {
    Mode mode = Mode.of(conf.string("mode"));
    DataType dtype = conf.string("dtype").equals("float64") ? DataType.DOUBLE : DataType.FLOAT;
    long seed = conf.integer("seed");
    int batchSize = (int) conf.integer("batch_size");
    long steps = totalSteps(conf, facts);
    long logEvery = Math.max(1, conf.integer("log_every"));
    long evalEvery = conf.integer("eval_every");
    long ckEvery = conf.integer("checkpoint_every");
    String runName = conf.string("name");
    Spec optSpec = Spec.fromJson(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(conf.object("optimizer")), "optimizer", false);

    LocalData data = new LocalData(rows, facts.features(), facts.classes(), dtype, seed, rank);
    NetworkModel model = workload(conf, facts).build(dtype, seed);
    Optimizer optimizer = OptimizerRegistry.resolve(optSpec, "optimizer").optimizer();
    Schedule schedule = schedule(conf, steps);
    Path runDir = Path.of(conf.string("output")).resolve(runName);

    // Rank 0 opens the run directory (cutting metrics after the last checkpoint); the others wait
    // for it, then read the same checkpoint.
    RunDirectory dir = null;
    Optional<Checkpoint> resume;
    if (rank == 0) {
      dir = RunDirectory.open(Path.of(conf.string("output")), runName, conf.resolvedTree(), false);
      resume = dir.start(diagnosticNames(model, optimizer, schedule, data, batchSize, mode), List.of("valid_loss", "valid_accuracy"));
      comm.sumInPlace(new double[] {0});
    } else {
      comm.sumInPlace(new double[] {0});
      resume = new Checkpoints(runDir, 2).latest();
    }
    OptimizerState state = null;
    long start = 0;
    double wallBefore = 0;
    long samples = 0;
    DivergenceCheck divergence = new DivergenceCheck(conf.real("divergence_factor"));
    if (resume.isPresent()) {
      Checkpoint ck = resume.get();
      model.view().params().assign(ck.params());
      state = ck.state();
      start = ck.step();
      wallBefore = ((Number) ck.extra().getOrDefault("wall_time_s", 0.0)).doubleValue();
      samples = ((Number) ck.extra().getOrDefault("samples", 0L)).longValue();
      Object first = ck.extra().get("first_loss");
      if (first instanceof Number f) divergence = DivergenceCheck.resumed(conf.real("divergence_factor"), f.doubleValue());
      if (rank == 0) console.printf(Locale.ROOT, "%s: resuming from the checkpoint at step %d%n", runName, start);
    }
    WorkerLoop loop = new WorkerLoop(model, optimizer, state, schedule, comm, new HashExampleStore(), mode, (int) conf.integer("averaging_frequency"));
    long t0 = System.nanoTime();
    try {
      for (long t = start; t < steps; t++) {
        long step = t;
        StepResult r = loop.step(t, data.batchAt(t, batchSize), () -> data.validBatchAt(step, batchSize));
        // Everyone learns the global loss and example count; gradient sharing's step already reduced
        // them, the other modes reduce them here.
        double[] g = mode == Mode.GRADIENT_SHARING
            ? new double[] {r.loss() * r.examples(), r.examples()}
            : comm.sumInPlace(new double[] {r.loss() * r.examples(), r.examples()});
        double loss = g[0] / g[1];
        samples += (long) g[1];
        long done = t + 1;
        if (done == Long.getLong(CRASH_PROPERTY, -1)) throw new IllegalStateException("injected crash after step " + done + " (" + CRASH_PROPERTY + ")");
        Optional<String> div = divergence.check(t, loss);
        boolean logRow = done % logEvery == 0 || done == steps || div.isPresent();
        boolean evalNow = (evalEvery > 0 && done % evalEvery == 0) || done == steps;
        Map<String, Double> eval = evalNow && div.isEmpty() ? evaluate(loop, optimizer, data, comm, batchSize) : Map.of();
        if (rank == 0 && (logRow || !eval.isEmpty())) {
          double wall = wallBefore + (System.nanoTime() - t0) / 1e9;
          MetricsLog.Row row = MetricsLog.row(t).epoch(samples / (double) facts.trainRows()).wallTimeSeconds(wall).samples(samples)
              .trainLoss(loss).lr(r.diagnostics().getOrDefault("lr", r.lrScale())).gradNorm(r.gradNorm()).diagnostics(r.diagnostics());
          if (!eval.isEmpty()) row.eval(eval);
          dir.metrics().append(row);
          double rate = samples / Math.max(1e-9, wall);
          console.printf(Locale.ROOT, "%s: step %d/%d  loss %.5f  lr %.4g  %.0f samples/s  ETA %.0fs%s%n", runName, done, steps, loss,
              r.diagnostics().getOrDefault("lr", r.lrScale()), rate, (steps - done) * batchSize * comm.size() / Math.max(1e-9, rate),
              eval.isEmpty() ? "" : String.format(Locale.ROOT, "  valid loss %.5f acc %.4f", eval.get("valid_loss"), eval.get("valid_accuracy")));
        }
        if (div.isPresent()) {
          if (rank == 0) {
            dir.diverge(t, div.get());
            console.println(runName + ": diverged: " + div.get());
          }
          return new Outcome(runName, "diverged", t, div.get());
        }
        if ((ckEvery > 0 && done % ckEvery == 0) || done == steps) {
          if (rank == 0) {
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("wall_time_s", wallBefore + (System.nanoTime() - t0) / 1e9);
            extra.put("samples", samples);
            if (divergence.firstLoss() != null) extra.put("first_loss", divergence.firstLoss());
            dir.checkpoint(done, model.view().params(), loop.state(), extra);
          }
          comm.sumInPlace(new double[] {0}); // others wait until the checkpoint is committed
        }
      }
      if (rank == 0) {
        dir.complete(steps);
        console.printf(Locale.ROOT, "%s: completed %d steps -> %s%n", runName, steps, runDir);
      }
      return new Outcome(runName, "completed", steps, "");
    } catch (RuntimeException | IOException e) {
      if (rank == 0 && dir != null) dir.fail(start, e.getClass().getSimpleName() + ": " + e.getMessage());
      throw e;
    }
  }

  /** Validation loss and accuracy over every worker's validation rows, at the optimizer's evaluation point. */
  static Map<String, Double> evaluate(WorkerLoop loop, Optimizer optimizer, LocalData data, AllReduce comm, int batchSize) {
    NetworkModel model = loop.model();
    MultiLayerNetwork net = (MultiLayerNetwork) model.network();
    INDArray evalAt = optimizer.evalParams(model.view(), loop.state());
    INDArray saved = evalAt == model.view().params() ? null : model.view().params().dup();
    if (saved != null) model.view().params().assign(evalAt);
    double lossSum = 0;
    double correct = 0;
    int n = data.validSize();
    for (int from = 0; from < n; from += 256) {
      Batch b = data.validSlice(from, Math.min(n, from + 256));
      INDArray out = net.output(b.data().getFeatures(0), false);
      INDArray labels = b.data().getLabels(0);
      INDArray p = out.mul(labels).sum(1);
      // Probabilities clamped at the dtype's smallest normal number, so a confident mistake costs
      // -log(tiny) (~87 in float32) instead of infinity.
      double tiny = p.dataType() == DataType.DOUBLE ? Double.MIN_NORMAL : Float.MIN_NORMAL;
      lossSum -= org.nd4j.linalg.ops.transforms.Transforms.log(org.nd4j.linalg.ops.transforms.Transforms.max(p, tiny, false), false).sumNumber().doubleValue();
      INDArray pred = out.argMax(1);
      INDArray truth = labels.argMax(1);
      correct += pred.eq(truth).castTo(DataType.DOUBLE).sumNumber().doubleValue();
    }
    if (saved != null) model.view().params().assign(saved);
    double[] s = comm.sumInPlace(new double[] {lossSum, correct, n});
    if (s[2] == 0) return Map.of();
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("valid_loss", s[0] / s[2]);
    m.put("valid_accuracy", s[1] / s[2]);
    return m;
  }

  /** The optimizer's diagnostic names, from one throwaway step on a copy of the network (metric columns are fixed at open). */
  static List<String> diagnosticNames(NetworkModel model, Optimizer optimizer, Schedule schedule, LocalData data, int batchSize, Mode mode) {
    NetworkModel copy = new NetworkModel(((MultiLayerNetwork) model.network()).clone());
    WorkerLoop probe = new WorkerLoop(copy, optimizer, null, schedule, AllReduce.single(), new HashExampleStore(), Mode.SINGLE, 1);
    StepResult r = probe.step(0, data.batchAt(0, batchSize), () -> data.validBatchAt(0, batchSize));
    return List.copyOf(new TreeSet<>(r.diagnostics().keySet()));
  }
}
