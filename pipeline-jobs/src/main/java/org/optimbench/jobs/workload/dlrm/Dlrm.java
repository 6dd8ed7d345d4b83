package org.optimbench.jobs.workload.dlrm;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.data.ChunkSchema;
import org.optimbench.jobs.data.ParquetRangeReader;
import org.optimbench.jobs.data.RowChunk;
import org.optimbench.jobs.data.ShardPlan;
import org.optimbench.jobs.data.SplitIndex;
import org.optimbench.jobs.model.LeanDense;
import org.optimbench.jobs.model.NativeArrays;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.workload.BroadcastModel;
import org.optimbench.jobs.workload.Metrics;
import org.optimbench.jobs.workload.PreparedData;
import org.optimbench.jobs.workload.SparkAuc;
import org.optimbench.jobs.workload.SplitPartitions;
import org.optimbench.jobs.workload.ValidationRows;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.jobs.workload.WorkloadDefinition;
import org.optimbench.jobs.workload.WorkloadSpec;
import org.optimbench.optim.spec.SpecException;
import org.optimbench.prep.common.HadoopConf;

/**
 * DLRM (Naumov et al. 2019; facebookresearch/dlrm {@code dlrm_s_pytorch.py}) on data-prep's Criteo
 * output, as a DL4J {@link ComputationGraph}:
 *
 * <pre>
 *   dense [B,13] -> bottom MLP (ReLU on every layer, last width = embedding_dim) -> x
 *   C_k ids [B,1] -> embedding k (table_k x embedding_dim, no bias)         -> e_k, k = 1..26
 *   [x, e_1..e_26] -> dot interaction ({@link DotInteractionVertex}) -> [x, pairwise dots] (d + 351)
 *   -> top MLP (ReLU hidden layers; last layer width 1, identity) -> click logit z
 *   loss: binary cross-entropy on the logit ({@link LogitBinaryCrossEntropy}), mean over the batch
 * </pre>
 *
 * <p>Spec: {@code {name: dlrm, embedding_dim: 16, bottom: [64, 16], top: [64, 1], max_table_size:
 * 0}} (defaults shown; the Kaggle bench of the reference uses embedding_dim 16, bottom
 * 512-256-64-16, top 512-256-1). {@code bottom}'s last width must equal {@code embedding_dim},
 * {@code top}'s last must be 1. Table sizes come from the manifest: the vocabulary sizes in vocab
 * mode, the hash range in hash mode; {@code max_table_size} > 0 folds ids {@code id mod
 * max_table_size} and caps every table there (the reference's {@code --max-ind-range}), since dense
 * tables are replicated on every worker.
 *
 * <p>Initialization as the reference where DL4J allows: MLP weights Xavier normal (N(0,
 * 2/(in+out))), embeddings U(-1/sqrt(n), 1/sqrt(n)) for a table of n rows (DL4J UNIFORM); MLP
 * biases start at 0 (the reference draws them from N(0, 1/out)). DL4J's updater is a NoOp: the
 * optim library's optimizer updates everything through {@link NetworkModel}.
 *
 * <p>The embeddings are DL4J EmbeddingLayers ({@link EmbeddingLookupLayer}: DL4J's configuration,
 * parameters and initial values, stored row-major as PyTorch's {@code nn.Embedding} where DL4J's
 * are column-major, with a runtime that gathers and scatters the batch's rows in Java, the same
 * arithmetic without DL4J's per-table op overheads).
 *
 * <p>Embedding gradients: each embedding layer writes a dense gradient the size of the table (zeros
 * except the rows of the batch), as DL4J's does, and the flat gradient vector contains it. Gradient
 * sharing sums the tables as sparse rows (only the rows some worker touched travel, {@link
 * org.optimbench.jobs.collective.RowSparseSum}; {@code embedding_exchange: dense} sums whole
 * tables); parameter averaging averages the tables (and the optimizer state over them) every
 * averaging_frequency steps; optimizers update every row every step (like PyTorch's dense Adam; the
 * reference uses sparse SGD). Cost: BENCHMARKS.md, "DLRM embedding gradients".
 *
 * <p>Metrics: {@code valid_logloss} (mean binary cross-entropy) and {@code valid_auc}, the exact
 * ROC AUC, computed on the logits (the same order as the probabilities, without float saturation
 * ties). During training ({@link #evaluate}) over every worker's validation rows through the
 * collective ({@link Metrics#exactAuc(AllReduce, double[], double[])}: only the minority class's
 * scores are gathered, 8 bytes per click at Criteo's ~3% click rate); {@code eval.valid_fraction}
 * restricts these evaluations to a fixed subset of the validation rows. With {@code eval.final:
 * spark} the whole validation split is scored once more after training by a Spark job at the final
 * parameters ({@link #evaluateOnSpark}, {@link SparkAuc}) and recorded as {@code
 * final.valid_logloss} and {@code final.valid_auc} in the run's last metrics row: the way to
 * evaluate Criteo 1TB's 83M-row validation half.
 */
public record Dlrm(
    int denseFeatures,
    List<Integer> tableSizes,
    int embeddingDim,
    List<Integer> bottom,
    List<Integer> top,
    int maxTableSize)
    implements Workload {
  /** The checked spec, before the data gives the table sizes. */
  public record Spec(int embeddingDim, List<Integer> bottom, List<Integer> top, int maxTableSize) {}

  public static final WorkloadDefinition<Spec> DEFINITION =
      new WorkloadDefinition<>() {
        @Override
        public Spec parse(WorkloadSpec spec) {
          int dim = spec.positiveInt("embedding_dim", 16);
          List<Integer> bottom = spec.widths("bottom", List.of(64, dim), 1);
          List<Integer> top = spec.widths("top", List.of(64, 1), 1);
          int max = spec.nonNegativeInt("max_table_size", 0);
          spec.finish();
          if (bottom.get(bottom.size() - 1) != dim) {
            throw new SpecException(
                "workload.bottom",
                "last width "
                    + bottom.get(bottom.size() - 1)
                    + " must equal embedding_dim "
                    + dim
                    + " (the dot interaction needs equal widths)");
          }
          if (top.get(top.size() - 1) != 1)
            throw new SpecException(
                "workload.top",
                "last width " + top.get(top.size() - 1) + " must be 1 (the click logit)");
          if (max == 1)
            throw new SpecException(
                "workload.max_table_size", "1 would map every id to 0; use 0 (no cap) or >= 2");
          return new Spec(dim, bottom, top, max);
        }

        @Override
        public Workload bind(Spec s, PreparedData data) {
          data.requireJob("criteo", "dlrm");
          int dense = data.integer("num_dense");
          int cats = data.integer("num_categorical");
          List<Integer> sizes;
          String mode = data.text("categorical.mode");
          if (mode.equals("hash")) {
            sizes = Collections.nCopies(cats, data.integer("categorical.hash_range"));
          } else {
            sizes = data.integers("categorical.vocab_sizes");
            if (sizes.size() != cats)
              throw new SpecException(
                  data.confKey(),
                  data.dir().resolve("manifest.json")
                      + ": "
                      + sizes.size()
                      + " vocab_sizes for "
                      + cats
                      + " categorical columns");
          }
          List<Integer> capped = new ArrayList<>();
          for (int n : sizes) capped.add(s.maxTableSize() > 0 ? Math.min(n, s.maxTableSize()) : n);
          return new Dlrm(dense, capped, s.embeddingDim(), s.bottom(), s.top(), s.maxTableSize());
        }

        @Override
        public void prepare(SparkSession spark, String source, String target, PrintStream console)
            throws IOException {
          CriteoSource.prepare(spark, source, target, console);
        }

        @Override
        public boolean evaluatesOnSpark() {
          return true;
        }

        @Override
        public boolean mayHaveEmbeddingTables(Spec s) {
          return true;
        }
      };

  public Dlrm {
    tableSizes = List.copyOf(tableSizes);
    bottom = List.copyOf(bottom);
    top = List.copyOf(top);
    if (denseFeatures <= 0 || tableSizes.isEmpty())
      throw new IllegalArgumentException("dlrm needs dense features and categorical tables");
    for (int n : tableSizes)
      if (n < 1) throw new IllegalArgumentException("table size " + n + " must be >= 1");
    if (bottom.get(bottom.size() - 1) != embeddingDim)
      throw new IllegalArgumentException("bottom MLP must end at embedding_dim " + embeddingDim);
    if (top.get(top.size() - 1) != 1)
      throw new IllegalArgumentException("top MLP must end at width 1");
  }

  @Override
  public String name() {
    return "dlrm";
  }

  @Override
  public boolean hasEmbeddingTables() {
    return true;
  }

  /** Input names: {@code dense}, then {@code C1..C26}. */
  public List<String> inputNames() {
    List<String> in = new ArrayList<>();
    in.add("dense");
    for (int k = 1; k <= tableSizes.size(); k++) in.add("C" + k);
    return in;
  }

  @Override
  public NetworkModel build(DataType dtype, long seed) {
    List<String> inputs = inputNames();
    ComputationGraphConfiguration.GraphBuilder g =
        new NeuralNetConfiguration.Builder()
            .dataType(dtype)
            .seed(seed)
            .updater(new NoOp())
            .weightInit(WeightInit.XAVIER)
            .graphBuilder()
            .addInputs(inputs);
    String prev = "dense";
    int width = denseFeatures;
    for (int i = 0; i < bottom.size(); i++) {
      g.addLayer(
          "bottom" + i,
          new LeanDense.Builder()
              .nIn(width)
              .nOut(bottom.get(i))
              .activation(Activation.RELU)
              .build(),
          prev);
      prev = "bottom" + i;
      width = bottom.get(i);
    }
    String[] interactionInputs = new String[tableSizes.size() + 1];
    interactionInputs[0] = prev;
    for (int k = 0; k < tableSizes.size(); k++) {
      String name = "emb_" + inputs.get(k + 1);
      g.addLayer(
          name,
          new EmbeddingLookupLayer(
              new EmbeddingLayer.Builder()
                  .nIn(tableSizes.get(k))
                  .nOut(embeddingDim)
                  .hasBias(false)
                  .activation(Activation.IDENTITY)
                  .weightInit(WeightInit.UNIFORM)
                  .build()),
          inputs.get(k + 1));
      interactionInputs[k + 1] = name;
    }
    DotInteractionVertex interaction =
        new DotInteractionVertex(interactionInputs.length, embeddingDim);
    g.addVertex("interaction", interaction, interactionInputs);
    prev = "interaction";
    width = interaction.outputWidth();
    for (int i = 0; i < top.size() - 1; i++) {
      g.addLayer(
          "top" + i,
          new LeanDense.Builder().nIn(width).nOut(top.get(i)).activation(Activation.RELU).build(),
          prev);
      prev = "top" + i;
      width = top.get(i);
    }
    g.addLayer(
        "logit",
        new OutputLayer.Builder(new LogitBinaryCrossEntropy())
            .nIn(width)
            .nOut(1)
            .activation(Activation.IDENTITY)
            .build(),
        prev);
    g.setOutputs("logit");
    ComputationGraph net = new ComputationGraph(g.build());
    net.init();
    return new NetworkModel(net);
  }

  @Override
  public ChunkSchema schema() {
    return ChunkSchema.criteo();
  }

  /**
   * Dense features [n, 13] (dtype), one int32 id column [n, 1] per table (folded by
   * max_table_size), labels [n, 1].
   */
  @Override
  public MultiDataSet encode(RowChunk rows, DataType dtype) {
    int n = rows.size();
    int tables = tableSizes.size();
    int[] catOffsets = rows.offsets(0);
    int[] cats = rows.ints(0);
    int[] denseOffsets = rows.offsets(1);
    float[] dense = rows.floats(1);
    int[][] ids = new int[tables][n];
    double[] labels = new double[n];
    for (int i = 0; i < n; i++) {
      int nc = catOffsets[i + 1] - catOffsets[i];
      int nd = denseOffsets[i + 1] - denseOffsets[i];
      if (nd != denseFeatures || nc != tables) {
        throw new IllegalArgumentException(
            "row "
                + rows.id(i)
                + ": "
                + nd
                + " dense and "
                + nc
                + " categorical values, expected "
                + denseFeatures
                + " and "
                + tables);
      }
      for (int k = 0; k < tables; k++) {
        int raw = cats[catOffsets[i] + k];
        int id = maxTableSize > 0 ? raw % maxTableSize : raw;
        if (id < 0 || id >= tableSizes.get(k))
          throw new IllegalArgumentException(
              "row "
                  + rows.id(i)
                  + ": id "
                  + raw
                  + " of C"
                  + (k + 1)
                  + " outside its table of "
                  + tableSizes.get(k));
        ids[k][i] = id;
      }
      int label = rows.label(i);
      if (label != 0 && label != 1)
        throw new IllegalArgumentException(
            "row " + rows.id(i) + ": label " + label + " is not 0 or 1");
      labels[i] = label;
    }
    INDArray[] features = new INDArray[tables + 1];
    // the rows' dense values are back to back, 13 per row: the [n, 13] matrix as stored
    features[0] =
        Nd4j.createFromArray(java.util.Arrays.copyOf(dense, n * denseFeatures))
            .reshape(n, denseFeatures)
            .castTo(dtype);
    for (int k = 0; k < tables; k++) features[k + 1] = Nd4j.createFromArray(ids[k]).reshape(n, 1);
    INDArray y = Nd4j.createFromArray(labels).reshape(n, 1).castTo(dtype);
    return new org.nd4j.linalg.dataset.MultiDataSet(features, new INDArray[] {y});
  }

  @Override
  public List<String> metricNames() {
    return List.of("valid_logloss", "valid_auc");
  }

  /**
   * Mean log loss (sums all-reduced) and the exact AUC over all workers' (logit, label) pairs
   * ({@link Metrics#exactAuc(AllReduce, double[], double[])}).
   */
  @Override
  public Map<String, Double> evaluate(NetworkModel model, ValidationRows valid, AllReduce comm) {
    DataType dtype = model.view().params().dataType();
    List<Scores> parts = new ArrayList<>();
    valid.forEach(chunk -> parts.add(score(model, encode(chunk, dtype))));
    Scores s = Scores.concat(parts);
    double[] sums = comm.sumInPlace(new double[] {s.lossSum(), s.logits().length});
    double auc = Metrics.exactAuc(comm, s.logits(), s.labels());
    if (sums[1] == 0) return Map.of();
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("valid_logloss", sums[0] / sums[1]);
    m.put("valid_auc", auc);
    return m;
  }

  /**
   * Logits, labels and per-row losses of some rows, and the loss sum (batch sums added in order).
   */
  record Scores(double[] logits, double[] labels, double[] losses, double lossSum) {
    /** The parts' rows one after another; the loss sums added in order. */
    static Scores concat(List<Scores> parts) {
      if (parts.size() == 1) return parts.get(0);
      int n = 0;
      for (Scores p : parts) n += p.logits.length;
      double[] logits = new double[n];
      double[] labels = new double[n];
      double[] losses = new double[n];
      double lossSum = 0;
      int at = 0;
      for (Scores p : parts) {
        System.arraycopy(p.logits, 0, logits, at, p.logits.length);
        System.arraycopy(p.labels, 0, labels, at, p.labels.length);
        System.arraycopy(p.losses, 0, losses, at, p.losses.length);
        lossSum += p.lossSum;
        at += p.logits.length;
      }
      return new Scores(logits, labels, losses, lossSum);
    }
  }

  /**
   * The model's logit, label and binary cross-entropy for every row of one encoded chunk (freed
   * here): the in-training and the Spark evaluation both score through here.
   */
  static Scores score(NetworkModel model, MultiDataSet b) {
    INDArray z = model.output(b).castTo(DataType.DOUBLE);
    INDArray y = b.getLabels(0).castTo(DataType.DOUBLE);
    INDArray loss = LogitBinaryCrossEntropy.elementwise(z, y);
    Scores s =
        new Scores(
            z.toDoubleVector(),
            y.toDoubleVector(),
            loss.toDoubleVector(),
            loss.sumNumber().doubleValue());
    NativeArrays.release(z, y, loss);
    NativeArrays.release(b);
    return s;
  }

  /**
   * {@code valid_logloss} and {@code valid_auc} over every row of {@code split} with Spark: the
   * split's row groups are spread over partitions, each partition reads its row groups ({@link
   * ParquetRangeReader}), rebuilds the network from the broadcast parameters and scores its rows
   * {@value #SPARK_CHUNK} at a time through {@link #encode} and {@link #score}; the per-score class
   * counts and loss sums are aggregated by Spark, and {@link SparkAuc#concordance} gives the exact
   * AUC and the loss total in one sort (the rows are scored once). The loss per score is a Spark
   * sum, so its last bits may depend on the order in which map outputs are merged.
   */
  @Override
  public Map<String, Double> evaluateOnSpark(
      SparkSession spark, SplitIndex split, BroadcastModel params) {
    Dlrm self = this;
    HadoopConf conf = new HadoopConf(spark.sparkContext().hadoopConfiguration());
    JavaRDD<Row> scored =
        SplitPartitions.of(spark, split)
            .mapPartitions(groups -> new ScoredRows(self, params, split, groups, conf.get()));
    StructType schema =
        new StructType()
            .add("logit", DataTypes.DoubleType, false)
            .add("label", DataTypes.IntegerType, false)
            .add("loss", DataTypes.DoubleType, false);
    Dataset<Row> counts =
        SparkAuc.counts(
            spark.createDataFrame(scored, schema),
            "logit",
            "label",
            functions.sum("loss").as("loss"));
    SparkAuc.Concordance all = SparkAuc.concordance(counts, "loss");
    long n = all.counts().positives() + all.counts().negatives();
    if (n == 0) return Map.of();
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("valid_logloss", all.sums()[0] / n);
    m.put("valid_auc", all.auc());
    return m;
  }

  private static final int SPARK_CHUNK = 8192;

  /**
   * One partition's rows as (logit, label, loss): its row groups read {@value #SPARK_CHUNK} rows at
   * a time and scored; the network is built on the first chunk.
   */
  private static final class ScoredRows implements Iterator<Row> {
    private final Dlrm workload;
    private final BroadcastModel params;
    private final SplitIndex split;
    private final Iterator<Integer> groups;
    private final ParquetRangeReader reader;
    private final java.util.Deque<RowChunk> pending = new java.util.ArrayDeque<>();
    private NetworkModel model;
    private Scores chunk;
    private int next;

    ScoredRows(
        Dlrm workload,
        BroadcastModel params,
        SplitIndex split,
        Iterator<Integer> groups,
        org.apache.hadoop.conf.Configuration conf) {
      this.workload = workload;
      this.params = params;
      this.split = split;
      this.groups = groups;
      this.reader = new ParquetRangeReader(split, workload.schema(), conf);
    }

    @Override
    public boolean hasNext() {
      if (chunk != null && next < chunk.logits().length) return true;
      while (pending.isEmpty() && groups.hasNext()) { // one row group decoded at a time
        int g = groups.next();
        reader.read(List.of(new ShardPlan.Range(g, 0, split.rows(g))), SPARK_CHUNK, pending::add);
      }
      if (pending.isEmpty()) return false;
      if (model == null) model = params.load(workload);
      chunk = score(model, workload.encode(pending.poll(), params.dtype()));
      next = 0;
      return true;
    }

    @Override
    public Row next() {
      if (!hasNext()) throw new NoSuchElementException();
      int i = next++;
      return RowFactory.create(chunk.logits()[i], (int) chunk.labels()[i], chunk.losses()[i]);
    }
  }
}
