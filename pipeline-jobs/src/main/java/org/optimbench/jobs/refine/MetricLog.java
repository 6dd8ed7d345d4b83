package org.optimbench.jobs.refine;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The gradient-norm series of a metric log: for each requested column, its logged values in step
 * order (empty cells skipped, +-inf kept for the refinement to drop, as the reference does), and
 * the last logged step. Steps must be integers and increase; a norm must be a number > 0.
 *
 * @param source the log, for messages
 */
record MetricLog(String source, Map<String, double[]> norms, long lastStep) {

  static MetricLog read(MetricTable table, String source, String stepCol, List<String> cols)
      throws IOException, MetricLogException {
    List<String> names = table.header();
    int stepIdx = column(table.headerWhere(), names, stepCol, "--step-column");
    int[] idx = new int[cols.size()];
    for (int c = 0; c < idx.length; c++)
      idx[c] = column(table.headerWhere(), names, cols.get(c), "--norm-column");
    List<List<Double>> values = new ArrayList<>();
    for (int c = 0; c < idx.length; c++) values.add(new ArrayList<>());
    long lastStep = Long.MIN_VALUE;
    String[] f;
    while ((f = table.next()) != null) {
      String where = table.where() + " column " + stepCol;
      long step;
      try {
        step = Long.parseLong(f[stepIdx]);
      } catch (NumberFormatException e) {
        throw new MetricLogException(where + ": '" + f[stepIdx] + "' is not an integer step");
      }
      if (step <= lastStep)
        throw new MetricLogException(
            where + ": step " + step + " after step " + lastStep + " (steps must increase)");
      lastStep = step;
      for (int c = 0; c < idx.length; c++) {
        String cell = f[idx[c]];
        if (cell.isEmpty()) continue;
        values.get(c).add(norm(cell, table.where() + " column " + cols.get(c)));
      }
    }
    if (lastStep == Long.MIN_VALUE)
      throw new MetricLogException(source + ": no data rows after the header");
    Map<String, double[]> norms = new LinkedHashMap<>();
    for (int c = 0; c < idx.length; c++)
      norms.put(cols.get(c), values.get(c).stream().mapToDouble(Double::doubleValue).toArray());
    return new MetricLog(source, norms, lastStep);
  }

  private static int column(String where, List<String> names, String name, String option)
      throws MetricLogException {
    int i = names.indexOf(name);
    if (i < 0)
      throw new MetricLogException(
          where
              + ": no column '"
              + name
              + "' ("
              + option
              + "); the header has "
              + String.join(", ", names));
    if (names.lastIndexOf(name) != i)
      throw new MetricLogException(where + ": column '" + name + "' appears twice");
    return i;
  }

  private static double norm(String cell, String where) throws MetricLogException {
    double v;
    switch (cell.toLowerCase(Locale.ROOT)) {
      case "inf", "+inf", "infinity", "+infinity" -> v = Double.POSITIVE_INFINITY;
      case "-inf", "-infinity" -> v = Double.NEGATIVE_INFINITY;
      default -> {
        try {
          v = Double.parseDouble(cell);
        } catch (NumberFormatException e) {
          throw new MetricLogException(where + ": '" + cell + "' is not a number");
        }
      }
    }
    if (Double.isNaN(v))
      throw new MetricLogException(where + ": NaN gradient norm (a diverged step? remove the row)");
    if (!(v > 0)) throw new MetricLogException(where + ": gradient norm " + cell + " must be > 0");
    return v;
  }
}
