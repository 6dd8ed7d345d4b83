package org.optimbench.prep.text;

/**
 * Parameters of the text job; conf-file keys are the option names ({@code seq-len}).
 *
 * @param input a text file or a directory of them (gzip or plain)
 * @param output output directory
 * @param overwrite replace an existing output
 * @param maxBadRows malformed lines to skip (0: fail on the first)
 * @param seed seed of the train/valid split by document hash
 * @param format how files hold documents (default auto)
 * @param encoding jtokkit encoding name (default r50k_base = GPT-2)
 * @param endOfDocument token appended after each document (default: the encoding's endoftext)
 * @param seqLen sequence length; blocks hold seq-len + 1 tokens (default 1024)
 * @param validFraction fraction of documents for valid (default 0.05)
 */
public record TextConfig(
    String input,
    String output,
    Boolean overwrite,
    Long maxBadRows,
    Long seed,
    DocumentFormat format,
    String encoding,
    Integer endOfDocument,
    Integer seqLen,
    Double validFraction)
    implements java.io.Serializable {
  public TextConfig {
    if (input == null) {
      throw new IllegalArgumentException(
          "input is required (--input or 'input:' in the conf file)");
    }
    if (output == null) {
      throw new IllegalArgumentException(
          "output is required (--output or 'output:' in the conf file)");
    }
    overwrite = overwrite != null && overwrite;
    maxBadRows = maxBadRows == null ? 0L : maxBadRows;
    seed = seed == null ? 0L : seed;
    format = format == null ? DocumentFormat.auto : format;
    encoding = encoding == null ? "r50k_base" : encoding;
    seqLen = seqLen == null ? 1024 : seqLen;
    validFraction = validFraction == null ? 0.05 : validFraction;
    if (seqLen < 1) {
      throw new IllegalArgumentException("seq-len (" + seqLen + ") must be >= 1");
    }
    if (!Tokenizer.END_OF_TEXT.containsKey(encoding)) {
      throw new IllegalArgumentException(
          "unknown encoding '" + encoding + "'; jtokkit has " + Tokenizer.END_OF_TEXT.keySet());
    }
    new org.optimbench.prep.common.SplitAssigner(seed, validFraction, 0); // validates
  }
}
