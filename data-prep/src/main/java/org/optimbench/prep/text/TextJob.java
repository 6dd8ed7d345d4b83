package org.optimbench.prep.text;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.optimbench.prep.common.AtomicOutput;
import org.optimbench.prep.common.BadInputException;
import org.optimbench.prep.common.BadRowPolicy;
import org.optimbench.prep.common.BadRows;
import org.optimbench.prep.common.Configs;
import org.optimbench.prep.common.FileLineIterator;
import org.optimbench.prep.common.FileMeta;
import org.optimbench.prep.common.HadoopConf;
import org.optimbench.prep.common.InputFile;
import org.optimbench.prep.common.InputListing;
import org.optimbench.prep.common.JobCommand;
import org.optimbench.prep.common.LineSource;
import org.optimbench.prep.common.Manifest;
import org.optimbench.prep.common.RowFormatException;
import org.optimbench.prep.common.SplitAssigner;
import org.optimbench.prep.common.StableHash;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Text shards (BookCorpus books, Wikipedia dumps) to Parquet blocks of GPT-2 BPE tokens.
 *
 * <p>Each file is streamed in one task: lines become documents ({@link DocumentFormat}), each
 * document goes to train or valid by a hash of its text and the seed (so duplicate documents share
 * a split), is tokenized with the end-of-document token appended, and is packed into blocks of
 * seq_len + 1 tokens, one packer per split per file. The unfilled tails of all files are packed
 * again, per split in file order, in one small second stage; the last incomplete block of each
 * split is dropped and counted. Output: {@code data/split=<train|valid>/}, columns {@code block_id
 * long, tokens array<int>[seq_len + 1]}.
 */
@Command(
    name = "text",
    mixinStandardHelpOptions = true,
    description =
        "Text files (books, Wikipedia lines or WikiExtractor <doc> blocks) -> GPT-2 BPE token blocks in Parquet.")
public final class TextJob extends JobCommand<TextConfig> {
  private static final long TAIL_ID_BASE = 1L << 62;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "auto (default), book, lines, blankline, wikiextractor.")
  DocumentFormat format;

  @Option(
      names = "--encoding",
      paramLabel = "NAME",
      description = "jtokkit encoding (default r50k_base = GPT-2).")
  String encoding;

  @Option(
      names = "--end-of-document",
      paramLabel = "ID",
      description =
          "Token after each document (default: the encoding's <|endoftext|>, 50256 for GPT-2).")
  Integer endOfDocument;

  @Option(
      names = "--seq-len",
      paramLabel = "N",
      description = "Sequence length; blocks have N+1 tokens (default 1024).")
  Integer seqLen;

  @Option(
      names = "--valid-fraction",
      paramLabel = "F",
      description = "Fraction of documents for valid (default 0.05).")
  Double validFraction;

  public static void main(String[] args) {
    System.exit(
        new CommandLine(new TextJob()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
  }

  @Override
  protected Class<TextConfig> configType() {
    return TextConfig.class;
  }

  @Override
  protected String jobName() {
    return "text";
  }

  @Override
  protected void execute(SparkSession spark, TextConfig config) throws IOException {
    System.out.println(run(spark, config));
  }

  /** What the job wrote. */
  public record Summary(
      String output, Map<String, Long> blocks, Map<String, Long> documents, long tokens) {
    @Override
    public String toString() {
      return "text: blocks "
          + blocks
          + ", documents "
          + documents
          + ", "
          + tokens
          + " tokens -> "
          + output;
    }
  }

  /** Counters the tasks fill. */
  record Counters(
      LongAccumulator docsTrain,
      LongAccumulator docsValid,
      LongAccumulator tokensTrain,
      LongAccumulator tokensValid)
      implements java.io.Serializable {}

  /** Streams one file: lines to documents to tokens to blocks. */
  static final class FileTokenizer extends FileLineIterator<List<TextBlock>> {
    private final TextConfig config;
    private final Counters counters;
    private final DocumentAssembler assembler;
    private final SplitAssigner splitter;
    private final Tokenizer tokenizer;
    private final TokenPacker train;
    private final TokenPacker valid;
    private long sequence;

    FileTokenizer(
        InputFile file,
        HadoopConf conf,
        BadRowPolicy policy,
        LongAccumulator bad,
        CollectionAccumulator<FileMeta> metas,
        TextConfig config,
        Counters counters) {
      super(file, conf, policy, bad, metas);
      this.config = config;
      this.counters = counters;
      this.assembler = new DocumentAssembler(config.format());
      this.splitter = new SplitAssigner(config.seed(), config.validFraction(), 0);
      this.tokenizer = new Tokenizer(config.encoding(), config.endOfDocument());
      this.train = new TokenPacker(config.seqLen() + 1);
      this.valid = new TokenPacker(config.seqLen() + 1);
    }

    @Override
    protected List<TextBlock> parseLine(LineSource line, BadRows bad) throws IOException {
      String text;
      try {
        text = line.text();
      } catch (CharacterCodingException e) {
        bad.reject(line.lineNumber(), "invalid UTF-8", line.bytes(), line.length());
        return null;
      }
      try {
        return document(assembler.accept(text));
      } catch (RowFormatException e) {
        bad.reject(line.lineNumber(), e.getMessage(), line.bytes(), line.length());
        return null;
      }
    }

    @Override
    protected List<TextBlock> atEnd() {
      List<TextBlock> out = new ArrayList<>();
      List<TextBlock> last = document(assembler.finish());
      if (last != null) {
        out.addAll(last);
      }
      out.add(new TextBlock(0, train.remainder(), SplitAssigner.TRAIN, true, file.ordinal()));
      out.add(new TextBlock(0, valid.remainder(), SplitAssigner.VALID, true, file.ordinal()));
      return out;
    }

    private List<TextBlock> document(String doc) {
      if (doc == null) {
        return null;
      }
      String split = splitter.assign(StableHash.hashString(0, doc));
      boolean isTrain = split.equals(SplitAssigner.TRAIN);
      int[] tokens = tokenizer.encodeDocument(doc);
      (isTrain ? counters.docsTrain() : counters.docsValid()).add(1);
      (isTrain ? counters.tokensTrain() : counters.tokensValid()).add(tokens.length);
      List<int[]> full = (isTrain ? train : valid).add(tokens);
      if (full.isEmpty()) {
        return null;
      }
      List<TextBlock> out = new ArrayList<>(full.size());
      for (int[] b : full) {
        out.add(new TextBlock(file.rowId(++sequence), b, split, false, file.ordinal()));
      }
      return out;
    }
  }

  /** Packs the tails of all files of one split, in file order; drops the last partial block. */
  static List<TextBlock> packTails(String split, Iterable<TextBlock> tails, int blockLength) {
    List<TextBlock> sorted = new ArrayList<>();
    tails.forEach(sorted::add);
    sorted.sort(Comparator.comparingInt(TextBlock::getFile));
    TokenPacker packer = new TokenPacker(blockLength);
    long splitBit = split.equals(SplitAssigner.TRAIN) ? 0 : 1L << 40;
    List<TextBlock> out = new ArrayList<>();
    for (TextBlock t : sorted) {
      for (int[] b : packer.add(t.getTokens())) {
        out.add(new TextBlock(TAIL_ID_BASE | splitBit | out.size(), b, split, false, -1));
      }
    }
    return out;
  }

  public static Summary run(SparkSession spark, TextConfig config) throws IOException {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hc = spark.sparkContext().hadoopConfiguration();
    List<FileStatus> listed = InputListing.list(config.input(), hc);
    AtomicOutput out = AtomicOutput.begin(config.output(), config.overwrite(), hc);
    JavaRDD<TextBlock> blocks = null;
    try {
      HadoopConf conf = new HadoopConf(hc);
      List<InputFile> files = new ArrayList<>();
      for (FileStatus s : listed) {
        files.add(new InputFile(s.getPath().toString(), files.size(), s.getLen()));
      }
      BadRowPolicy policy = new BadRowPolicy(config.maxBadRows(), out.tmpPath("_rejects"), true);
      LongAccumulator bad = spark.sparkContext().longAccumulator("bad rows");
      CollectionAccumulator<FileMeta> metas = spark.sparkContext().collectionAccumulator("inputs");
      Counters counters =
          new Counters(
              spark.sparkContext().longAccumulator("docs train"),
              spark.sparkContext().longAccumulator("docs valid"),
              spark.sparkContext().longAccumulator("tokens train"),
              spark.sparkContext().longAccumulator("tokens valid"));
      int blockLength = config.seqLen() + 1;

      blocks =
          jsc.parallelize(files, files.size())
              .flatMap(f -> new FileTokenizer(f, conf, policy, bad, metas, config, counters))
              .flatMap(List::iterator)
              .persist(StorageLevel.MEMORY_AND_DISK_SER());
      JavaRDD<TextBlock> tailBlocks =
          blocks
              .filter(TextBlock::isTail)
              .groupBy(TextBlock::getSplit, 2)
              .flatMap(g -> packTails(g._1(), g._2(), blockLength).iterator());
      JavaRDD<TextBlock> all = blocks.filter(b -> !b.isTail()).union(tailBlocks);
      String dataPath = out.tmpPath("data");
      spark
          .createDataset(all.rdd(), Encoders.bean(TextBlock.class))
          .select(col("blockId").as("block_id"), col("tokens"), col("split"))
          .write()
          .partitionBy("split")
          .parquet(dataPath);
      if (bad.value() > config.maxBadRows()) {
        throw new BadInputException(
            bad.value() + " bad rows, more than --max-bad-rows " + config.maxBadRows());
      }

      Map<String, Long> blockCounts = new LinkedHashMap<>();
      blockCounts.put(SplitAssigner.TRAIN, 0L);
      blockCounts.put(SplitAssigner.VALID, 0L);
      for (Row r : spark.read().parquet(dataPath).groupBy("split").count().collectAsList()) {
        blockCounts.put(r.getString(0), r.getLong(1));
      }
      Map<String, Long> docs = new LinkedHashMap<>();
      docs.put(SplitAssigner.TRAIN, counters.docsTrain().value());
      docs.put(SplitAssigner.VALID, counters.docsValid().value());
      Map<String, Long> tokens = new LinkedHashMap<>();
      tokens.put(SplitAssigner.TRAIN, counters.tokensTrain().value());
      tokens.put(SplitAssigner.VALID, counters.tokensValid().value());
      Map<String, Long> packed = new LinkedHashMap<>();
      Map<String, Long> dropped = new LinkedHashMap<>();
      for (String s : blockCounts.keySet()) {
        packed.put(s, blockCounts.get(s) * blockLength);
        dropped.put(s, tokens.get(s) - blockCounts.get(s) * blockLength);
      }
      Tokenizer tokenizer = new Tokenizer(config.encoding(), config.endOfDocument());

      Manifest m = new Manifest("text", Configs.toTree(config));
      m.inputs(metas.value());
      m.put(
          "data",
          Map.of(
              "path",
              "data",
              "format",
              "parquet",
              "partitioned_by",
              "split",
              "columns",
              List.of(
                  "block_id: long, (file ordinal << 40) | block number in the file; tail-packed blocks have bit 62 set",
                  "tokens: array<int>[seq_len + 1], inputs = tokens[0..seq_len), targets = tokens[1..seq_len]")));
      m.put("rows", blockCounts);
      m.put("documents", docs);
      m.put("tokens", tokens);
      m.put("tokens_in_blocks", packed);
      m.put("tokens_dropped", dropped);
      m.put("bad_rows", bad.value());
      m.put("rejects", bad.value() > 0 ? "_rejects" : null);
      m.put(
          "tokenizer",
          Map.of(
              "library",
              "jtokkit",
              "encoding",
              config.encoding(),
              "end_of_document",
              tokenizer.endOfDocument(),
              "special_tokens_in_text",
              "encoded as ordinary text"));
      m.put("seq_len", config.seqLen());
      m.put("block_length", blockLength);
      m.put(
          "packing",
          "consecutive non-overlapping blocks crossing document boundaries, end-of-document token "
              + "after each document; per file, then the files' tails in file order; last partial block per split dropped");
      m.put("split_rule", "valid if hash(seed, hash(document text)) < valid-fraction, else train");
      m.put("document_format", config.format().name());
      out.commit(m.toJson());
      return new Summary(
          out.target(),
          blockCounts,
          docs,
          tokens.values().stream().mapToLong(Long::longValue).sum());
    } catch (Exception e) {
      out.abort();
      throw BadInputException.unwrap(e);
    } finally {
      if (blocks != null) {
        blocks.unpersist(false);
      }
    }
  }
}
