package org.optimbench.jobs.workload.classifier;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.data.ChunkSchema;
import org.optimbench.jobs.data.RowChunk;
import org.optimbench.jobs.data.RowRefs;
import org.optimbench.jobs.model.LeanDense;
import org.optimbench.jobs.model.LeanSoftmaxOutput;
import org.optimbench.jobs.model.NativeArrays;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.model.SparseBatch;
import org.optimbench.jobs.model.SparseLinear;
import org.optimbench.jobs.workload.PreparedData;
import org.optimbench.jobs.workload.ValidationRows;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.jobs.workload.WorkloadDefinition;
import org.optimbench.jobs.workload.WorkloadSpec;
import org.optimbench.optim.spec.SpecException;
import org.optimbench.prep.libsvm.LibsvmConfig;
import org.optimbench.prep.libsvm.LibsvmJob;

/**
 * The classification workloads on data-prep's LIBSVM output: multinomial logistic regression
 * ({@code logreg}: {@code hidden} empty) and an MLP ({@code mlp}: {@code hidden} = layer widths,
 * {@code activation} tanh or relu), softmax cross-entropy, as DL4J networks. DL4J's own updater is
 * a {@link NoOp} and no DL4J regularization is configured: the optim library's optimizer does all
 * of it (weight decay included), so coupled versus decoupled decay means what the optimizer says.
 * Metrics: {@code valid_loss} (mean cross-entropy) and {@code valid_accuracy}.
 *
 * <p>Hidden layers on dense inputs are {@link LeanDense}: DL4J's DenseLayer (same parameters,
 * outputs and gradients) without the work a training step does not need, the first one computing no
 * gradient for the network's input. The output layer (softmax, MCXENT) is DL4J's OutputLayer
 * configuration with the runtime of {@link LeanSoftmaxOutput}, which computes its product and
 * softmax once per step instead of twice (same outputs, losses and gradients).
 *
 * <p>Input ({@code input}): {@code dense} batches are [batch, features] arrays; {@code sparse}
 * batches stay CSR rows ({@link SparseBatch}) and the first layer is a {@link SparseLinear}, the
 * same function with the same parameters as the dense first layer, at a cost in the rows' non-zeros
 * instead of the feature count, so the sparse suites (10^5 to 10^7 hashed features) train; {@code
 * auto} (the default) is sparse above {@value #SPARSE_ABOVE} features.
 */
public record Classifier(
    int inputs, List<Integer> hidden, int classes, Activation activation, boolean sparse)
    implements Workload {
  /** Feature counts above which {@code input: auto} reads rows sparse. */
  static final int SPARSE_ABOVE = 4096;

  /** The layer spec of an MLP (empty hidden for logreg) and the input kind. */
  record Layers(List<Integer> hidden, Activation activation, String input) {}

  /** What logreg and mlp share: LIBSVM data, bound to the manifest, prepared by data-prep's job. */
  private abstract static class Definition implements WorkloadDefinition<Layers> {
    @Override
    public Workload bind(Layers l, PreparedData data) {
      return of(l, data);
    }

    @Override
    public void prepare(SparkSession spark, String source, String target, PrintStream console)
        throws IOException {
      prepareLibsvm(spark, source, target, console);
    }

    /** Sparse input makes the first layer a {@link SparseLinear}, a table of feature rows. */
    @Override
    public boolean mayHaveEmbeddingTables(Layers l) {
      return !l.input().equals("dense");
    }
  }

  public static final WorkloadDefinition<Layers> LOGREG =
      new Definition() {
        @Override
        public Layers parse(WorkloadSpec spec) {
          if (spec.has("hidden"))
            throw new SpecException(
                "workload.hidden", "logreg has no hidden layers (use name: mlp)");
          String input = input(spec);
          spec.finish();
          return new Layers(List.of(), Activation.IDENTITY, input);
        }
      };

  public static final WorkloadDefinition<Layers> MLP =
      new Definition() {
        @Override
        public Layers parse(WorkloadSpec spec) {
          List<Integer> hidden = spec.widths("hidden", List.of(64), 1);
          Activation a =
              spec.choice("activation", "tanh", "tanh", "relu").equals("relu")
                  ? Activation.RELU
                  : Activation.TANH;
          String input = input(spec);
          spec.finish();
          return new Layers(hidden, a, input);
        }
      };

  private static String input(WorkloadSpec spec) {
    return spec.choice("input", "auto", "auto", "dense", "sparse");
  }

  public Classifier {
    if (inputs <= 0 || classes < 2)
      throw new IllegalArgumentException(
          "classifier needs inputs > 0 and classes >= 2, got " + inputs + ", " + classes);
    hidden = List.copyOf(hidden);
    for (int h : hidden)
      if (h <= 0) throw new IllegalArgumentException("hidden layer width " + h + " must be > 0");
  }

  /** A classifier reading dense batches. */
  public Classifier(int inputs, List<Integer> hidden, int classes, Activation activation) {
    this(inputs, hidden, classes, activation, false);
  }

  public static Classifier logreg(int inputs, int classes) {
    return new Classifier(inputs, List.of(), classes, Activation.IDENTITY);
  }

  private static Classifier of(Layers l, PreparedData data) {
    data.requireJob("libsvm", l.hidden().isEmpty() ? "logreg" : "mlp");
    int features = data.integer("num_features");
    boolean sparse =
        l.input().equals("sparse") || (l.input().equals("auto") && features > SPARSE_ABOVE);
    return new Classifier(
        features, l.hidden(), data.integer("num_classes"), l.activation(), sparse);
  }

  @Override
  public String name() {
    return hidden.isEmpty() ? "logreg" : "mlp";
  }

  /** Sparse input: the first layer is a {@link SparseLinear}, a table of feature rows. */
  @Override
  public boolean hasEmbeddingTables() {
    return sparse;
  }

  @Override
  public NetworkModel build(DataType dtype, long seed) {
    NeuralNetConfiguration.ListBuilder b =
        new NeuralNetConfiguration.Builder()
            .dataType(dtype)
            .seed(seed)
            .updater(new NoOp())
            .weightInit(WeightInit.XAVIER)
            .list();
    if (sparse && hidden.isEmpty()) {
      // OutputLayer's function and parameters (W then b), with a sparse input: LossLayer has none
      b.layer(
          new SparseLinear.Builder()
              .nIn(inputs)
              .nOut(classes)
              .activation(Activation.IDENTITY)
              .weightInit(WeightInit.ZERO)
              .build());
      b.layer(
          new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
              .activation(Activation.SOFTMAX)
              .build());
    } else {
      int in = inputs;
      for (int i = 0; i < hidden.size(); i++) {
        int h = hidden.get(i);
        b.layer(
            sparse && i == 0
                ? new SparseLinear.Builder().nIn(in).nOut(h).activation(activation).build()
                : new LeanDense.Builder()
                    .nIn(in)
                    .nOut(h)
                    .activation(activation)
                    .inputGradient(i > 0)
                    .build());
        in = h;
      }
      b.layer(
          new LeanSoftmaxOutput(
              new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                  .nIn(in)
                  .nOut(classes)
                  .activation(Activation.SOFTMAX)
                  .weightInit(hidden.isEmpty() ? WeightInit.ZERO : WeightInit.XAVIER)
                  .build()));
    }
    MultiLayerNetwork net = new MultiLayerNetwork(b.build());
    net.init();
    return new NetworkModel(net);
  }

  @Override
  public ChunkSchema schema() {
    return ChunkSchema.libsvm();
  }

  /**
   * For float32 the values are decoded as floats: a float32 batch rounds each value to float
   * anyway, so the batches are the same, from half the memory per stored value.
   */
  @Override
  public ChunkSchema schema(DataType dtype) {
    return dtype == DataType.FLOAT ? ChunkSchema.libsvm(ChunkSchema.ElementType.FLOAT) : schema();
  }

  /**
   * Features (densified [n, inputs], or the packed sparse rows of {@link SparseBatch}) and one-hot
   * labels [n, classes].
   */
  @Override
  public MultiDataSet encode(RowChunk rows, DataType dtype) {
    return encode(RowRefs.of(rows), dtype);
  }

  /**
   * As {@link #encode(RowChunk, DataType)}; dense float32 and float64 batches are written from the
   * referenced rows where they lie, without gathering them into one chunk first.
   */
  @Override
  public MultiDataSet encode(RowRefs rows, DataType dtype) {
    INDArray labels = labels(rows, dtype);
    if (sparse) {
      RowChunk c = rows.gather();
      INDArray x =
          c.values(1) instanceof float[] f
              ? SparseBatch.pack(c.offsets(0), c.ints(0), f, inputs, dtype)
              : SparseBatch.pack(c.offsets(0), c.ints(0), c.doubles(1), inputs, dtype);
      return new org.nd4j.linalg.dataset.MultiDataSet(x, labels);
    }
    return new org.nd4j.linalg.dataset.MultiDataSet(densify(rows, dtype), labels);
  }

  /** One-hot [n, classes], written into a zeroed array of {@code dtype} (float32, float64). */
  private INDArray labels(RowRefs rows, DataType dtype) {
    int n = rows.size();
    int length = RowChunk.checkedLength((long) n * classes, "one-hot labels");
    for (int i = 0; i < n; i++) {
      int label = rows.label(i);
      if (label < 0 || label >= classes)
        throw new IllegalArgumentException(
            "example " + rows.id(i) + " has class " + label + " outside [0, " + classes + ")");
    }
    if (dtype == DataType.FLOAT || dtype == DataType.DOUBLE) {
      INDArray y = Nd4j.create(dtype, n, classes);
      if (dtype == DataType.FLOAT) {
        FloatBuffer b = y.data().asNioFloat();
        for (int i = 0; i < n; i++) b.put(i * classes + rows.label(i), 1f);
      } else {
        DoubleBuffer b = y.data().asNioDouble();
        for (int i = 0; i < n; i++) b.put(i * classes + rows.label(i), 1.0);
      }
      return y;
    }
    double[] y = new double[length];
    for (int i = 0; i < n; i++) y[i * classes + rows.label(i)] = 1.0;
    return Nd4j.createFromArray(y).reshape(n, classes).castTo(dtype);
  }

  /**
   * Whether the row at {@code idx[start, end)} of {@code c} stores features 0 to inputs - 1 in
   * order: known for the whole chunk where it holds only such rows ({@link RowChunk#denseWidth}),
   * else checked on the row's indices.
   */
  private boolean storesEveryFeature(RowChunk c, int[] idx, int start, int end) {
    return c.denseWidth(0) == inputs
        || (end - start == inputs && RowChunk.inOrder(idx, start, inputs));
  }

  /**
   * The rows as a dense [n, inputs] array of {@code dtype} ('c' order, zeros where a row has no
   * value; a feature repeated in a row keeps its last value). float32 and float64 are written
   * straight from each row's stored values into the array's native memory, one pass per row: the
   * same values as gathering the rows, densifying into a Java {@code double[]} and casting, without
   * the gathered copy, that array and its cast (at MLP batch sizes humongous allocations per step;
   * BENCHMARKS.md, "Peers: PyTorch on the same CPU"). Values decoded as floats ({@link
   * #schema(DataType)}) are copied as they are into a float32 batch. Other combinations take that
   * route.
   */
  private INDArray densify(RowRefs rows, DataType dtype) {
    int n = rows.size();
    int length = RowChunk.checkedLength((long) n * inputs, "densified features");
    RowChunk[] src = rows.sources();
    int[] at = rows.rows();
    // Row by row through a small Java array, each copied once into the uninitialized batch: no
    // zeroing pass over the whole batch and no buffer call per element (measured the faster way).
    // A row that stores every feature in order (indices 0 to inputs - 1) is converted in one loop
    // that checks its indices as it goes, with the scatter's result; others are scattered. The
    // check and the conversion in one loop measured faster, in two slower (BENCHMARKS.md,
    // "Measurements behind code choices"). Float values need no conversion: such a row is one
    // bulk copy after its indices are checked, and without the check where its chunk is known to
    // hold only such rows (RowChunk.denseWidth, computed where the chunk was decoded).
    boolean floats = src.length > 0 && src[0].values(1) instanceof float[];
    if (dtype == DataType.FLOAT && floats) {
      INDArray x = Nd4j.createUninitialized(DataType.FLOAT, new long[] {n, inputs}, 'c');
      FloatBuffer to = x.data().asNioFloat();
      float[] row = new float[inputs];
      for (int i = 0; i < n; i++) {
        RowChunk c = src[i];
        int[] off = c.offsets(0);
        int[] idx = c.ints(0);
        float[] val = c.floats(1);
        int start = off[at[i]];
        int end = off[at[i] + 1];
        if (storesEveryFeature(c, idx, start, end)) {
          to.put(i * inputs, val, start, inputs);
          continue;
        }
        Arrays.fill(row, 0f);
        for (int k = start; k < end; k++) {
          int j = idx[k];
          if (j < 0 || j >= inputs) throw featureOutside(x, rows.id(i), j);
          row[j] = val[k];
        }
        to.put(i * inputs, row);
      }
      return x;
    }
    if (dtype == DataType.FLOAT && !floats) {
      INDArray x = Nd4j.createUninitialized(DataType.FLOAT, new long[] {n, inputs}, 'c');
      FloatBuffer to = x.data().asNioFloat();
      float[] row = new float[inputs];
      for (int i = 0; i < n; i++) {
        RowChunk c = src[i];
        int[] off = c.offsets(0);
        int[] idx = c.ints(0);
        double[] val = c.doubles(1);
        int start = off[at[i]];
        int end = off[at[i] + 1];
        if (end - start == inputs) { // a dense row if its indices are 0, 1, ..., inputs - 1
          int differ = 0;
          for (int j = 0; j < inputs; j++) {
            differ |= idx[start + j] ^ j;
            row[j] = (float) val[start + j];
          }
          if (differ == 0) {
            to.put(i * inputs, row);
            continue;
          }
        }
        Arrays.fill(row, 0f);
        for (int k = start; k < end; k++) {
          int j = idx[k];
          if (j < 0 || j >= inputs) throw featureOutside(x, rows.id(i), j);
          row[j] = (float) val[k];
        }
        to.put(i * inputs, row);
      }
      return x;
    }
    if (dtype == DataType.DOUBLE && !floats) {
      INDArray x = Nd4j.createUninitialized(DataType.DOUBLE, new long[] {n, inputs}, 'c');
      DoubleBuffer to = x.data().asNioDouble();
      double[] row = new double[inputs];
      for (int i = 0; i < n; i++) {
        RowChunk c = src[i];
        int[] off = c.offsets(0);
        int[] idx = c.ints(0);
        double[] val = c.doubles(1);
        int start = off[at[i]];
        int end = off[at[i] + 1];
        if (storesEveryFeature(c, idx, start, end)) {
          to.put(i * inputs, val, start, inputs);
          continue;
        }
        Arrays.fill(row, 0.0);
        for (int k = start; k < end; k++) {
          int j = idx[k];
          if (j < 0 || j >= inputs) throw featureOutside(x, rows.id(i), j);
          row[j] = val[k];
        }
        to.put(i * inputs, row);
      }
      return x;
    }
    double[] x = new double[length];
    for (int i = 0; i < n; i++) {
      RowChunk c = src[i];
      int[] off = c.offsets(0);
      int[] idx = c.ints(0);
      Object val = c.values(1);
      for (int k = off[at[i]], end = off[at[i] + 1]; k < end; k++) {
        int j = idx[k];
        if (j < 0 || j >= inputs) throw featureOutside(null, rows.id(i), j);
        x[i * inputs + j] = val instanceof float[] f ? f[k] : ((double[]) val)[k];
      }
    }
    return Nd4j.createFromArray(x).reshape(n, inputs).castTo(dtype);
  }

  /** The error for a feature index outside the input; frees the half-written batch {@code x}. */
  private IllegalArgumentException featureOutside(INDArray x, long id, int j) {
    NativeArrays.release(x);
    return new IllegalArgumentException(
        "example " + id + " has feature index " + j + " outside [0, " + inputs + ")");
  }

  @Override
  public int evaluationChunkRows() {
    return 256;
  }

  @Override
  public List<String> metricNames() {
    return List.of("valid_loss", "valid_accuracy");
  }

  /** Mean cross-entropy and accuracy over every worker's validation rows (sums all-reduced). */
  @Override
  public Map<String, Double> evaluate(NetworkModel model, ValidationRows valid, AllReduce comm) {
    DataType dtype = model.view().params().dataType();
    double[] sums = new double[3]; // loss sum, correct, rows
    valid.forEach(
        chunk -> {
          MultiDataSet b = encode(chunk, dtype);
          INDArray out = model.output(b);
          INDArray labels = b.getLabels(0);
          INDArray p = out.mul(labels).sum(1);
          // Probabilities clamped at the dtype's smallest normal number, so a confident mistake
          // costs -log(tiny) (~87 in float32) instead of infinity.
          double tiny = p.dataType() == DataType.DOUBLE ? Double.MIN_NORMAL : Float.MIN_NORMAL;
          sums[0] -=
              Transforms.log(Transforms.max(p, tiny, false), false).sumNumber().doubleValue();
          sums[1] +=
              out.argMax(1).eq(labels.argMax(1)).castTo(DataType.DOUBLE).sumNumber().doubleValue();
          sums[2] += chunk.size();
          NativeArrays.release(out, p);
          NativeArrays.release(b);
        });
    double[] s = comm.sumInPlace(sums);
    if (s[2] == 0) return Map.of();
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("valid_loss", s[0] / s[2]);
    m.put("valid_accuracy", s[1] / s[2]);
    return m;
  }

  /**
   * Runs data-prep's LIBSVM job from {@code source} into {@code target} (split seed 0, 10% valid,
   * 10% test).
   */
  static void prepareLibsvm(SparkSession spark, String source, String target, PrintStream console)
      throws IOException {
    console.println("preparing " + source + " -> " + target);
    spark.sparkContext().setJobDescription("optimbench prepare " + source);
    for (LibsvmJob.Summary s :
        LibsvmJob.run(
            spark, new LibsvmConfig(source, target, false, 0L, 0L, 0.1, 0.1, null, null, null))) {
      console.println("  " + s);
    }
  }
}
