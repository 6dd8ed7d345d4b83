package org.optimbench.jobs.ops;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The rows of a document's Markdown tables that have a given header, for the doc tests. */
final class MarkdownTables {
  private MarkdownTables() {}

  /** One row: its line (1-based), the {@code ## } section it stands in, its cells, stripped. */
  record Row(int line, String section, List<String> cells) {}

  /**
   * Every row of every table headed by exactly {@code header} in {@code lines}; a row with another
   * number of cells than the header fails, naming {@code file} and the line.
   */
  static List<Row> rows(List<String> lines, String header, String file) {
    // "| a | b |" splits into "", a, b, "": n cells give n + 2 parts
    int parts = header.split("\\|", -1).length;
    List<Row> out = new ArrayList<>();
    String section = "";
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.startsWith("## ")) section = l.substring(3);
      if (!l.strip().equals(header)) continue;
      for (i += 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
        String[] cells = lines.get(i).split("\\|", -1);
        if (cells.length != parts)
          fail(
              file
                  + " line "
                  + (i + 1)
                  + ": expected "
                  + (parts - 2)
                  + " cells, got "
                  + (cells.length - 2));
        out.add(
            new Row(
                i + 1, section, Arrays.stream(cells, 1, parts - 1).map(String::strip).toList()));
      }
    }
    return out;
  }
}
