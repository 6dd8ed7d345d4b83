package org.optimbench.jobs.train.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.conf.Mode;
import org.optimbench.jobs.model.BlasKernels;
import org.optimbench.jobs.model.NativeSetup;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.train.MemoryData;
import org.optimbench.jobs.train.WorkerLoop;
import org.optimbench.jobs.train.bench.BenchTrain.Case;
import org.optimbench.optim.HashExampleStore;
import org.optimbench.optim.registry.OptimizerRegistry;
import org.optimbench.optim.schedule.Schedule;
import org.optimbench.optim.spec.Spec;

/**
 * {@code scripts/bench-peers [mlp] [mlp-large] [dlrm] [gpt] [ddp-mlp] [ddp-dlrm] [ddp-gpt]}: our
 * training step against the same model in PyTorch ({@code scripts/peers/torch_peer.py}, a child
 * process driven over stdin/stdout), side by side in one run: same shapes, initialisation scales,
 * batch, optimizer (Adam, and Prodigy where prodigyopt is importable), float32, thread count. Both
 * sides stay warm for the whole case, and every round times each of them once in alternating order,
 * so slow phases of the shared host hit both; the ratio ours/theirs is taken within a round and
 * reported as median [min-max]. Synthetic data of the models' shapes (as {@link BenchTrain}'s).
 *
 * <p>Single-process cases: {@code mlp} (784-256-10, batch 128), {@code mlp-large} (batch 1024),
 * {@code dlrm} (dlrm-laptop, batch 128; PyTorch with dense embedding gradients and Adam, and with
 * sparse gradients and SparseAdam, a different algorithm), {@code dlrm-row-sparse} (our {@code
 * row_sparse} optimizer, Adam on the MLPs and lazy Adam on the tables' touched rows, against that
 * SparseAdam case: the same algorithm on both sides), {@code gpt} (gpt-laptop, 8 blocks of 64
 * tokens). Two-worker cases ({@code ddp-*}): our gradient sharing on Spark local[1] and local[2]
 * against torch.distributed DDP (gloo) on 1 and 2 processes, the same batch per worker; the scaling
 * efficiency 2-worker / (2 x 1-worker) of each side. No argument: every case but {@code ddp-gpt}.
 * The run ends with one summary table, a row per comparison. {@code -Dbench.rounds}, {@code
 * -Dbench.warmup}, {@code -Dbench.warmupSeconds} and {@code -Dbench.steps} override the counts
 * (BENCHMARKS.md, "Peers: PyTorch on the same CPU").
 */
public final class BenchPeers {
  public static final List<String> CASES =
      List.of(
          "mlp", "mlp-large", "dlrm", "dlrm-row-sparse", "gpt", "ddp-mlp", "ddp-dlrm", "ddp-gpt");

  /**
   * The cases the arguments name (none: all but ddp-gpt). Runs nothing, so {@code
   * BenchmarksDocTest} can check BENCHMARKS.md's commands.
   *
   * @throws IllegalArgumentException naming an argument that is not a case
   */
  public static List<String> checkArgs(String[] args) {
    for (String a : args)
      if (!CASES.contains(a))
        throw new IllegalArgumentException(
            "unknown case '" + a + "' (known: " + String.join(", ", CASES) + ")");
    if (args.length > 0) return List.of(args);
    return CASES.stream().filter(c -> !c.equals("ddp-gpt")).toList();
  }

  /**
   * A single-process case: our workload case and the peer's case names it runs against; with {@code
   * rowSparse}, our side runs the optimizer {@code row_sparse} (the named optimizer on the MLPs,
   * lazy Adam on the tables' touched rows), what the peer's SparseAdam case does.
   */
  record Single(String name, Case ours, List<String> peers, int rounds, boolean rowSparse) {
    Single(String name, Case ours, List<String> peers, int rounds) {
      this(name, ours, peers, rounds, false);
    }

    /** Our optimizer for the peers' optimizer {@code opt}. */
    Spec spec(String opt) {
      if (!rowSparse) return Spec.of(opt);
      return Spec.of(
          "row_sparse",
          "base",
          Map.of("name", opt),
          "tables",
          Map.of("name", "lazy_adam", "hparams", Map.of("lr", 1e-3)));
    }
  }

  /**
   * Seconds each side of a single-process case warms up at least ({@code -Dbench.warmupSeconds}): a
   * step count alone left our side inside JIT compilation on a loaded host, where a step takes
   * several times longer than on an idle one (BENCHMARKS.md, "Peers: PyTorch on the same CPU").
   */
  static final double WARMUP_SECONDS =
      Double.parseDouble(System.getProperty("bench.warmupSeconds", "20"));

  /** Runs {@code chunk} (a warm-up's step count) until {@link #WARMUP_SECONDS} have passed. */
  static void warm(Runnable chunk) {
    long end = System.nanoTime() + (long) (WARMUP_SECONDS * 1e9);
    do chunk.run();
    while (System.nanoTime() < end);
  }

  static Single single(String name) {
    return switch (name) {
      case "mlp" -> new Single(name, mlp(128, 2000, 600), List.of("mlp"), 5);
      case "mlp-large" -> new Single(name, mlp(1024, 300, 100), List.of("mlp"), 5);
      case "dlrm" ->
          new Single(name, BenchTrain.dlrm(128, 300, 100), List.of("dlrm", "dlrm-sparse"), 5);
      case "dlrm-row-sparse" ->
          new Single(name, BenchTrain.dlrm(128, 300, 100), List.of("dlrm-sparse"), 5, true);
      case "gpt" -> new Single(name, BenchTrain.gpt().withSteps(5, 12), List.of("gpt"), 5);
      default -> throw new IllegalArgumentException(name);
    };
  }

  static Case mlp(int batch, int warmup, int steps) {
    return BenchTrain.classifier(
        "mlp 784-256-10, batch " + batch, 784, List.of(256), 10, batch, warmup, steps);
  }

  /** Our side of a two-worker case and the peer's case name. */
  static Case twoWorker(String name) {
    return switch (name) {
      case "ddp-mlp" -> mlp(128, 300, 1200);
      case "ddp-dlrm" -> BenchTrain.dlrm(128, 50, 200);
      case "ddp-gpt" -> BenchTrain.gpt().withSteps(5, 20);
      default -> throw new IllegalArgumentException(name);
    };
  }

  static final ObjectMapper JSON = new ObjectMapper();

  /** The run's summary, one row per comparison, printed as one table at the end. */
  static final List<String> SUMMARY = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    NativeSetup.install(); // as Train: before ND4J loads
    List<String> cases;
    try {
      cases = checkArgs(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench-peers: " + e.getMessage());
      System.exit(2);
      return;
    }
    int threads = Integer.parseInt(System.getenv().getOrDefault("OMP_NUM_THREADS", "1"));
    String python = System.getenv().getOrDefault("PEERS_PYTHON", "/usr/bin/python3");
    String script = System.getenv().getOrDefault("PEERS_SCRIPT", "scripts/peers/torch_peer.py");
    System.out.printf(
        Locale.ROOT,
        "bench-peers %s; %d cores; %d thread(s) per process on both sides (OMP_NUM_THREADS,"
            + " torch.set_num_threads); float32; load average %s%n",
        java.time.LocalDate.now(),
        Runtime.getRuntime().availableProcessors(),
        threads,
        loadAverage());
    String coreType = System.getenv(BlasKernels.ENV);
    System.out.println(
        "OPENBLAS_CORETYPE: "
            + (coreType != null
                ? coreType + ", as set (both sides inherit it)"
                : BlasKernels.setCore() != null
                    ? BlasKernels.setCore() + ", set by ours (BlasKernels) and passed to theirs"
                    : "unset (each OpenBLAS picks its kernels)"));
    System.out.println("ours: ND4J " + ndBlas());
    try (Peer peer = new Peer(python, script, threads)) {
      List<String> info = peer.info(python, script, threads);
      info.forEach(l -> System.out.println("theirs: " + l));
      boolean prodigy = info.stream().anyMatch(l -> l.equals("prodigyopt: importable"));
      System.out.println(
          prodigy
              ? "optimizers: Adam (lr 1e-3) and Prodigy (prodigyopt's defaults, lr 1.0) on both"
                  + " sides"
              : "optimizers: Adam (lr 1e-3) only: prodigyopt is not importable (install it or set"
                  + " REF_PRODIGY to a checkout of it)");
      List<String> optimizers = prodigy ? List.of("adam", "prodigy") : List.of("adam");
      for (String c : cases) {
        if (c.startsWith("ddp-")) twoWorkers(c, peer, threads);
        else singleProcess(single(c), peer, optimizers);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%n== summary (median [min-max] over rounds; ours/theirs above 1: we are faster) ==%n%n"
            + "| case | ours | theirs | ours/theirs |%n|---|---|---|---|%n");
    SUMMARY.forEach(System.out::println);
    System.exit(0); // Spark's barrier timer threads are not daemons
  }

  /** Our persistent worker: one model, its data and step loop, warm across rounds. */
  static final class Ours {
    final Case w;
    final WorkerLoop loop;
    final MemoryData data;
    long t;

    Ours(Case w, Spec optimizer) {
      this.w = w;
      NetworkModel model = w.workload().build(DataType.FLOAT, 1);
      data = new MemoryData(w.workload(), DataType.FLOAT, w.rows(), List.of(), 1);
      loop =
          new WorkerLoop(
              model,
              OptimizerRegistry.create(optimizer),
              null,
              Schedule.CONSTANT,
              AllReduce.single(),
              new HashExampleStore(),
              Mode.SINGLE,
              4,
              true);
    }

    /** Seconds for {@code n} steps. */
    double run(int n) {
      Nd4j.getExecutioner().commit();
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++, t++) loop.step(t, data.batchAt(t, w.batch()), null);
      Nd4j.getExecutioner().commit();
      return (System.nanoTime() - t0) / 1e9;
    }

    long params() {
      return loop.model().view().params().length();
    }
  }

  static void singleProcess(Single s, Peer peer, List<String> optimizers) throws IOException {
    Case w = s.ours().withOverrides();
    int rounds = Integer.getInteger("bench.rounds", s.rounds());
    double units = (double) w.batch() * w.unitsPerExample();
    System.out.printf(
        Locale.ROOT,
        "%n== %s: warm-up of at least %d steps and %.0f s per side, then %d timed steps per side and"
            + " round, %d rounds; load average %s ==%n",
        w.name(),
        w.warmup(),
        WARMUP_SECONDS,
        w.steps(),
        rounds,
        loadAverage());
    for (String opt : optimizers) {
      if (s.rowSparse() && !opt.equals("adam")) continue; // the peer's SparseAdam is Adam's
      Ours ours = new Ours(w, s.spec(opt));
      warm(() -> ours.run(w.warmup()));
      Map<String, double[]> rate = new LinkedHashMap<>();
      rate.put("ours", new double[rounds]);
      List<String> labels = new ArrayList<>();
      for (String p : s.peers()) {
        if (p.equals("dlrm-sparse") && !opt.equals("adam")) continue;
        labels.add(p);
      }
      // Peers are built and warmed one at a time: each keeps its model warm in its own process.
      List<Peer> extra = new ArrayList<>();
      List<Peer> peers = new ArrayList<>();
      for (int k = 0; k < labels.size(); k++) {
        Peer p = k == 0 ? peer : new Peer(peer.python, peer.script, peer.threads);
        if (k > 0) extra.add(p);
        JsonNode built =
            p.call(
                Map.of(
                    "op",
                    "build",
                    "case",
                    labels.get(k),
                    "batch",
                    w.batch(),
                    "optimizer",
                    opt,
                    "seed",
                    1));
        System.out.printf(
            Locale.ROOT,
            "  %s, %s: ours %,d parameters (%s); theirs %s %,d parameters (%s)%n",
            opt,
            labels.get(k),
            ours.params(),
            s.rowSparse() ? "row_sparse: " + opt + ", lazy_adam tables" : opt,
            labels.get(k),
            built.get("params").asLong(),
            built.get("optimizer").asText());
        warm(() -> p.steps(w.warmup()));
        peers.add(p);
        rate.put("theirs " + labels.get(k), new double[rounds]);
      }
      for (int r = 0; r < rounds; r++) {
        // Alternate who goes first, so neither always runs right after the other's garbage.
        List<Runnable> order = new ArrayList<>();
        int round = r;
        order.add(() -> rate.get("ours")[round] = w.steps() * units / ours.run(w.steps()));
        for (int k = 0; k < peers.size(); k++) {
          Peer p = peers.get(k);
          double[] into = rate.get("theirs " + labels.get(k));
          order.add(() -> into[round] = w.steps() * units / p.steps(w.steps()));
        }
        if (r % 2 == 1) java.util.Collections.reverse(order);
        order.forEach(Runnable::run);
      }
      for (Peer p : extra) p.close();
      double[] o = rate.get("ours");
      System.out.printf(
          Locale.ROOT,
          "  %-46s %s %s/s%n",
          "ours, " + (s.rowSparse() ? "row_sparse " + opt + " + lazy_adam" : opt),
          BenchTrain.spread(o, "%,.0f"),
          w.unit());
      for (String l : labels) {
        double[] t = rate.get("theirs " + l);
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) ratio[r] = o[r] / t[r];
        System.out.printf(
            Locale.ROOT,
            "  %-46s %s %s/s; ours/theirs per round %s%n",
            "PyTorch " + l + (l.equals("dlrm-sparse") ? " (SparseAdam)" : "") + ", " + opt,
            BenchTrain.spread(t, "%,.0f"),
            w.unit(),
            BenchTrain.spread(ratio, "%.2f"));
        SUMMARY.add(
            String.format(
                Locale.ROOT,
                "| %s, %s | %s %s/s | PyTorch %s: %s | %s |",
                s.name(),
                s.rowSparse() ? "row_sparse " + opt + " + lazy_adam" : opt,
                BenchTrain.spread(o, "%,.0f"),
                w.unit(),
                l,
                BenchTrain.spread(t, "%,.0f"),
                BenchTrain.spread(ratio, "%.2f")));
      }
      System.out.printf(Locale.ROOT, "  load average after: %s%n", loadAverage());
    }
  }

  static void twoWorkers(String name, Peer peer, int threads) throws IOException {
    Case w = twoWorker(name).withOverrides();
    int rounds = Integer.getInteger("bench.rounds", 3);
    Spec adam = Spec.of("adam");
    String peerCase = name.substring("ddp-".length());
    System.out.printf(
        Locale.ROOT,
        "%n== %s, 2 workers: our gradient sharing on Spark local[1]/local[2] vs DDP (gloo) on"
            + " 1/2 processes, %d per worker, Adam; %d warm-up + %d timed steps, %d rounds;"
            + " load average %s ==%n",
        w.name(),
        w.batch(),
        w.warmup(),
        w.steps(),
        rounds,
        loadAverage());
    double[][] rate = new double[4][rounds]; // ours 1, ours 2, theirs 1, theirs 2
    for (int r = 0; r < rounds; r++) {
      for (int workers = 1; workers <= 2; workers++) {
        rate[workers - 1][r] = BenchTrain.spark(w, adam, Mode.GRADIENT_SHARING, workers, true)[0];
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("op", "ddp");
        req.put("case", peerCase);
        req.put("batch", w.batch());
        req.put("optimizer", "adam");
        req.put("world", workers);
        req.put("warmup", w.warmup());
        req.put("steps", w.steps());
        req.put("port", freePort());
        rate[1 + workers][r] = peer.call(req).get("rate").asDouble();
      }
    }
    double[] ratio = new double[rounds];
    for (int r = 0; r < rounds; r++) ratio[r] = rate[1][r] / rate[3][r];
    String[] labels = {
      "ours local[1]", "ours local[2]", "PyTorch DDP, 1 process", "PyTorch DDP, 2 processes"
    };
    for (int k = 0; k < 4; k++)
      System.out.printf(
          Locale.ROOT,
          "  %-26s %s %s/s%n",
          labels[k],
          BenchTrain.spread(rate[k], "%,.0f"),
          w.unit());
    System.out.printf(
        Locale.ROOT,
        "  scaling efficiency 2 / (2 x 1), per round: ours %s, PyTorch DDP %s; 2-worker"
            + " throughput ours/theirs %s%n  load average after: %s%n",
        BenchTrain.spread(BenchTrain.efficiency(rate[1], rate[0]), "%.2f"),
        BenchTrain.spread(BenchTrain.efficiency(rate[3], rate[2]), "%.2f"),
        BenchTrain.spread(ratio, "%.2f"),
        loadAverage());
    SUMMARY.add(
        String.format(
            Locale.ROOT,
            "| %s, 2 workers: scaling efficiency | %s | DDP: %s | 2-worker throughput %s |",
            name,
            BenchTrain.spread(BenchTrain.efficiency(rate[1], rate[0]), "%.2f"),
            BenchTrain.spread(BenchTrain.efficiency(rate[3], rate[2]), "%.2f"),
            BenchTrain.spread(ratio, "%.2f")));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * ND4J's BLAS: the vendor it reports, the kernels its OpenBLAS picked and the library files this
   * process has mapped.
   */
  static String ndBlas() {
    String vendor = Nd4j.factory().blas().getBlasVendor().toString();
    TreeSet<String> files = new TreeSet<>();
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/maps"))) {
        String path = l.substring(l.lastIndexOf(' ') + 1);
        if (path.contains("openblas")) files.add(path);
      }
    } catch (IOException e) {
      files.add("(maps unreadable)");
    }
    return vendor
        + " (bundled with ND4J; the path names its version), OpenBLAS kernels "
        + BlasKernels.loadedCore()
        + ", loads "
        + String.join(", ", files);
  }

  /**
   * The peer's threads, and OpenBLAS's kernels as ours: the {@code OPENBLAS_CORETYPE} our process
   * set ({@link BlasKernels}; a user's, where set, both inherit), so that both sides' GEMMs run the
   * same kernels and the ratio compares the frameworks, not two OpenBLAS builds' choices.
   */
  static void sameSettings(ProcessBuilder b, int threads) {
    b.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
    String core = BlasKernels.setCore();
    if (core != null) b.environment().put(BlasKernels.ENV, core);
  }

  /** The PyTorch side: one {@code torch_peer.py serve} process, one JSON request per line. */
  static final class Peer implements AutoCloseable {
    final String python;
    final String script;
    final int threads;
    private final Process process;
    private final BufferedWriter in;
    private final BufferedReader out;

    Peer(String python, String script, int threads) throws IOException {
      this.python = python;
      this.script = script;
      this.threads = threads;
      ProcessBuilder b =
          new ProcessBuilder(python, script, "serve", "--threads", String.valueOf(threads));
      sameSettings(b, threads);
      b.redirectError(ProcessBuilder.Redirect.INHERIT);
      process = b.start();
      in =
          new BufferedWriter(
              new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
      out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    JsonNode call(Map<String, Object> request) throws IOException {
      in.write(JSON.writeValueAsString(request));
      in.newLine();
      in.flush();
      String line = out.readLine();
      if (line == null) throw new IOException("the PyTorch peer exited (see its errors above)");
      JsonNode reply = JSON.readTree(line);
      if (reply.has("error"))
        throw new IOException("PyTorch peer: " + reply.get("error").asText() + " for " + request);
      return reply;
    }

    /** Seconds for {@code n} steps of the built case. */
    double steps(int n) {
      try {
        return call(Map.of("op", "steps", "n", n)).get("seconds").asDouble();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    /** The lines of {@code torch_peer.py info}. */
    List<String> info(String python, String script, int threads) throws IOException {
      ProcessBuilder b = new ProcessBuilder(python, script, "info", "--threads", "" + threads);
      sameSettings(b, threads);
      b.redirectErrorStream(true);
      Process p = b.start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      try {
        if (p.waitFor() != 0) throw new IOException("torch_peer.py info failed:\n" + text);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      return text.lines().toList();
    }

    @Override
    public void close() throws IOException {
      try {
        call(Map.of("op", "quit"));
      } catch (IOException e) {
        // the peer answers nothing to quit: readLine sees the end of its output
      }
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private BenchPeers() {}
}
