package org.optimbench.prep.text;

import org.optimbench.prep.common.RowFormatException;

/**
 * Turns the lines of one file into documents for a {@link DocumentFormat}, one line at a time:
 * {@link #accept} returns a finished document or null, {@link #finish} the last one. Lines inside a
 * document are joined with {@code \n}; documents that are only whitespace are dropped.
 */
public final class DocumentAssembler {
  private DocumentFormat format;
  private final StringBuilder current = new StringBuilder();
  private boolean inDoc;
  private boolean any;

  public DocumentAssembler(DocumentFormat format) {
    this.format = format;
  }

  public String accept(String line) throws RowFormatException {
    if (format == DocumentFormat.auto) {
      if (line.isBlank()) {
        return null;
      }
      format =
          line.stripLeading().startsWith("<doc")
              ? DocumentFormat.wikiextractor
              : DocumentFormat.book;
    }
    switch (format) {
      case lines:
        return line.isBlank() ? null : line;
      case book:
        append(line);
        return null;
      case blankline:
        if (line.isBlank()) {
          return take();
        }
        append(line);
        return null;
      case wikiextractor:
        {
          String t = line.strip();
          if (t.startsWith("<doc ") || t.equals("<doc>")) {
            if (inDoc) {
              throw new RowFormatException("<doc> opened before the previous </doc>");
            }
            inDoc = true;
            return null;
          }
          if (t.equals("</doc>")) {
            if (!inDoc) {
              throw new RowFormatException("</doc> without <doc>");
            }
            inDoc = false;
            return take();
          }
          if (!inDoc) {
            if (!t.isEmpty()) {
              throw new RowFormatException("text outside a <doc> block");
            }
            return null;
          }
          append(line);
          return null;
        }
      default:
        throw new IllegalStateException("format " + format);
    }
  }

  /** The last document at the end of the file (an unterminated {@code <doc>} block included). */
  public String finish() {
    return take();
  }

  private void append(String line) {
    if (any) {
      current.append('\n');
    }
    current.append(line);
    any = true;
  }

  private String take() {
    String doc = current.toString();
    current.setLength(0);
    any = false;
    return doc.isBlank() ? null : doc;
  }
}
