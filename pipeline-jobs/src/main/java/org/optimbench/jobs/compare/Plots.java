package org.optimbench.jobs.compare;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's PNG plots, drawn with XChart (headless: {@code java.awt.headless=true} is set before
 * the first chart). One color per method, the same in every plot of a report.
 */
final class Plots {
  static final int WIDTH = 980;
  static final int HEIGHT = 440;
  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd),
    new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22),
        new Color(0x17becf)
  };

  private final Map<String, Color> colors = new LinkedHashMap<>();

  Plots(List<String> methods) {
    System.setProperty("java.awt.headless", "true");
    for (int i = 0; i < methods.size(); i++)
      colors.put(methods.get(i), PALETTE[i % PALETTE.length]);
  }

  /** rho(tau) per method, AlgoPerf style: fraction of workloads within tau of the fastest. */
  byte[] profile(PerformanceProfile p, String timeLabel) throws IOException {
    XYChart c =
        chart(
            "Performance profile (time to target)",
            "tau: ratio of " + timeLabel + " to the fastest method",
            "fraction of workloads within tau");
    double[] taus = p.taus();
    for (int m : p.byScore()) {
      String name = p.methods().get(m);
      XYSeries s =
          c.addSeries(
              String.format(java.util.Locale.ROOT, "%s (score %.3f)", name, p.score(m)),
              taus,
              p.rho(m));
      s.setMarker(SeriesMarkers.NONE);
      s.setLineColor(colors.get(name));
      s.setLineStyle(new BasicStroke(2f));
    }
    c.getStyler().setYAxisMin(0.0).setYAxisMax(1.05);
    c.getStyler().setXAxisDecimalPattern("0.0#").setYAxisDecimalPattern("0.0#");
    return png(c);
  }

  /** One column's curves on one workload: the mean per method, with the min-max band over seeds. */
  byte[] curves(String workload, String column, List<MetricsFrames.CurvePoint> points)
      throws IOException {
    Map<String, List<MetricsFrames.CurvePoint>> byMethod = new LinkedHashMap<>();
    for (MetricsFrames.CurvePoint p : points)
      byMethod.computeIfAbsent(p.method(), k -> new ArrayList<>()).add(p);
    boolean log = logScale(points);
    XYChart c = chart(workload + ": " + column, "step", column + (log ? " (log scale)" : ""));
    c.getStyler().setYAxisLogarithmic(log);
    for (Map.Entry<String, List<MetricsFrames.CurvePoint>> e : byMethod.entrySet()) {
      List<MetricsFrames.CurvePoint> ps = e.getValue();
      Color color = colors.getOrDefault(e.getKey(), Color.DARK_GRAY);
      int n = ps.size();
      if (ps.stream().anyMatch(p -> p.n() > 1)) {
        double[] bx = new double[2 * n], by = new double[2 * n];
        for (int i = 0; i < n; i++) {
          bx[i] = ps.get(i).step();
          by[i] = ps.get(i).hi();
          bx[2 * n - 1 - i] = ps.get(i).step();
          by[2 * n - 1 - i] = ps.get(i).lo();
        }
        XYSeries band = c.addSeries(e.getKey() + " (seed range)", bx, by);
        band.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
        band.setFillColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 60));
        band.setLineColor(new Color(0, 0, 0, 0));
        band.setMarker(SeriesMarkers.NONE);
        band.setShowInLegend(false);
      }
      double[] x = ps.stream().mapToDouble(MetricsFrames.CurvePoint::step).toArray();
      double[] y = ps.stream().mapToDouble(MetricsFrames.CurvePoint::mean).toArray();
      int seeds = (int) ps.stream().mapToLong(MetricsFrames.CurvePoint::n).max().orElse(0);
      XYSeries s = c.addSeries(e.getKey() + " (n=" + seeds + ")", x, y);
      s.setLineColor(color);
      s.setMarkerColor(color);
      s.setMarker(n <= 30 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
      s.setLineStyle(new BasicStroke(2f));
    }
    return png(c);
  }

  /**
   * Log scale when every value is positive and they span more than a factor 30 (losses, step
   * sizes).
   */
  private static boolean logScale(List<MetricsFrames.CurvePoint> points) {
    double lo = Double.POSITIVE_INFINITY, hi = 0;
    for (MetricsFrames.CurvePoint p : points) {
      double a = Double.isNaN(p.lo()) ? p.mean() : p.lo();
      double b = Double.isNaN(p.hi()) ? p.mean() : p.hi();
      if (!(a > 0)) return false;
      lo = Math.min(lo, a);
      hi = Math.max(hi, b);
    }
    return !points.isEmpty() && hi / lo > 30;
  }

  private static XYChart chart(String title, String x, String y) {
    XYChart c =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(x)
            .yAxisTitle(y)
            .build();
    Styler s = c.getStyler();
    s.setLegendPosition(Styler.LegendPosition.OutsideE);
    s.setLegendLayout(Styler.LegendLayout.Vertical);
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setAntiAlias(true);
    c.getStyler().setPlotGridLinesColor(new Color(0xdddddd));
    return c;
  }

  private static byte[] png(XYChart c) throws IOException {
    return BitmapEncoder.getBitmapBytes(c, BitmapEncoder.BitmapFormat.PNG);
  }
}
