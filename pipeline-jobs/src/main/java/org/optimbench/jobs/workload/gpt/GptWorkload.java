package org.optimbench.jobs.workload.gpt;

import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.optimbench.jobs.collective.AllReduce;
import org.optimbench.jobs.data.ChunkSchema;
import org.optimbench.jobs.data.RowChunk;
import org.optimbench.jobs.model.NativeArrays;
import org.optimbench.jobs.model.NetworkModel;
import org.optimbench.jobs.workload.PreparedData;
import org.optimbench.jobs.workload.ValidationRows;
import org.optimbench.jobs.workload.Workload;
import org.optimbench.jobs.workload.WorkloadDefinition;
import org.optimbench.jobs.workload.WorkloadSpec;
import org.optimbench.optim.spec.SpecException;

/**
 * The GPT language-model workload ({@link GptModel}, pipeline-jobs/GPT.md) on data-prep's text
 * output: one example is one packed block of {@code seq_len + 1} BPE ids (its stable id is the
 * block id), batches are {@link GptBatch}es, the loss is the mean next-token cross-entropy.
 *
 * <p>Spec: {@code {name: gpt, seq_len, d_model: 768, heads: 12, layers: 12, mlp_ratio: 4, vocab}}
 * (GPT-2 small's sizes as defaults). {@code seq_len} defaults to the manifest's and, when given,
 * must equal it (the blocks are {@code seq_len + 1} long). {@code vocab} defaults to the size of
 * the manifest's tokenizer encoding (50,257 for r50k_base = GPT-2) and may be larger (a padded
 * vocabulary such as nanoGPT's 50,304), never smaller.
 *
 * <p>Metrics: {@code valid_loss}, the mean cross-entropy over every predicted token of every
 * worker's validation blocks (token sums and counts all-reduced, so workers holding different
 * numbers of blocks are weighted by tokens), and {@code valid_perplexity} = exp(valid_loss).
 *
 * <p>{@code data.source}: a raw text directory, prepared by data-prep's text job on first use
 * ({@link TextSource}).
 */
public record GptWorkload(int vocab, int seqLen, int dModel, int heads, int layers, int mlpRatio)
    implements Workload {
  /**
   * Vocabulary sizes of jtokkit's encodings (ordinary ranks plus special tokens), as tiktoken's
   * n_vocab.
   */
  static final Map<String, Integer> ENCODING_VOCAB =
      Map.of(
          "r50k_base",
          50257,
          "p50k_base",
          50281,
          "p50k_edit",
          50284,
          "cl100k_base",
          100277,
          "o200k_base",
          200019);

  /**
   * Logits held at once by {@link #evaluate} (floats), bounding its memory whatever seq_len and
   * vocab.
   */
  private static final long EVAL_LOGITS = 4_000_000;

  /** The checked spec; 0 for seq_len or vocab means "from the manifest". */
  public record Spec(int seqLen, int dModel, int heads, int layers, int mlpRatio, int vocab) {}

  public static final WorkloadDefinition<Spec> DEFINITION =
      new WorkloadDefinition<>() {
        @Override
        public Spec parse(WorkloadSpec spec) {
          int seqLen = spec.has("seq_len") ? spec.positiveInt("seq_len", 1) : 0;
          int d = spec.positiveInt("d_model", 768);
          int heads = spec.positiveInt("heads", 12);
          int layers = spec.positiveInt("layers", 12);
          int mlpRatio = spec.positiveInt("mlp_ratio", 4);
          int vocab = spec.has("vocab") ? spec.positiveInt("vocab", 1) : 0;
          spec.finish();
          if (d % heads != 0)
            throw new SpecException(
                "workload.heads", "d_model " + d + " must be divisible by heads " + heads);
          if (vocab == 1 || vocab > GptConfig.MAX_VOCAB)
            throw new SpecException(
                "workload.vocab", vocab + " must be in [2, " + GptConfig.MAX_VOCAB + "]");
          return new Spec(seqLen, d, heads, layers, mlpRatio, vocab);
        }

        @Override
        public Workload bind(Spec s, PreparedData data) {
          data.requireJob("text", "gpt");
          String manifest = data.dir().resolve("manifest.json").toString();
          int blockLength = data.integer("block_length");
          int seqLen = s.seqLen() == 0 ? blockLength - 1 : s.seqLen();
          if (seqLen != blockLength - 1) {
            throw new SpecException(
                "workload.seq_len",
                seqLen
                    + " does not match "
                    + manifest
                    + ", whose blocks hold "
                    + blockLength
                    + " tokens (seq_len "
                    + (blockLength - 1)
                    + "); prepare the text with --seq-len "
                    + seqLen
                    + " or set seq_len: "
                    + (blockLength - 1));
          }
          String encoding = data.text("tokenizer.encoding");
          Integer encodingVocab = ENCODING_VOCAB.get(encoding);
          int needed =
              Math.max(
                  encodingVocab == null ? 0 : encodingVocab,
                  data.integer("tokenizer.end_of_document") + 1);
          if (encodingVocab == null && s.vocab() == 0)
            throw new SpecException(
                "workload.vocab",
                "required: the vocabulary size of encoding '"
                    + encoding
                    + "' ("
                    + manifest
                    + ") is not known");
          int vocab = s.vocab() == 0 ? needed : s.vocab();
          if (vocab < needed) {
            throw new SpecException(
                "workload.vocab",
                vocab
                    + " is smaller than the "
                    + needed
                    + " token ids of encoding "
                    + encoding
                    + " in "
                    + manifest);
          }
          try {
            return new GptWorkload(vocab, seqLen, s.dModel(), s.heads(), s.layers(), s.mlpRatio());
          } catch (IllegalArgumentException e) {
            throw new SpecException("workload", e.getMessage());
          }
        }

        @Override
        public void prepare(SparkSession spark, String source, String target, PrintStream console)
            throws IOException {
          TextSource.prepare(spark, source, target, console);
        }
      };

  public GptWorkload {
    config(vocab, seqLen, dModel, heads, layers, mlpRatio); // validates
  }

  private static GptConfig config(
      int vocab, int seqLen, int dModel, int heads, int layers, int mlpRatio) {
    return new GptConfig(vocab, seqLen, dModel, heads, layers, mlpRatio, 0.02, 1e-5);
  }

  /**
   * The model's shape (GptConfig itself is not serializable; a workload travels to the Spark
   * tasks).
   */
  public GptConfig config() {
    return config(vocab, seqLen, dModel, heads, layers, mlpRatio);
  }

  @Override
  public String name() {
    return "gpt";
  }

  @Override
  public NetworkModel build(DataType dtype, long seed) {
    return GptModel.build(config(), dtype, seed);
  }

  @Override
  public ChunkSchema schema() {
    return ChunkSchema.textBlocks();
  }

  /**
   * Features {@code block[0..T)} and labels {@code block[1..T]} of each block, [n, seq_len] in
   * {@code dtype} ({@link GptBatch}). Every id is checked against the vocabulary here.
   */
  @Override
  public MultiDataSet encode(RowChunk rows, DataType dtype) {
    int n = rows.size();
    int[] offsets = rows.offsets(0);
    int[] tokens = rows.ints(0);
    int t = seqLen;
    int[] x = new int[RowChunk.checkedLength((long) n * t, "token features")];
    int[] y = new int[x.length];
    for (int i = 0; i < n; i++) {
      int from = offsets[i];
      int length = offsets[i + 1] - from;
      if (length != t + 1)
        throw new IllegalArgumentException(
            "block "
                + rows.id(i)
                + " has "
                + length
                + " tokens, expected seq_len + 1 = "
                + (t + 1));
      for (int k = 0; k <= t; k++) {
        int id = tokens[from + k];
        if (id < 0 || id >= vocab)
          throw new IllegalArgumentException(
              "block "
                  + rows.id(i)
                  + ", position "
                  + k
                  + ": token "
                  + id
                  + " outside [0, vocab = "
                  + vocab
                  + ")");
        if (k < t) x[i * t + k] = id;
        if (k > 0) y[i * t + k - 1] = id;
      }
    }
    // ids below 2^24 are exact in float32 (GptBatch); float64 holds them all
    return new org.nd4j.linalg.dataset.MultiDataSet(
        Nd4j.createFromArray(x).reshape(n, t).castTo(dtype),
        Nd4j.createFromArray(y).reshape(n, t).castTo(dtype));
  }

  @Override
  public int evaluationChunkRows() {
    return (int) Math.max(1, EVAL_LOGITS / ((long) seqLen * vocab));
  }

  @Override
  public List<String> metricNames() {
    return List.of("valid_loss", "valid_perplexity");
  }

  /**
   * Token-weighted mean cross-entropy over all workers' validation blocks: each worker sums {@code
   * logsumexp(logits) - logit[next token]} over its tokens (in double), and one all-reduce adds the
   * sums and token counts. Logits are computed a few blocks at a time.
   */
  @Override
  public Map<String, Double> evaluate(NetworkModel model, ValidationRows valid, AllReduce comm) {
    DataType dtype = model.view().params().dataType();
    double[] sums = new double[2]; // cross-entropy sum, tokens
    valid.forEach(
        chunk -> {
          MultiDataSet b = encode(chunk, dtype);
          INDArray logits = model.output(b);
          sums[0] += crossEntropySum(logits, b.getLabels(0));
          sums[1] += (double) chunk.size() * seqLen;
          NativeArrays.release(logits);
          NativeArrays.release(b);
        });
    double[] s = comm.sumInPlace(sums);
    if (s[1] == 0) return Map.of();
    Map<String, Double> m = new LinkedHashMap<>();
    double loss = s[0] / s[1];
    m.put("valid_loss", loss);
    m.put("valid_perplexity", GptBatch.perplexity(loss));
    return m;
  }

  /**
   * Sum over positions of -log softmax(logits)[label]; logits [B, T, V], labels [B, T] holding ids.
   */
  static double crossEntropySum(INDArray logits, INDArray labels) {
    long v = logits.size(2);
    INDArray z = logits.reshape('c', logits.length() / v, v);
    INDArray max = z.max(1);
    // logsumexp shifted by the row maximum, so no exp overflows
    INDArray shifted =
        z.subColumnVector(max.reshape(max.length(), 1)); // [B*T, V]: as large as the logits
    INDArray lse = Transforms.log(Transforms.exp(shifted, false).sum(1), false).addi(max);
    NativeArrays.release(shifted);
    double[] lseD = lse.castTo(DataType.DOUBLE).toDoubleVector();
    double[] ids = labels.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
    double sum = 0;
    for (int r = 0; r < ids.length; r++) sum += lseD[r] - z.getDouble(r, (long) ids[r]);
    return sum;
  }
}
