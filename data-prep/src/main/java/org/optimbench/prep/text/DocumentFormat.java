package org.optimbench.prep.text;

/**
 * How a text file holds documents.
 *
 * <ul>
 *   <li>{@code book}: the whole file is one document (BookCorpus: one book per file).
 *   <li>{@code lines}: every non-blank line is a document (Wikipedia dumps as one article per
 *       line).
 *   <li>{@code blankline}: documents are separated by blank lines (fairseq's RoBERTa input).
 *   <li>{@code wikiextractor}: WikiExtractor's {@code <doc id=.. url=.. title=..>} ... {@code
 *       </doc>} blocks; the lines between are the document (its first line is the title).
 *   <li>{@code auto}: {@code wikiextractor} if the file's first non-blank line starts with {@code
 *       <doc}, else {@code book}.
 * </ul>
 */
public enum DocumentFormat {
  book,
  lines,
  blankline,
  wikiextractor,
  auto
}
