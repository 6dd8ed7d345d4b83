package org.optimbench.optim.graft;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.optimbench.optim.spec.Spec;

/**
 * Grafting's static transfer: from a layer-wise grafted run M#SGD, fixed per-layer learning-rate
 * multipliers for plain SGD, so the memory-free SGD runs with the adaptive method's implicit
 * per-layer step sizes (Agarwal, Anil, Hazan, Koren, Zhang, "Learning Rate Grafting:
 * Transferability of Optimizer Tuning", ICLR 2022 submission, the "static transfer of learning rate
 * ratios" that trains BERT with SGD).
 *
 * <p>In M#D with D = SGD(lr), the grafted step of layer ℓ is c_ℓ,t · u_D = −c_ℓ,t · lr · g_ℓ with
 * c_ℓ,t = ‖u_M,ℓ‖/‖u_D,ℓ‖, the {@code ratio.<ℓ>} diagnostic that {@link Graft} logs each step.
 * Freezing c_ℓ,t to a constant c̄_ℓ gives SGD with per-layer learning rate c̄_ℓ · lr, which is
 * {@code layer_scaled} around the same SGD spec ({@link #spec}).
 *
 * <p>Which c̄: the paper reports that the ratios settle early in training and are frozen, but the
 * exact freezing rule and window of the ICLR 2022 version could not be retrieved (only the abstract
 * and a talk outline were reachable). The documented default here: c̄_ℓ is the arithmetic mean of
 * the logged ratio over the steps in a window [start, end) the user chooses (e.g. right after
 * warm-up, a few hundred steps). Rows with an empty or NaN cell are skipped for that layer.
 *
 * <p>Log format read by {@link #multipliers}: a CSV with a header row; a column {@code step} and
 * one column {@code ratio.<segment>} per layer, exactly as the graft diagnostics are named (a
 * prefixed name such as {@code optimizer.ratio.W1} is also recognised by its {@code ratio.} suffix
 * part). Other columns are ignored; the global {@code ratio} column is not a layer.
 */
public final class StaticTransfer {
  private static final String RATIO = "ratio.";

  private StaticTransfer() {}

  /** Per-segment mean of the logged {@code ratio.<segment>} over steps in [start, end). */
  public static Map<String, Double> multipliers(Path metricsCsv, long start, long end)
      throws IOException {
    return multipliers(
        Files.readAllLines(metricsCsv), metricsCsv.getFileName().toString(), start, end);
  }

  /** The same for lines already read; {@code source} names them in errors. */
  public static Map<String, Double> multipliers(
      List<String> lines, String source, long start, long end) {
    if (start < 0 || end <= start)
      throw new IllegalArgumentException(
          "window [" + start + ", " + end + ") is empty or negative");
    if (lines.isEmpty())
      throw new IllegalArgumentException(
          source + ": empty file, expected a header with step and ratio.<segment> columns");
    String[] header = lines.get(0).split(",", -1);
    int stepCol = -1;
    List<Integer> cols = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < header.length; i++) {
      String h = header[i].trim();
      if (h.equals("step")) stepCol = i;
      String seg = segmentOf(h);
      if (seg != null) {
        if (names.contains(seg))
          throw new IllegalArgumentException(source + ": two columns for segment '" + seg + "'");
        cols.add(i);
        names.add(seg);
      }
    }
    if (stepCol < 0)
      throw new IllegalArgumentException(source + ": no 'step' column in the header");
    if (cols.isEmpty())
      throw new IllegalArgumentException(
          source + ": no ratio.<segment> columns in the header (log a layer-wise graft run)");
    double[] sum = new double[cols.size()];
    long[] count = new long[cols.size()];
    for (int r = 1; r < lines.size(); r++) {
      String line = lines.get(r);
      if (line.isBlank()) continue;
      String[] f = line.split(",", -1);
      if (f.length != header.length)
        throw new IllegalArgumentException(
            source + " line " + (r + 1) + ": " + f.length + " fields, expected " + header.length);
      long step = parseStep(f[stepCol], source, r + 1);
      if (step < start || step >= end) continue;
      for (int k = 0; k < cols.size(); k++) {
        String cell = f[cols.get(k)].trim();
        if (cell.isEmpty()) continue;
        double v;
        try {
          v = Double.parseDouble(cell);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              source
                  + " line "
                  + (r + 1)
                  + ", column "
                  + header[cols.get(k)].trim()
                  + ": '"
                  + cell
                  + "' is not a number");
        }
        if (Double.isNaN(v)) continue;
        if (Double.isInfinite(v) || v < 0)
          throw new IllegalArgumentException(
              source
                  + " line "
                  + (r + 1)
                  + ", column "
                  + header[cols.get(k)].trim()
                  + ": ratio "
                  + v
                  + " must be finite and >= 0");
        sum[k] += v;
        count[k]++;
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (int k = 0; k < cols.size(); k++) {
      if (count[k] == 0)
        throw new IllegalArgumentException(
            source
                + ": no value of ratio."
                + names.get(k)
                + " in steps ["
                + start
                + ", "
                + end
                + ")");
      out.put(names.get(k), sum[k] / count[k]);
    }
    return out;
  }

  /**
   * The segment of a {@code ratio.<segment>} (or {@code <prefix>.ratio.<segment>}) column, else
   * null.
   */
  private static String segmentOf(String column) {
    int at = column.startsWith(RATIO) ? 0 : column.lastIndexOf("." + RATIO) + 1;
    if (at == 0 && !column.startsWith(RATIO)) return null;
    String seg = column.substring(at + RATIO.length());
    return seg.isEmpty() ? null : seg;
  }

  private static long parseStep(String cell, String source, int line) {
    String s = cell.trim();
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      try {
        double d = Double.parseDouble(s);
        if (d == Math.rint(d)) return (long) d;
      } catch (NumberFormatException ignored) {
        // reported below
      }
      throw new IllegalArgumentException(
          source + " line " + line + ", column step: '" + s + "' is not a step number");
    }
  }

  /**
   * The {@code layer_scaled} spec that runs {@code sgd} (the grafted run's direction spec) with
   * these multipliers.
   */
  public static Spec spec(Spec sgd, Map<String, Double> multipliers) {
    if (!sgd.name().equals("sgd"))
      throw new IllegalArgumentException(
          "static transfer targets SGD, got '"
              + sgd.name()
              + "' (use layer_scaled directly for other base optimizers)");
    Map<String, Object> hp = new LinkedHashMap<>();
    hp.put("base", sgd);
    hp.put("multipliers", new LinkedHashMap<>(multipliers));
    return new Spec("layer_scaled", hp);
  }

  /**
   * Reads the log, averages over [start, end) and wraps {@code sgd}: the whole transfer in one
   * call.
   */
  public static Spec spec(Path metricsCsv, long start, long end, Spec sgd) throws IOException {
    return spec(sgd, multipliers(metricsCsv, start, end));
  }
}
