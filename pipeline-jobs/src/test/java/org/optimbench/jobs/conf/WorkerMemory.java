package org.optimbench.jobs.conf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.data.ChunkSchema;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.workload.PreparedData;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.jobs.workload.classifier.Classifier;
import org.optimbench.jobs.workload.dlrm.Dlrm;
import org.optimbench.jobs.workload.gpt.GptModel;
import org.optimbench.jobs.workload.gpt.GptWorkload;
import org.optimbench.optim.Diagnostics;
import org.optimbench.optim.EmbeddingTable;
import org.optimbench.optim.FiniteDifferenceHvp;
import org.optimbench.optim.GradientOracle;
import org.optimbench.optim.HashExampleStore;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.Optimizers;
import org.optimbench.optim.Reducer;
import org.optimbench.optim.StepContext;

/**
 * What one training worker of a run holds at its peak, from the run's conf and the data's manifest
 * sizes, without building the full-size network: the model of docs/DATA.md, "Memory".
 *
 * <ul>
 *   <li><b>Off the Java heap (ND4J):</b> parameters and gradient (P each, in the run's dtype); the
 *       optimizer's state, k x P, where k is counted from the state the optimizer actually makes on
 *       a small network of the same workload (every state array must be P long, so the count scales
 *       exactly); the optimizer step's workspace, measured on that network after two steps (with
 *       oracles that allocate as the engine's do, for methods that ask for Hessian-vector products
 *       or validation gradients) and scaled by P; the sum of micro-batch gradients when {@code
 *       accumulation_steps > 1}; gradient sharing's buffers for embedding tables summed as rows
 *       (the staging copy of the rest of the gradient and the float64 all-gather buffer, grown by
 *       half when it grows); the activations of one micro-batch ({@link #activations}).
 *   <li><b>On the heap:</b> the reader's decoded rows, {@code (reader.prefetch + 1)} windows of
 *       {@code min(reader.shuffle_buffer, share)} rows, plus the batch gathered from them and an
 *       evaluation chunk, at the schema's bytes per row ({@link #rowBytes}); the page being decoded
 *       of every column, compressed and decompressed, in the training stream's reader and the
 *       evaluation's ({@value #PAGE_BYTES} bytes a page, Parquet's default page size).
 *   <li><b>The runtime:</b> {@value #RUNTIME_BYTES} bytes for the JVM, Spark's executor and ND4J's
 *       native libraries.
 * </ul>
 *
 * Not modeled: parameter averaging's buffers (no shipped cluster conf uses it; {@link #of} refuses
 * it), checkpoint serialization, and evaluation's per-row scores (DLRM: 16 bytes per validation row
 * of the worker's slice).
 */
public final class WorkerMemory {
  /** The JVM, Spark's executor and ND4J's native libraries. */
  public static final long RUNTIME_BYTES = 1L << 30;

  /** Parquet's default page size: a reader holds one page per column, read and decompressed. */
  public static final long PAGE_BYTES = 1L << 20;

  /** The name of the optimizer step's ND4J workspace ({@link Optimizers}). */
  private static final String STEP_WORKSPACE = "optimbench-optimizer-step";

  private WorkerMemory() {}

  /** One worker's bytes by part, on and off the Java heap. */
  public record Estimate(String run, Map<String, Long> offHeap, Map<String, Long> heap) {
    public long offHeapTotal() {
      return offHeap.values().stream().mapToLong(Long::longValue).sum();
    }

    public long heapTotal() {
      return heap.values().stream().mapToLong(Long::longValue).sum();
    }

    public long total() {
      return offHeapTotal() + heapTotal();
    }

    /** One line: the total, then each part in GiB. */
    public String summary() {
      StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s: %s", run, gib(total())));
      b.append(" (off heap ").append(gib(offHeapTotal()));
      for (Map.Entry<String, Long> e : offHeap.entrySet())
        b.append(", ").append(e.getKey()).append(' ').append(gib(e.getValue()));
      b.append("; heap ").append(gib(heapTotal()));
      for (Map.Entry<String, Long> e : heap.entrySet())
        b.append(", ").append(e.getKey()).append(' ').append(gib(e.getValue()));
      return b.append(')').toString();
    }
  }

  static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
  }

  /**
   * The estimate for {@code run} on data with {@code data}'s manifest (its sizes and row counts).
   *
   * @throws IllegalArgumentException for a mode the model does not cover (parameter averaging)
   */
  public static Estimate of(RunConfig run, PreparedData data) {
    if (run.parallelism().mode() == Mode.PARAM_AVERAGING)
      throw new IllegalArgumentException(
          run.name() + ": parameter averaging's buffers are not modeled");
    Workload w = run.workload().bind(data);
    DataType dtype = run.training().dataType();
    long width = dtype.width();
    long p = parameters(w);
    Probe probe =
        PROBES.computeIfAbsent(
            List.of(small(w), run.optimizer(), dtype), k -> probe(w, run.newOptimizer(), dtype));
    int b = run.training().batchSize();
    int acc = run.training().accumulationSteps();
    int workers = run.parallelism().workers();

    Map<String, Long> off = new LinkedHashMap<>();
    off.put("parameters", p * width);
    off.put("gradient", p * width);
    off.put("optimizer state (" + probe.stateCopies + " x P)", probe.stateCopies * p * width);
    off.put("step workspace", Math.round(probe.workspacePerParameter * p * width));
    if (acc > 1) off.put("micro-batch sum", p * width);
    if (run.parallelism().mode() == Mode.GRADIENT_SHARING
        && run.parallelism().sparseEmbeddings()
        && workers > 1) {
      List<long[]> tables = tables(w); // {rows, width}
      if (!tables.isEmpty()) {
        long inTables = 0;
        long payload = 0;
        for (long[] t : tables) {
          inTables += t[0] * t[1];
          long touched = w instanceof Dlrm ? Math.min(t[0], (long) b * acc) : t[0];
          payload += 1 + touched * (1 + t[1]);
        }
        off.put("row exchange staging", (p - inTables) * width);
        // the gather is used only while it is smaller than the tables; its buffer grows by half
        long gather = Math.min(workers * payload * Double.BYTES, inTables * width);
        off.put("row exchange gather", gather + gather / 2);
      }
    }
    off.put("activations, micro-batch of " + b, activations(w, b, dtype));

    Map<String, Long> heap = new LinkedHashMap<>();
    long row = rowBytes(w);
    long share = Math.max(1, data.rows("train") / workers);
    long window = Math.min(run.data().shuffleBuffer(), share);
    heap.put(
        "reader windows (" + (run.data().prefetch() + 1) + " x " + window + " rows)",
        (run.data().prefetch() + 1L) * window * row);
    heap.put("batch and evaluation chunk", ((long) b + w.evaluationChunkRows()) * row);
    heap.put("pages being decoded", 2L * 2 * w.schema().columnNames().size() * PAGE_BYTES);
    heap.put("runtime", RUNTIME_BYTES);
    return new Estimate(run.name(), off, heap);
  }

  /** P: the parameter count of the full-size network, from the workload's sizes. */
  public static long parameters(Workload w) {
    if (w instanceof Dlrm d) {
      long p = 0;
      for (int rows : d.tableSizes()) p += (long) rows * d.embeddingDim();
      p += dense(d.denseFeatures(), d.bottom());
      int interaction = d.embeddingDim() + (d.tableSizes().size() + 1) * d.tableSizes().size() / 2;
      return p + dense(interaction, d.top());
    }
    if (w instanceof Classifier c) {
      List<Integer> widths = new ArrayList<>(c.hidden());
      widths.add(c.classes());
      return dense(c.inputs(), widths);
    }
    if (w instanceof GptWorkload g) return GptModel.parameterCount(g.config());
    throw new IllegalArgumentException("no parameter count for workload " + w.name());
  }

  /** Weights and biases of dense layers of {@code widths} after an input of {@code in}. */
  private static long dense(long in, List<Integer> widths) {
    long p = 0;
    for (int out : widths) {
      p += (in + 1) * out;
      in = out;
    }
    return p;
  }

  /**
   * The embedding tables gradient sharing may sum as rows, {rows, width} each, as {@link
   * NetworkModel#embeddingTables} lists them: DLRM's tables and a sparse classifier's first layer.
   */
  public static List<long[]> tables(Workload w) {
    List<long[]> out = new ArrayList<>();
    if (w instanceof Dlrm d) {
      for (int rows : d.tableSizes()) out.add(new long[] {rows, d.embeddingDim()});
    } else if (w instanceof Classifier c && c.sparse()) {
      out.add(new long[] {c.inputs(), c.hidden().isEmpty() ? c.classes() : c.hidden().get(0)});
    }
    return out;
  }

  /**
   * Bytes of one row as the reader holds it ({@link org.optimbench.jobs.data.RowChunk}): the id
   * (8), the label (4), and per list column an offset (4) and its values; LIBSVM rows are counted
   * with every feature present (their length varies, so this is the bound).
   */
  public static long rowBytes(Workload w) {
    ChunkSchema s = w.schema();
    long bytes = 8 + (s.hasLabel() ? 4 : 0) + 4L * s.listCount();
    if (w instanceof Dlrm d) return bytes + 4L * d.tableSizes().size() + 4L * d.denseFeatures();
    if (w instanceof GptWorkload g) return bytes + 4L * (g.seqLen() + 1);
    if (w instanceof Classifier c) return bytes + (4L + 8L) * c.inputs();
    throw new IllegalArgumentException("no row size for workload " + w.name());
  }

  /**
   * The activations one training micro-batch of {@code rows} keeps from forward to backward, with
   * their gradients and the workspace slack, in bytes: an estimate per workload.
   *
   * <ul>
   *   <li>logreg, mlp: 4 values (pre-activation, activation, their gradient, slack) per unit of
   *       every layer, plus the input row (dense: every feature; sparse: index and value per
   *       feature, the bound).
   *   <li>dlrm: 4 values per element of the inputs, the bottom MLP's units, the 26 looked-up
   *       embeddings, the stacked [27, d] matrix, the 27 x 27 dot products, the interaction's
   *       output and the top MLP's units.
   *   <li>gpt: per token, 19 V + L (220 d + 14 H T + 15,000) values: fitted to the peak resident
   *       memory of one forward and backward pass at 13 shapes (V 2,048 and 50,257, T 64 to 512, d
   *       64 and 256, H 4 to 16, L 2 to 8; BENCHMARKS.md, "Training data at scale"), where it
   *       over-estimates by 0-50%. SameDiff keeps every intermediate of the graph: the logits and
   *       their softmax, one-hot target and gradients (the V term), the attention scores, their
   *       masked and normalized copies and gradients (H T per token and layer), and GELU's and
   *       LayerNorm's intermediates (the d term).
   * </ul>
   */
  public static long activations(Workload w, long rows, DataType dtype) {
    long width = dtype.width();
    if (w instanceof Classifier c) {
      long units = c.classes();
      for (int h : c.hidden()) units += h;
      long input = c.sparse() ? c.inputs() * (4L + width) : c.inputs() * width;
      return rows * (input + 4 * units * width);
    }
    if (w instanceof Dlrm d) {
      long tables = d.tableSizes().size();
      long e = d.embeddingDim();
      long units = d.denseFeatures() + tables;
      for (int u : d.bottom()) units += u;
      for (int u : d.top()) units += u;
      units += tables * e + (tables + 1) * e + (tables + 1) * (tables + 1);
      units += e + (tables + 1) * tables / 2;
      return rows * 4 * units * width;
    }
    if (w instanceof GptWorkload g) {
      long perToken =
          19L * g.vocab()
              + (long) g.layers() * (220L * g.dModel() + 14L * g.heads() * g.seqLen() + 15_000L);
      return rows * g.seqLen() * perToken * width;
    }
    throw new IllegalArgumentException("no activation estimate for workload " + w.name());
  }

  /**
   * Probes already taken, by (small network, optimizer spec, dtype): a probe depends on nothing
   * else, and a sweep's runs share a few of them (one per method and architecture) across many
   * seeds, learning rates and datasets.
   */
  private static final Map<List<Object>, Probe> PROBES =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** What one optimizer does on a small network of the workload. */
  record Probe(long stateCopies, double workspacePerParameter, boolean asksForOracles) {}

  /**
   * Initializes {@code optimizer} on a small network of {@code w}'s kind and takes two steps on a
   * fresh thread (so that the step workspace is its own): the state's copies of P, the workspace's
   * bytes per parameter byte, and whether the method asked for a Hessian-vector product or a
   * validation gradient.
   */
  static Probe probe(Workload w, Optimizer optimizer, DataType dtype) {
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      Future<Probe> f = thread.submit(() -> probeHere(small(w), optimizer, dtype));
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw new IllegalStateException(e.getCause());
    } finally {
      thread.shutdownNow();
    }
  }

  /** The same architecture at small size: tables of 50 rows, a GPT of width 64 and 2 layers. */
  static Workload small(Workload w) {
    if (w instanceof Dlrm d)
      return new Dlrm(
          d.denseFeatures(),
          java.util.Collections.nCopies(d.tableSizes().size(), 50),
          d.embeddingDim(),
          d.bottom(),
          d.top(),
          0);
    if (w instanceof GptWorkload g) return new GptWorkload(64, 16, 64, 4, 2, g.mlpRatio());
    if (w instanceof Classifier c && c.inputs() > 4096)
      return new Classifier(64, c.hidden(), c.classes(), c.activation(), c.sparse());
    return w;
  }

  private static Probe probeHere(Workload w, Optimizer optimizer, DataType dtype) {
    NetworkModel model = w.build(dtype, 1);
    try {
      INDArray params = model.view().params();
      INDArray grads = model.view().grads();
      long p = params.length();
      OptimizerState state = optimizer.init(model.view());
      long copies = stateElements(state, p) / p;
      AtomicBoolean asked = new AtomicBoolean();
      // as NetworkModel.gradientAt allocates: the saved parameters and gradient, the result
      GradientOracle oracle =
          at -> {
            asked.set(true);
            INDArray saved = params.dup();
            INDArray savedGrad = grads.dup();
            INDArray g = grads.dup();
            saved.close();
            savedGrad.close();
            return g;
          };
      long[] ids = {1, 2, 3, 4, 5, 6, 7, 8};
      for (int t = 0; t < 2; t++) {
        grads.assign(Nd4j.rand(dtype, p).subi(0.5).muli(1e-2));
        Optimizers.step(
            optimizer,
            model.view(),
            state,
            StepContext.builder()
                .step(t)
                .lrScale(1.0)
                .loss(1.0 - 0.1 * t)
                .exampleIds(ids)
                .exampleStore(new HashExampleStore())
                .reducer(Reducer.LOCAL)
                .batchReducer(Reducer.LOCAL)
                .diagnostics(new Diagnostics())
                .hvp(FiniteDifferenceHvp.forward(oracle, params, grads))
                .validationGradient(oracle)
                .build());
      }
      long ws =
          Nd4j.getWorkspaceManager().checkIfWorkspaceExists(STEP_WORKSPACE)
              ? Nd4j.getWorkspaceManager()
                  .getWorkspaceForCurrentThread(STEP_WORKSPACE)
                  .getCurrentSize()
              : 0;
      return new Probe(copies, ws / (double) (p * dtype.width()), asked.get());
    } finally {
      Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
    }
  }

  /** Elements of every state array, inner optimizers' included; each must be P long. */
  private static long stateElements(OptimizerState s, long p) {
    long n = 0;
    for (Map.Entry<String, INDArray> e : s.arrays().entrySet()) {
      if (e.getValue().length() != p)
        throw new IllegalStateException(
            "state array '"
                + e.getKey()
                + "' has "
                + e.getValue().length()
                + " elements, not P = "
                + p
                + ": the model scales state by P");
      n += p;
    }
    for (OptimizerState c : s.children().values()) n += stateElements(c, p);
    return n;
  }

  /** The tables of {@code model} as {rows, width}, for checking {@link #tables}. */
  static List<long[]> tablesOf(NetworkModel model) {
    List<long[]> out = new ArrayList<>();
    for (EmbeddingTable t : model.embeddingTables()) out.add(new long[] {t.rows(), t.width()});
    return out;
  }
}
