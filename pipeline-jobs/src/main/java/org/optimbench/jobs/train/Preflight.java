package org.optimbench.jobs.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.optimbench.jobs.conf.ConfException;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.workload.PreparedData;
import org.optimbench.optim.spec.SpecException;
import org.optimbench.prep.common.Errors;

/**
 * The checks of a sweep's data that need no Spark, made before Spark starts so a wrong path or a
 * dataset of the wrong kind is reported in a second, not after executors have started: {@code
 * data.train} is a complete data-prep output of the kind the workload reads (or there is a {@code
 * data.source} to prepare it from), {@code data.valid} likewise, and the schedule holds for the
 * run's real length, which with {@code epochs} depends on the data's row count.
 */
final class Preflight {
  private Preflight() {}

  /** Every problem of every run, one per line ({@code run <name>: <key>: <reason>}). */
  static List<String> problems(List<RunConfig> runs) {
    List<String> out = new ArrayList<>();
    for (RunConfig r : runs) {
      for (ConfException e : problems(r)) {
        String line = (runs.size() > 1 ? "run " + r.name() + ": " : "") + e.getMessage();
        if (!out.contains(line)) out.add(line);
      }
    }
    return out;
  }

  static List<ConfException> problems(RunConfig conf) {
    List<ConfException> out = new ArrayList<>();
    String train = conf.data().train();
    try {
      if (!Location.of(train).exists()) {
        String source = conf.data().source();
        if (source.isEmpty()) {
          out.add(
              new ConfException(
                  "data.train",
                  train + " does not exist, and there is no data.source to prepare it from"));
        } else if (!source.startsWith("generate-") && !Location.of(sourcePath(source)).exists()) {
          out.add(
              new ConfException(
                  "data.source",
                  sourcePath(source)
                      + " does not exist (data.train "
                      + train
                      + " is prepared from it)"));
        }
      } else {
        PreparedData data = PreparedData.open(train, "data.train");
        conf.checkBound(conf.workload().bind(data));
        conf.newSchedule(conf.totalSteps(data.rows("train")));
        if (!conf.data().valid().isEmpty()) {
          // the validation data must be of the kind the workload reads, too
          conf.workload().bind(PreparedData.open(conf.data().valid(), "data.valid"));
        }
      }
    } catch (SpecException e) {
      out.add(ConfException.of(e));
    } catch (IOException | RuntimeException e) {
      out.add(new ConfException("data.train", train + ": " + Errors.oneLine(e)));
    }
    return out;
  }

  /** The path part of a {@code data.source} value ({@code PATH?option=value&...}). */
  private static String sourcePath(String source) {
    int q = source.indexOf('?');
    return q < 0 ? source : source.substring(0, q);
  }
}
