package org.optimbench.jobs.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The self-contained HTML report (no server, no network: plots are embedded as base64 PNG data
 * URIs): what was compared, per workload the final metric as "mean ± SE (95% CI)" with time to
 * target and rank, the performance profile and scores, curves with seed bands, every run left out
 * or diverged with its reason, and every run's conf.
 */
final class HtmlReport {
  private final CompareOutput o;
  private final Map<String, byte[]> plots;
  private final StringBuilder b = new StringBuilder();

  HtmlReport(CompareOutput o, Map<String, byte[]> plots) {
    this.o = o;
    this.plots = plots;
  }

  /** "mean ± SE (95% CI lo – hi)"; for one seed only the value, "n=1". */
  static String meanSeCi(Stats s) {
    if (s.n() == 0) return "-";
    if (s.n() == 1) return String.format(Locale.ROOT, "%.4g (n=1)", s.mean());
    return String.format(
        Locale.ROOT, "%.4g ± %.2g (%.4g – %.4g)", s.mean(), s.se(), s.ciLo(), s.ciHi());
  }

  String html() {
    CompareSettings st = o.settings;
    b.append(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>optimbench comparison</title>\n<style>")
        .append(
            "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}")
        .append(
            "table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:0.92em}")
        .append(
            "th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}img{max-width:100%}")
        .append(
            "pre{background:#f7f7f7;padding:0.6em;overflow-x:auto}.bad{color:#a00}.note{color:#555;font-size:0.9em}")
        .append("</style></head><body>\n<h1>Optimizer comparison</h1>\n");
    long included = o.runs.stream().filter(RunInspection::included).count();
    long diverged = o.runs.stream().filter(r -> r.included() && r.diverged()).count();
    long failed = o.runs.stream().filter(RunInspection::failed).count();
    b.append("<h2>What was compared</h2>\n<ul>");
    li(
        "Selection: "
            + String.join(
                " ",
                o.selection.arguments().stream().map(a -> "<code>" + esc(a) + "</code>").toList()));
    li(
        String.format(
            Locale.ROOT,
            "%d runs: %d in the statistics (%d completed, %d diverged), %d failed, %d excluded as incomplete or unreadable",
            o.runs.size(),
            included,
            included - diverged,
            diverged,
            failed,
            o.runs.size() - included - failed));
    li(
        "Metric: <code>"
            + esc(st.metric())
            + "</code> ("
            + (st.maximize() ? "higher" : "lower")
            + " is better); final = last evaluation, best = best evaluation of a run");
    for (Map.Entry<String, Comparison.Target> t : o.cmp.targets().entrySet()) {
      li(
          "Target on <b>"
              + esc(t.getKey())
              + "</b>: "
              + CompareOutput.fmt(t.getValue().value())
              + " <span class=note>("
              + esc(t.getValue().rule())
              + ")</span>");
    }
    li(
        "Time to target: wall time (wall_time_s) and optimizer steps at the first evaluation meeting the target; median over seeds; a diverged seed or one that never meets it is a miss (∞). "
            + "Ranking, profile and speedups use <b>"
            + (st.bySteps() ? "steps" : "wall time")
            + "</b> (compare.time_col)");
    li(
        "Performance profile range: τ in [1, "
            + Table.number(st.tauMax())
            + "]"
            + st.reference().map(r -> "; speedups against <code>" + esc(r) + "</code>").orElse(""));
    b.append("</ul>\n");

    b.append("<h2>Results per workload</h2>\n");
    for (String w : o.cmp.targets().keySet()) {
      b.append("<h3>")
          .append(esc(w))
          .append(
              "</h3>\n<table><tr><th>rank</th><th>method</th><th>runs</th><th>completed</th><th>diverged</th>")
          .append("<th>final ")
          .append(esc(st.metric()))
          .append("<br>mean ± SE (95% CI)</th><th>best (mean)</th><th>reached target</th>")
          .append("<th>median steps to target</th><th>median time to target</th></tr>\n");
      List<Comparison.Summary> rows =
          new ArrayList<>(o.cmp.summaries().stream().filter(s -> s.workload().equals(w)).toList());
      rows.sort(Comparator.comparingInt(Comparison.Summary::rank));
      for (Comparison.Summary s : rows) {
        b.append("<tr><td class=num>")
            .append(s.rank())
            .append("</td><td>")
            .append(esc(s.method()))
            .append("</td><td class=num>")
            .append(s.nRuns())
            .append("</td><td class=num>")
            .append(s.nCompleted())
            .append("</td><td class=num")
            .append(s.nDiverged() > 0 ? " style='color:#a00'" : "")
            .append(">")
            .append(s.nDiverged())
            .append("</td><td class=num>")
            .append(esc(meanSeCi(s.finalStats())))
            .append("</td><td class=num>")
            .append(CompareOutput.fmt(s.bestMean()))
            .append("</td><td class=num>")
            .append(s.nReached())
            .append('/')
            .append(s.nRuns())
            .append("</td><td class=num>")
            .append(
                Double.isInfinite(s.stepsToTargetMedian())
                    ? "∞"
                    : CompareOutput.fmt(s.stepsToTargetMedian()))
            .append("</td><td class=num>")
            .append(
                Double.isInfinite(s.timeToTargetMedianS())
                    ? "∞ (miss)"
                    : CompareOutput.seconds(s.timeToTargetMedianS()))
            .append("</td></tr>\n");
      }
      b.append("</table>\n");
    }

    b.append(
            "<h2>Performance profile</h2>\n<p class=note>AlgoPerf scoring (mlcommons/algorithmic-efficiency, scoring/performance_profile.py): ")
        .append("per workload, each method's median ")
        .append(o.settings.bySteps() ? "steps" : "time")
        .append(
            " to target divided by the fastest method's; times above τ<sub>max</sub>× the fastest count as misses; ")
        .append(
            "ρ(τ) is the fraction of workloads a method reaches within τ× the fastest; the score is the area under ρ on [1, τ<sub>max</sub>] divided by τ<sub>max</sub> − 1 (1 = fastest everywhere).</p>\n");
    img("performance_profile.png");
    b.append("<table><tr><th>rank</th><th>method</th><th>score</th>")
        .append(
            o.settings.reference().isPresent()
                ? "<th>geometric-mean speedup vs " + esc(o.settings.reference().get()) + "</th>"
                : "")
        .append("</tr>\n");
    PerformanceProfile p = o.cmp.profile();
    for (int m : p.byScore()) {
      b.append("<tr><td class=num>")
          .append(p.rank(m))
          .append("</td><td>")
          .append(esc(p.methods().get(m)))
          .append("</td><td class=num>")
          .append(String.format(Locale.ROOT, "%.4f", p.score(m)))
          .append("</td>");
      if (o.cmp.reference().isPresent()) {
        Optional<Double> sp = p.speedup(m, o.cmp.reference().get());
        b.append("<td class=num>")
            .append(
                sp.map(
                        v ->
                            String.format(
                                Locale.ROOT,
                                "%.3f× (%d workloads)",
                                v,
                                p.speedupWorkloads(m, o.cmp.reference().get())))
                    .orElse("- (no workload reached by both)"))
            .append("</td>");
      }
      b.append("</tr>\n");
    }
    b.append("</table>\n");

    b.append(
        "<h2>Curves</h2>\n<p class=note>Mean over the completed seeds of each method; the shaded band is the range (min to max) over seeds. Diverged runs are left out of the curves.</p>\n");
    for (String w : o.cmp.targets().keySet()) {
      b.append("<h3>").append(esc(w)).append("</h3>\n");
      for (String c : o.curveColumns) img(CompareOutput.plotName(w, c));
    }

    b.append("<h2>Failed, diverged and excluded runs</h2>\n");
    List<RunInspection> left = o.runs.stream().filter(r -> !r.included() || r.diverged()).toList();
    if (left.isEmpty()) b.append("<p>None: every selected run completed.</p>\n");
    else {
      b.append(
          "<table><tr><th>run</th><th>status</th><th>in the statistics</th><th>reason</th></tr>\n");
      for (RunInspection r : left) {
        b.append("<tr><td>")
            .append(esc(r.run()))
            .append("</td><td class=bad>")
            .append(esc(r.status()))
            .append("</td><td>")
            .append(r.included() ? "yes, as a divergence (miss)" : "no")
            .append("</td><td>")
            .append(esc(r.reason()))
            .append("</td></tr>\n");
      }
      b.append("</table>\n");
    }

    b.append(
        "<h2>Runs</h2>\n<table><tr><th>run</th><th>workload</th><th>method</th><th>seed</th><th>status</th><th>final</th><th>best</th><th>time to target</th></tr>\n");
    for (RunInspection r : o.runs) {
      Grouping.Labels l = o.labels.get(r.run());
      Comparison.RunOutcome out = r.included() ? o.cmp.run(r.run()) : null;
      b.append("<tr><td>")
          .append(esc(r.run()))
          .append("</td><td>")
          .append(l == null ? "" : esc(l.workload()))
          .append("</td><td>")
          .append(l == null ? "" : esc(l.method()))
          .append("</td><td class=num>")
          .append(l == null || l.seed() == null ? "" : l.seed())
          .append("</td><td>")
          .append(esc(r.status()))
          .append(r.included() ? "" : " (excluded)")
          .append("</td><td class=num>")
          .append(out == null ? "" : CompareOutput.fmt(out.finalMetric()))
          .append("</td><td class=num>")
          .append(out == null ? "" : CompareOutput.fmt(out.bestMetric()))
          .append("</td><td class=num>")
          .append(
              out == null
                  ? ""
                  : Double.isInfinite(out.toTarget().timeS())
                      ? "∞"
                      : CompareOutput.seconds(out.toTarget().timeS()))
          .append("</td></tr>\n");
    }
    b.append("</table>\n<h3>Confs</h3>\n");
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    for (RunInspection r : o.runs) {
      b.append("<details><summary>").append(esc(r.run())).append("</summary><pre>");
      try {
        b.append(
            r.conf() == null
                ? "(conf.yaml missing or unreadable)"
                : esc(yaml.writeValueAsString(r.conf())));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      b.append("</pre></details>\n");
    }
    b.append("<p class=note>Written by optimbench compare")
        .append(CompareOutput.gitCommit().map(c -> " at commit " + c).orElse(""))
        .append(
            ". Tables: runs.csv, summary.csv, curves.csv, time_to_target.csv, profiles.csv, scores.csv (schema in pipeline-jobs/COMPARE.md).</p>\n</body></html>\n");
    return b.toString();
  }

  private void li(String html) {
    b.append("<li>").append(html).append("</li>");
  }

  private void img(String name) {
    byte[] png = plots.get(name);
    if (png == null) return;
    b.append("<p><img alt=\"")
        .append(esc(name))
        .append("\" src=\"data:image/png;base64,")
        .append(Base64.getEncoder().encodeToString(png))
        .append("\"></p>\n");
  }

  static String esc(String s) {
    if (s == null) return "";
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
